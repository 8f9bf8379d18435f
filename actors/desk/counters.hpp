// actors/desk/counters.hpp — what a desk counts: orders per kind and status
// with their latency, calls per service instance with theirs, repeated keys
// answered without a new order, orders resumed at start. `stats` reads them
// (with --metrics=off they stay zero).
#pragma once

#include <cstdint>
#include <vector>

#include "messages/stats_types.hpp"

namespace order_node {

struct desk_counters {
  std::vector<status_stats> orders;
  std::vector<call_stats> calls; // per service instance
  uint64_t deduplicated = 0;
  int64_t resumed = 0; // orders resumed from the journal at start

  /// Counts a result of an order of `kind` (its latency too).
  void count(order_kind kind, const order_result& r);

  /// Counts the calls of a finished order per service instance.
  void count_calls(const order_result& r);
};

} // namespace order_node
