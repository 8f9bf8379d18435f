// messages/registry.hpp — the one place that registers every message type and
// the "order" error category with CAF. The type names are the wire contract
// between nodes: two nodes must agree on them.
#pragma once

#include <caf/fwd.hpp>

namespace order_node {

void register_types(caf::actor_system_config& cfg);

} // namespace order_node
