// actors/order_desk.hpp — the front door for every client (REPL, HTTP, remote
// nodes): spawns one order actor per order, deduplicates by idempotency key,
// bounds the orders in flight (beyond the bound it answers "overloaded" at
// once), keeps counters and latency histograms per kind and status, and
// enforces every order's deadline.
//
// Deadlines without a timer per order: every order of a desk has the same
// deadline offset, so deadlines come due in acceptance order. The desk keeps
// them in a FIFO and runs one timer for the oldest (rounded up to a tick of
// `deadline_tick`); when it fires, every order past its deadline and still in
// flight gets `deadline` and answers at once. An order that still does not
// answer within `grace` (its actor died) is answered for by the desk.
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
  /// How long past its deadline the desk waits for an order actor before
  /// answering for it (only an order actor that died needs this).
  caf::timespan grace = std::chrono::seconds(1);
  /// Deadlines due within one tick share one timer.
  caf::timespan deadline_tick = std::chrono::milliseconds(1);
};

/// An order in flight, as the desk sees it.
struct running_order {
  order_actor handle;
  order_kind kind = order_kind::parallel;
  std::string dedup_key; // empty without idempotency key
  caf::typed_response_promise<order_result> promise; // without key
  std::string order_id;
  caf::actor_clock::time_point accepted_at;
  bool told = false; // got `deadline`
};

struct desk_state {
  desk_config cfg;
  std::shared_ptr<const order_params> params;
  directory_actor directory;
  uint64_t next_seq = 0;
  uint64_t next_id = 0; // running orders
  uint64_t deduplicated = 0;
  std::unordered_map<uint64_t, running_order> running;
  /// (deadline, id) in deadline order; entries of finished orders are
  /// dropped when they come due.
  struct due {
    caf::actor_clock::time_point at;
    uint64_t id;
  };
  std::deque<due> deadlines;
  bool tick_pending = false;
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
  std::vector<call_stats> calls; // per service instance
  static constexpr const char* name = "order_desk";
};

using order_desk_impl = order_desk_actor::extend<caf::reacts_to<tick_atom>>;

order_desk_impl::behavior_type
order_desk(order_desk_impl::stateful_pointer<desk_state> self,
           directory_actor directory, desk_config cfg);

} // namespace order_node
