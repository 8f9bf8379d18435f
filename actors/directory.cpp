// actors/directory.cpp — see directory.hpp.
#include "actors/directory.hpp"

namespace order_node {

directory_actor::behavior_type
directory(directory_actor::stateful_pointer<directory_state> self,
          service_routes routes) {
  self->state.routes
    = std::make_shared<const service_routes>(std::move(routes));
  return {
    [=](lookup_atom) { return self->state.routes; },
    [=](routes_atom, service_routes_ptr& routes) {
      if (routes)
        self->state.routes = std::move(routes);
    },
  };
}

} // namespace order_node
