// actors/order_core.hpp — what the parallel and the sequential order actors
// share: the job, the settings, the state (replies collected so far) and the
// call machinery (send with the remaining deadline as timeout, retry transient
// errors with exponential backoff, record every call, decide, void, answer).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/decide.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// Settings every order of a desk shares.
struct order_params {
  caf::timespan deadline = std::chrono::seconds(1);      // from acceptance
  int32_t max_attempts = 3;                              // 1 = no retries
  caf::timespan backoff = std::chrono::milliseconds(10); // doubles per retry
  /// Carriers the parallel order asks (FastShip only when enabled).
  std::vector<std::string> carriers = {"Standard", "Economy"};
  /// Warehouses the parallel order asks, preferred first.
  std::vector<std::string> warehouses = {"Main", "Backup"};
};

/// One accepted order.
struct order_job {
  order_request request;
  std::string order_key; // input of every outcome hash
  std::string order_id;
  caf::actor_clock::time_point accepted_at;
};

struct order_state;
using order_impl = order_actor::extend<caf::reacts_to<retry_atom, int32_t>>;
using order_self = order_impl::stateful_pointer<order_state>;

/// An order's state: owned by its actor, touched by nobody else.
struct order_state {
  order_job job;
  std::shared_ptr<const order_params> params;
  directory_actor directory;
  service_routes_ptr routes; // the directory's snapshot
  order_replies replies;
  std::vector<call_record> calls;
  std::vector<caf::actor_clock::time_point> sent_at; // per slot id
  std::vector<int32_t> failovers; // per slot id: instances lost so far
  size_t pick = 0; // which instance of a service, when several (from the key)
  caf::typed_response_promise<order_result> promise;
  caf::actor_clock::time_point deadline;
  int32_t outstanding = 0;    // slots still pending (parallel order)
  payment_actor payment_used; // to void an authorization
  bool running = false;
  bool routed = false; // the directory has answered
  bool decided = false;
  /// The mode (parallel or sequential): what to call first, and what to do
  /// when a slot reaches its final state (answered, failed, timed out).
  void (*start)(order_self) = nullptr;
  void (*on_final)(order_self, int32_t) = nullptr;
  static constexpr const char* name = "order";
};

/// Slot ids: warehouses first, then payment, fraud, then the quotes.
slot_ref slot_of(const order_replies& r, int32_t id);
int32_t slot_count(const order_replies& r);

/// Answers `run` by looking the routes up in the directory and calling
/// `self->state.start`; the caller has set job, params, directory, the slots
/// of `replies` and the two hooks.
order_impl::behavior_type order_behavior(order_self self);

/// Sends the call of slot `id` (attempt = attempts so far + 1).
void start_call(order_self self, int32_t id);

/// Decides, voids an authorization if needed, answers and quits. Idempotent.
void finish(order_self self);

} // namespace order_node
