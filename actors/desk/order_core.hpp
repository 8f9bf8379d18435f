// actors/desk/order_core.hpp — the batched engine's transport
// (--engine=batched): the desk runs its orders (actors/order/order_machine.hpp)
// in a table and carries their calls itself. Calls are queued per service
// instance and leave as one call_batch per instance when the desk reaches its
// own `flush` message; the outcomes come back as one message per batch and are
// handed to the orders by call tag (order, slot, attempt). An order costs no
// spawn and no mailbox, and the calls of all the desk's orders share the
// messages each way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/order/order_machine.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct desk_state;

/// The desk's actor type: its public interface, the services' answers, and
/// its private messages (the deadline tick, an order's retry, sending the
/// queued calls, the directory's routes, an order actor's result and its
/// replies to journal, writing the journal's records, sending a void
/// again).
using order_desk_impl = order_desk_actor::extend_with<service_caller>::extend<
  caf::reacts_to<tick_atom>, caf::reacts_to<retry_atom, uint64_t, int32_t>,
  caf::reacts_to<flush_atom>, caf::reacts_to<routes_atom, service_routes_ptr>,
  caf::reacts_to<done_atom, uint64_t, order_result>,
  caf::reacts_to<append_atom, journal_reply>, caf::reacts_to<commit_atom>,
  caf::reacts_to<void_atom, std::string>>;
using desk_self = order_desk_impl::stateful_pointer<desk_state>;

/// An order in flight in the desk's table: the order itself and the desk's
/// side of it.
struct order_run : order_machine {
  /// Who waits for the result: the clients of an idempotency key, or one.
  std::string dedup_key; // empty without idempotency key
  caf::typed_response_promise<order_result> promise; // without key

  /// Clears it for the next order (the table reuses its slots).
  void clear() {
    reset();
    dedup_key.clear();
    promise = caf::typed_response_promise<order_result>{};
  }
};

/// The order's engine inside the desk: sends its calls through the desk's
/// outboxes, retries through a delayed message to the desk, and completes
/// through complete_order.
class desk_context final : public order_context {
 public:
  explicit desk_context(desk_self self) : self_(self) {}
  size_t instances(check service, const std::string& instance) override;
  bool send(order_machine& o, const call_ticket& t) override;
  void retry_later(order_machine& o, int32_t slot,
                   order_duration delay) override;
  void complete(order_machine& o, order_result&& r) override;
  void journal_reply(order_machine& o, struct journal_reply&& r) override;

 private:
  desk_self self_;
};

/// Sends every queued call, one call_batch per service instance.
void flush_calls(desk_self self);

/// Applies the outcomes of a batch to the orders that are still waiting.
void on_outcomes(desk_self self, inventory_outcomes& x);
void on_outcomes(desk_self self, payment_outcomes& x);
void on_outcomes(desk_self self, fraud_outcomes& x);
void on_outcomes(desk_self self, shipping_outcomes& x);

/// Provided by the desk (order_desk.cpp): answers the clients of order `id`
/// and forgets it.
void complete_order(desk_self self, uint64_t id, order_result r);

/// Provided by the desk: queues a reply for the journal's next write.
void journal(desk_self self, journal_reply&& r);

} // namespace order_node
