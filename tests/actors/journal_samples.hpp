// tests/actors/journal_samples.hpp — an accepted order as the journal tests
// write it: id ORD_<seq>, key seq:<seq>, accepted <seq> seconds after the
// epoch, with an optional idempotency key.
#pragma once

#include <cstdint>
#include <string>

#include "messages/journal_types.hpp"

namespace order_node::testing {

inline journal_accepted accepted(uint64_t seq, std::string key = {}) {
  journal_accepted a;
  a.seq = seq;
  a.order_id = "ORD_" + std::to_string(seq);
  a.order_key = "seq:" + std::to_string(seq);
  a.idempotency_key = std::move(key);
  a.request = {"u1", "p1", 2, 99.5, 1.5, "Berlin"};
  a.accepted_us = 1'000'000 * static_cast<int64_t>(seq);
  return a;
}

} // namespace order_node::testing
