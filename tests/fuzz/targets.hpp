// tests/fuzz/targets.hpp — what each fuzz target does with one input, shared
// by the libFuzzer binaries (tests/fuzz/, built with clang's
// -fsanitize=fuzzer) and by the replay test that runs every seed and every
// regression input in the ordinary suites (tests/node/fuzz_replay_test.cpp).
// A target checks what must hold for any input and aborts if it does not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace order_node::fuzz {

/// The order body's JSON codec and the request's validation.
void order_json(const uint8_t* data, size_t size);

/// The REPL's command line grammar.
void repl_line(const uint8_t* data, size_t size);

/// One HTTP request from its raw bytes to the router's decision, with and
/// without a bearer token (the first byte chooses).
void http_request(const uint8_t* data, size_t size);

/// The journal's stored bytes: requests, results (both formats) and
/// replies, decoded and, when they decode, encoded back identically.
void journal_record(const uint8_t* data, size_t size);

/// The targets by name ("order_json", "repl_line", "http_request",
/// "journal_record"); null for an unknown name.
using target_fn = void (*)(const uint8_t*, size_t);
target_fn find_target(std::string_view name);

} // namespace order_node::fuzz
