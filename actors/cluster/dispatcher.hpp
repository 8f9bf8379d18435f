// actors/cluster/dispatcher.hpp — a services node's dispatcher: the one actor
// a front's link sends its calls to (docs/cluster.md, "Calls on the wire").
// It hands the calls of each wire_calls message to the node's instances, one
// call batch per instance (single calls and the batched desk's batches
// alike), and sends the answers back to the link they came from, those that
// arrive in one scheduling round in one wire_answers message. A call for an
// instance index the node does not host is answered node_lost.
#pragma once

#include <caf/fwd.hpp>

#include "messages/wire.hpp"

namespace order_node {

/// `local`: the instances of this node, in the order of its hello's routes.
dispatcher_actor spawn_dispatcher(caf::actor_system& sys, service_routes local);

} // namespace order_node
