// actors/order/order_actor.hpp — the design card's shape, the default engine
// (--engine=actor): one actor per order. Its desk spawns it with the service
// handles the directory gave it (the card's "looks up"). It sends all six
// requests at once, each with request(handle, infinite, ...).then(on_reply,
// on_error), to the typed service actors (or their relays in a cluster),
// keeps the replies in its state (actors/order/order_machine.hpp), retries
// transient errors, fails over when a relay says its node is lost, decides
// when every reply has arrived or its desk says the deadline has passed,
// voids the authorization of a failed order, hands the result to its desk
// (which answers every client of the order) and quits. A reply that comes
// after that is dropped with the actor.
//
// With a journal the payment request waits for the desk's `recorded`: the
// journal has committed the order's acceptance, so nothing is charged for
// an order the journal never held (docs/durability.md, promise 3).
//
// Timers: no request has a timeout of its own; one clock entry per call is
// what saturates the bare-CAF peer at 10,000 orders in flight. The deadline
// comes from the desk's deadline queue (one timer per desk and tick, not
// per order), which sends the order `expire`. Only a retry after a
// transient error is a delayed message of the order's own.
#pragma once

#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/order/order_machine.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// Where an order reports its result, and the replies to journal (an order
/// with job.seq != 0): its desk, which writes them with its own records,
/// one message to the journal per write instead of one per reply.
using order_done_sink
  = caf::typed_actor<caf::reacts_to<done_atom, uint64_t, order_result>,
                     caf::reacts_to<append_atom, journal_reply>>;

/// What an order actor accepts besides the answers to its requests.
using order_actor = caf::typed_actor<
  // The deadline has passed: decide with what has arrived.
  caf::reacts_to<expire_atom>,
  // A retry of a slot is due (the order's own delayed message).
  caf::reacts_to<retry_atom, int32_t>,
  // The journal committed the order's acceptance: its payment may go.
  caf::reacts_to<recorded_atom>>;

struct order_actor_args {
  uint64_t id = 0; // the desk's name for the order, echoed with the result
  order_kind kind = order_kind::parallel;
  order_job job;
  std::shared_ptr<const order_params> params;
  /// The directory's routes when the desk spawned it; null: the desk had
  /// none by the deadline, and the order fails at once.
  service_routes_ptr routes;
  order_done_sink desk;
};

struct order_actor_state {
  order_machine machine;
  std::shared_ptr<const order_params> params;
  service_routes_ptr routes;
  order_done_sink desk;
  static constexpr const char* name = "order";
};

using order_self = order_actor::stateful_pointer<order_actor_state>;

order_actor::behavior_type order(order_self self, order_actor_args args);

} // namespace order_node
