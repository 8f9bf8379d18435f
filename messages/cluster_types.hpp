// messages/cluster_types.hpp — what a node tells about its peers (the REPL's
// `nodes` command) and the fronts of a shared journal. Pure data with
// inspect(), no actors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace order_node {

/// One peer as this node sees it.
struct peer_info {
  std::string address; // HOST:PORT as configured
  std::string name;    // the peer's own name, e.g. services@127.0.0.1:7001
  std::string state;   // "up", "suspect" or "down"
  std::string reason;  // why suspect or down; empty when up
  std::vector<std::string> instances; // "warehouse:Main", "payment", ...
  int64_t in_flight = 0;              // calls sent, not yet answered
  int64_t calls = 0;                  // calls sent since this node started
  double last_rtt_ms = -1;            // last heartbeat round trip; -1: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_info& x) {
  return f(caf::meta::type_name("peer_info"), x.address, x.name, x.state,
           x.reason, x.instances, x.in_flight, x.calls, x.last_rtt_ms);
}

/// A live front of a shared journal (issue #28), as the `fronts` table and
/// the fronts' name locks show it.
struct front_entry {
  std::string name;   // its --listen address as given
  std::string listen; // where it is published
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, front_entry& x) {
  return f(caf::meta::type_name("front_entry"), x.name, x.listen);
}

} // namespace order_node
