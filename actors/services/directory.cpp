// actors/services/directory.cpp — see directory.hpp.
#include "actors/services/directory.hpp"

namespace order_node {

directory_actor::behavior_type
directory(directory_actor::stateful_pointer<directory_state> self,
          service_routes routes) {
  self->state.routes
    = std::make_shared<const service_routes>(std::move(routes));
  return {
    [=](watch_atom, routes_watcher& w) {
      self->send(w, routes_atom::value, self->state.routes);
      self->state.watchers.push_back(std::move(w));
    },
    [=](routes_atom, service_routes_ptr& routes) {
      if (!routes)
        return;
      auto& st = self->state;
      st.routes = std::move(routes);
      for (auto& w : st.watchers)
        self->send(w, routes_atom::value, st.routes);
    },
  };
}

} // namespace order_node
