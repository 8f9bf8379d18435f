// node/app/middleman.hpp — what the cluster roles need from CAF's
// middleman: loading it (plain or TLS), publishing a node and the peer
// manager's settings. docs/cluster.md describes the roles.
#pragma once

#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "actors/cluster/peers.hpp"
#include "messages/wire.hpp"
#include "node/app/config.hpp"

namespace order_node {

/// Loads and checks --tls-cert, --tls-key (matching the certificate) and
/// --tls-ca with OpenSSL, as CAF would only at the first connection. Empty
/// if they are fine, else the problem naming the option and the file.
std::string check_tls_files(const node_config& cfg);

/// Loads the middleman (and, with --tls-*, CAF's OpenSSL manager with the
/// node's certificate, key and CA) before the actor system starts.
void load_cluster_modules(node_config& cfg);

/// Publishes `node` on --listen (TLS when configured); the bound port.
caf::expected<uint16_t> publish_node(caf::actor_system& sys,
                                     const node_config& cfg,
                                     const node_actor& node);

/// The peer manager's settings for --peers (front) or --connect (client).
peers_config make_peers_config(caf::actor_system& sys, const node_config& cfg);

} // namespace order_node
