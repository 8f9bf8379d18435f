// actors/desk/pipeline.hpp — one node's whole order pipeline in one process:
// the service instances, a directory holding them and an order desk in front.
#pragma once

#include <caf/fwd.hpp>

#include "actors/desk/desk_config.hpp"
#include "actors/rules/service_config.hpp"

namespace order_node {

struct pipeline {
  service_routes services;
  directory_actor directory;
  order_desk_actor desk;
};

/// `ledger`: the payment gateway's (invalid: none).
pipeline spawn_pipeline(caf::actor_system& sys, const services_config& svc,
                        desk_config desk, const ledger_actor& ledger = {});

/// Asks every actor of `p` to quit.
void stop_pipeline(const pipeline& p);

} // namespace order_node
