// actors/cluster/peers.hpp — the peer manager of a front (or a client):
// connects to every configured peer over CAF's middleman without ever blocking,
// learns what each one hosts, hands orders local stand-ins of those instances
// (through the directory; one link per services node carries their calls,
// actors/cluster/link.hpp) and watches the peers:
//   - a peer whose connection closes (killed) is down at once;
//   - a peer that stops answering heartbeats is suspect after two missed
//     intervals and down after the heartbeat timeout (frozen);
//   - a down peer is retried with exponential backoff (connection lost) or
//     taken back as soon as it answers heartbeats again (frozen, then
//     resumed).
// Down peers are out of the routes at once and their links fail every call
// pending on them, so orders fail over to other instances.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "actors/cluster/link.hpp"
#include "actors/cluster/relay.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct peers_config {
  std::vector<std::string> addresses; // HOST:PORT, checked by the caller
  caf::timespan heartbeat_interval = std::chrono::milliseconds(500);
  caf::timespan heartbeat_timeout = std::chrono::seconds(3);
  caf::timespan connect_timeout = std::chrono::seconds(2);
  caf::timespan reconnect_min = std::chrono::milliseconds(100);
  caf::timespan reconnect_max = std::chrono::seconds(2);
  std::string fingerprint; // protocol_fingerprint() of this build
  /// Connects to a HOST:PORT: the middleman's actor, or the TLS manager's.
  caf::io::middleman_actor connector;
  bool tls = false; // the connector is the TLS manager's
  /// Front: receives the merged routes. Invalid on a client.
  directory_actor directory;
  /// Client: follows the front's desk. Invalid on a front.
  desk_relay_actor desk;
};

peers_actor spawn_peers(caf::actor_system& sys, peers_config cfg);

} // namespace order_node
