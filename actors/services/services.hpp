// actors/services/services.hpp — spawns the service instances of one node and
// returns their routes (what a directory hands to orders).
#pragma once

#include <caf/fwd.hpp>

#include "actors/rules/service_config.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// `ledger`: the payment gateway's ledger (invalid: none).
service_routes spawn_services(caf::actor_system& sys,
                              const services_config& cfg,
                              const ledger_actor& ledger = {});

/// Asks every instance in `routes` to quit.
void stop_services(const service_routes& routes);

} // namespace order_node
