// actors/cluster/node_actor.hpp — what a services or front node publishes on
// --listen: its name, the instances it hosts (or its desk), and heartbeats.
#pragma once

#include <string>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "messages/wire.hpp"

namespace order_node {

/// The node actor with its private message: `name` sets the name it gives
/// in hello (known once its port is bound). Publish it as a node_actor.
using node_impl = node_actor::extend<caf::reacts_to<name_atom, std::string>>;

/// `fingerprint`: this build's protocol_fingerprint(); callers with another
/// one are refused with order_errc::incompatible.
node_impl spawn_node_actor(caf::actor_system& sys, node_info info,
                           std::string fingerprint);

} // namespace order_node
