// actors/order_core.hpp — one order as a state machine run by its desk: the
// job, the settings, the state (replies collected so far) and the call
// machinery (send each call, retry transient errors with exponential
// backoff, fail over from a lost node, record every call, decide, void,
// answer).
//
// An order is not an actor of its own: the desk that accepted it keeps it in
// a table and runs it, so an order costs no spawn, no mailbox and no
// directory lookup (the desk holds the routes), and the calls of all its
// orders go out from one actor. The parallel and the sequential pipeline
// differ only in their `order_mode` (actors/order.hpp).
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

struct desk_state;

/// The desk's actor type: its public interface, the services' answers, and
/// its private messages (the deadline tick, an order's retry, sending the
/// queued calls, the directory's routes).
using order_desk_impl = order_desk_actor::extend_with<service_caller>::extend<
  caf::reacts_to<tick_atom>, caf::reacts_to<retry_atom, uint64_t, int32_t>,
  caf::reacts_to<flush_atom>, caf::reacts_to<routes_atom, service_routes_ptr>>;
using desk_self = order_desk_impl::stateful_pointer<desk_state>;

struct order_run;

/// What makes an order parallel or sequential: its slots, what to call
/// first, and what to do when a slot reaches its final state (answered,
/// failed, timed out).
struct order_mode {
  void (*init)(order_run&, const order_params&);
  void (*start)(desk_self, order_run&);
  void (*on_final)(desk_self, order_run&, int32_t slot_id);
};

/// An order in flight: owned by its desk, touched by nobody else.
struct order_run {
  uint64_t id = 0; // the desk's key for it
  order_kind kind = order_kind::parallel;
  const order_mode* mode = nullptr;
  order_job job;
  caf::actor_clock::time_point deadline;
  order_replies replies;
  std::vector<call_record> calls;
  std::vector<caf::actor_clock::time_point> sent_at; // per slot id
  std::vector<int32_t> failovers; // per slot id: instances lost so far
  size_t pick = 0; // which instance of a service, when several (from the key)
  int32_t outstanding = 0;    // slots still pending (parallel order)
  payment_actor payment_used; // to void an authorization
  bool started = false;       // had routes and sent its first calls
  bool decided = false;
  /// The desk's side: who waits for the result.
  std::string dedup_key; // empty without idempotency key
  caf::typed_response_promise<order_result> promise; // without key
};

/// Slot ids: warehouses first, then payment, fraud, then the quotes.
slot_ref slot_of(const order_replies& r, int32_t id);
int32_t slot_count(const order_replies& r);

/// Sets up `o` (slots, deadline, pick) for its mode; `o.job` and `o.mode`
/// are set.
void init_order(order_run& o, const order_params& params);

/// Starts `o` with the desk's routes: calls what its mode calls first.
void start_order(desk_self self, order_run& o);

/// Sends the call of slot `id` (attempt = attempts so far + 1); `now` is
/// the caller's clock reading (one per message, not one per call).
void start_call(desk_self self, order_run& o, int32_t id,
                caf::actor_clock::time_point now);

/// A retry of slot `id` is due.
void retry_call(desk_self self, order_run& o, int32_t id);

/// The deadline has passed: every call still pending times out, and the
/// order decides with what has arrived.
void expire_order(desk_self self, order_run& o);

/// Sends every queued call, one call_batch per service instance.
void flush_calls(desk_self self);

/// Applies the outcomes of a batch to the orders that are still waiting.
void on_outcomes(desk_self self, inventory_outcomes& x);
void on_outcomes(desk_self self, payment_outcomes& x);
void on_outcomes(desk_self self, fraud_outcomes& x);
void on_outcomes(desk_self self, shipping_outcomes& x);

/// Decides, voids an authorization if needed and hands the result to the
/// desk (complete_order), which forgets `o`: do not touch `o` after.
void finish(desk_self self, order_run& o);

/// Provided by the desk (order_desk.cpp): answers the clients of order `id`
/// and forgets it.
void complete_order(desk_self self, uint64_t id, order_result r);

} // namespace order_node
