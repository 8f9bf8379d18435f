// actors/services/carrier.hpp — a shipping carrier: quotes cost and days for a
// weight after a simulated latency (instances Standard, Economy, FastShip).
// Interface: messages/interfaces.hpp (carrier_actor).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/services/service_common.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct carrier_state : service_state<carrier_config, shipping_quote> {
  static constexpr const char* name = "carrier";
};

using carrier_impl = carrier_actor::extend<tick_input>;

carrier_impl::behavior_type
carrier(carrier_impl::stateful_pointer<carrier_state> self, carrier_config cfg,
        uint64_t seed, caf::timespan resolution);

} // namespace order_node
