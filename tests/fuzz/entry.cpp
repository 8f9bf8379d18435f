// tests/fuzz/entry.cpp — a libFuzzer binary for one target, chosen when
// compiled (-DFUZZ_TARGET=http_request, ...): see targets.hpp.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  order_node::fuzz::FUZZ_TARGET(data, size);
  return 0;
}
