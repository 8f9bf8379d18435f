// actors/rules/outcome.hpp — deterministic outcomes: every simulated answer and
// every order id is a pure function of (seed, order key, service, instance,
// attempt), a hash rather than a shared random generator, so the same seed and
// input give the same results whatever the interleaving, in one process or a
// cluster.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace order_node {

/// The hash of one service call.
uint64_t call_hash(uint64_t seed, std::string_view order_key,
                   std::string_view service, std::string_view instance,
                   int32_t attempt);

/// The `draw`-th independent number in [0, 1) of one call.
double uniform(uint64_t call_hash, uint32_t draw);

/// "ORD_" + 8 lowercase hex digits, from (seed, order key).
std::string make_order_id(uint64_t seed, std::string_view order_key);

/// 8 lowercase hex digits of the low 32 bits of `x`.
std::string hex8(uint64_t x);

/// The payment gateway's idempotency key of an order's authorization:
/// 16 hex digits of `scope` (the journal's uid: order ids repeat across
/// journals, and one gateway may serve several fronts), "/", the order id.
std::string authorization_key(uint64_t scope, std::string_view order_id);

/// splitmix64's finalizer: a bijective mix of 64 bits.
uint64_t mix64(uint64_t x);

} // namespace order_node
