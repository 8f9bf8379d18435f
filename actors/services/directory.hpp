// actors/services/directory.hpp — knows where each service instance lives and
// tells its watchers (the order desk) now and whenever that changes. In the
// single role it holds the locally spawned instances; on a front, the peer
// manager replaces its routes whenever a peer comes or goes (relays to the
// instances on the peers: actors/cluster/relay.hpp). Interface:
// messages/interfaces.hpp (directory_actor).
#pragma once

#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

struct directory_state {
  service_routes_ptr routes; // replaced, never modified, on change
  std::vector<routes_watcher> watchers;
  static constexpr const char* name = "directory";
};

directory_actor::behavior_type
directory(directory_actor::stateful_pointer<directory_state> self,
          service_routes routes);

} // namespace order_node
