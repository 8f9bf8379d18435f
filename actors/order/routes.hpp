// actors/order/routes.hpp — which instance an order's call goes to: among
// the directory's routes of the service, those with the slot's instance
// name (any name for payment and fraud), one per node hosting it. Orders
// spread over them by their key; a failover takes the next one. Both order
// engines use this.
#pragma once

#include <string>
#include <vector>

#include "actors/order/order_machine.hpp"
#include "actors/rules/decide.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// The routes named `instance` (any if empty).
template <class Handle>
size_t count_routes(const std::vector<instance_route<Handle>>& routes,
                    const std::string& instance) {
  size_t n = 0;
  for (auto& r : routes)
    if (instance.empty() || r.instance == instance)
      ++n;
  return n;
}

/// The handle of route number `pick` (modulo their number) among those
/// named `instance`, or an invalid handle if there is none.
template <class Handle>
Handle pick_route(const std::vector<instance_route<Handle>>& routes,
                  const std::string& instance, size_t pick) {
  auto n = count_routes(routes, instance);
  if (n == 0)
    return Handle{};
  pick %= n;
  for (auto& r : routes)
    if (instance.empty() || r.instance == instance) {
      if (pick == 0)
        return r.handle;
      --pick;
    }
  return Handle{};
}

/// How many instances of `service` named `instance` the routes know.
inline size_t count_instances(const service_routes& routes, check service,
                              const std::string& instance) {
  switch (service) {
    case check::inventory:
      return count_routes(routes.warehouses, instance);
    case check::payment:
      return count_routes(routes.payments, instance);
    case check::fraud:
      return count_routes(routes.frauds, instance);
    case check::shipping:
      return count_routes(routes.carriers, instance);
  }
  return 0;
}

/// Whether `routes` reach every instance an order of `params` may call: a
/// resumed order waits for that (a restarted front before its services
/// nodes are connected), new ones do not.
inline bool routes_complete(const service_routes& routes,
                            const order_params& params) {
  auto all = [](auto& of, auto& names) {
    for (auto& name : names)
      if (count_routes(of, name) == 0)
        return false;
    return true;
  };
  return all(routes.warehouses, params.warehouses)
         && all(routes.carriers, params.carriers) && !routes.payments.empty()
         && !routes.frauds.empty();
}

} // namespace order_node
