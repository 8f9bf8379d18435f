// actors/services/fraud.hpp — the fraud model: a risk score from 0 to 100 after
// a simulated latency. Interface: messages/interfaces.hpp (fraud_actor).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/services/service_common.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct fraud_state : service_state<fraud_config, fraud_reply> {
  static constexpr const char* name = "fraud";
};

using fraud_impl = fraud_actor::extend<tick_input>;

fraud_impl::behavior_type fraud(fraud_impl::stateful_pointer<fraud_state> self,
                                fraud_config cfg, uint64_t seed,
                                caf::timespan resolution);

} // namespace order_node
