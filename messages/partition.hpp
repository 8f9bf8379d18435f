// messages/partition.hpp — which partition of a shared journal an order
// belongs to (issue #28, docs/cluster.md "Several fronts"): a hash of its
// order key, the idempotency key if it has one, else its order id. Every
// front computes the same partition for the same key (FNV-1a, 64 bits, on
// the key's bytes), so that a key sent to two fronts reaches one owner.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace order_node {

inline uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// The partition of the order whose key is `key`, of `partitions` (> 0).
inline int32_t partition_of(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>(fnv1a64(key) % static_cast<uint64_t>(partitions));
}

/// An order's key for partitions: its idempotency key, else its id.
inline const std::string& partition_key(const std::string& idempotency_key,
                                        const std::string& order_id) {
  return idempotency_key.empty() ? order_id : idempotency_key;
}

} // namespace order_node
