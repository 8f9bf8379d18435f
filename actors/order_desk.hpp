// actors/order_desk.hpp — the front door for every client (REPL, HTTP, remote
// nodes): spawns one order actor per order, deduplicates by idempotency key,
// bounds the orders in flight (beyond the bound it answers "overloaded" at
// once) and keeps counters and latency histograms per kind and status.
// Interface: messages/interfaces.hpp (order_desk_actor).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/order_core.hpp"

namespace order_node {

struct desk_config {
  uint64_t seed = 0; // order ids are derived from (seed, order key)
  int64_t max_in_flight = 100'000;
  caf::timespan dedup_window = std::chrono::minutes(10);
  size_t dedup_capacity = 100'000; // results kept for deduplication
  order_params order;
  /// How long past an order's deadline the desk waits for its actor before
  /// answering for it (only an order actor that died needs this).
  caf::timespan grace = std::chrono::seconds(1);
};

struct desk_state {
  desk_config cfg;
  std::shared_ptr<const order_params> params;
  directory_actor directory;
  uint64_t next_seq = 0;
  int64_t in_flight = 0;
  uint64_t deduplicated = 0;
  /// Clients waiting for an order with an idempotency key still in flight.
  std::unordered_map<std::string,
                     std::vector<caf::typed_response_promise<order_result>>>
      waiting;
  /// Results of finished orders with an idempotency key, oldest first.
  struct kept {
    caf::actor_clock::time_point expires;
    std::string key;
  };
  std::unordered_map<std::string, order_result> done;
  std::deque<kept> done_order;
  std::vector<status_stats> stats;
  static constexpr const char* name = "order_desk";
};

order_desk_actor::behavior_type
order_desk(order_desk_actor::stateful_pointer<desk_state> self,
           directory_actor directory, desk_config cfg);

} // namespace order_node
