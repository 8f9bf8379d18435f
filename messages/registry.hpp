// messages/registry.hpp — the one place that registers every message type and
// the "order" error category with CAF. The type names are the wire contract
// between nodes: two nodes must agree on them.
#pragma once

#include <string>

#include <caf/fwd.hpp>

namespace order_node {

void register_types(caf::actor_system_config& cfg);

/// Names this build's message set: protocol version and a hash of every
/// registered type name. Nodes with different fingerprints refuse each other.
std::string protocol_fingerprint();

} // namespace order_node
