// actors/rules/outcome.cpp — see outcome.hpp. FNV-1a over the fields (with a
// separator, so ("ab","c") and ("a","bc") differ), then splitmix64.
#include "actors/rules/outcome.hpp"

namespace order_node {

namespace {

constexpr uint64_t fnv_offset = 14695981039346656037ull;
constexpr uint64_t fnv_prime = 1099511628211ull;

uint64_t fnv(uint64_t h, std::string_view s) {
  for (auto c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= fnv_prime;
  }
  h ^= 0xFF; // field separator: no byte of UTF-8 text is 0xFF
  h *= fnv_prime;
  return h;
}

} // namespace

uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t call_hash(uint64_t seed, std::string_view order_key,
                   std::string_view service, std::string_view instance,
                   int32_t attempt) {
  auto h = fnv(fnv_offset ^ mix64(seed), order_key);
  h = fnv(h, service);
  h = fnv(h, instance);
  h ^= static_cast<uint32_t>(attempt);
  return mix64(h);
}

double uniform(uint64_t call_hash, uint32_t draw) {
  auto x = mix64(call_hash + 0x9E3779B97F4A7C15ull * (draw + 1ull));
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

std::string authorization_key(uint64_t scope, std::string_view order_id) {
  std::string out = hex8(scope >> 32) + hex8(scope);
  out += '/';
  out += order_id;
  return out;
}

std::string hex8(uint64_t x) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = digits[x & 0xF];
    x >>= 4;
  }
  return out;
}

std::string make_order_id(uint64_t seed, std::string_view order_key) {
  return "ORD_" + hex8(call_hash(seed, order_key, "order", "", 0));
}

} // namespace order_node
