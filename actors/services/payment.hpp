// actors/services/payment.hpp — the payment gateway: authorizes amounts after a
// simulated latency and voids authorizations of orders that failed later.
// Interface: messages/interfaces.hpp (payment_actor).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/services/service_common.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct payment_state : service_state<payment_config, payment_reply> {
  static constexpr const char* name = "payment";
};

using payment_impl = payment_actor::extend<tick_input>;

payment_impl::behavior_type
payment(payment_impl::stateful_pointer<payment_state> self, payment_config cfg,
        uint64_t seed, caf::timespan resolution);

} // namespace order_node
