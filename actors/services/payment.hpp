// actors/services/payment.hpp — the payment gateway: authorizes amounts after a
// simulated latency and voids authorizations of orders that failed. With a
// ledger (actors/journal/ledger_actor.hpp, --payment.ledger) it behaves like
// a real gateway with idempotency keys: an authorization is answered only
// once the ledger has it, a repeated authorization key gets the first answer,
// and a void is acknowledged once durable (an unknown key: acknowledged,
// nothing to do). Without one it remembers nothing.
// Interface: messages/interfaces.hpp (payment_actor).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/services/service_common.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct payment_state : service_state<payment_config, payment_reply> {
  ledger_actor ledger; // invalid: no ledger
  /// Single calls for the ledger since the last flush: they go to it as
  /// one request (one message to its thread, one pending request here).
  struct waiting_call {
    caf::actor_clock::time_point due;
    caf::typed_response_promise<payment_reply> promise;
  };
  std::vector<ledger_entry> to_ledger;
  std::vector<waiting_call> waiting;
  static constexpr const char* name = "payment";
};

/// The gateway with its private messages: its latency's tick, and sending
/// the single calls gathered for the ledger.
using payment_impl
  = payment_actor::extend<tick_input, caf::reacts_to<flush_atom>>;

payment_impl::behavior_type
payment(payment_impl::stateful_pointer<payment_state> self, payment_config cfg,
        uint64_t seed, caf::timespan resolution, ledger_actor ledger);

} // namespace order_node
