// actors/order/calls.hpp — an order's call: what it says (build_call(), one
// overload per row of messages/service_table.hpp) and which instance it goes
// to: among the directory's routes of the service, those with the slot's
// instance name (any name for payment and fraud), one per node hosting it.
// Orders spread over them by their key; a failover takes the next one. Both
// order engines use this, through pick_call().
#pragma once

#include <string>
#include <vector>

#include "actors/order/order_machine.hpp"
#include "actors/rules/decide.hpp"
#include "messages/service_table.hpp"

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
  return visit_service(service, [&](auto row) {
    return count_routes(row.routes(routes), instance);
  });
}

/// The request of an order's call, attempt `attempt`, to a service of `row`.
inventory_request build_call(service<check::inventory> row,
                             const order_job& job, int32_t attempt,
                             const order_params& params);
payment_request build_call(service<check::payment> row, const order_job& job,
                           int32_t attempt, const order_params& params);
fraud_request build_call(service<check::fraud> row, const order_job& job,
                         int32_t attempt, const order_params& params);
shipping_request build_call(service<check::shipping> row, const order_job& job,
                            int32_t attempt, const order_params& params);

/// Calls `f(row, handle, request)` for call `t` of the order with `job`: the
/// row of its service, the handle of the instance it goes to, and what it
/// says. False, without calling `f`, when no instance can take it.
template <class F>
bool pick_call(const service_routes& routes, const order_job& job,
               const order_params& params, const call_ticket& t, F&& f) {
  return visit_service(t.service, [&](auto row) {
    auto to = pick_route(row.routes(routes), *t.instance, t.pick);
    if (!to)
      return false;
    f(row, std::move(to), build_call(row, job, t.attempt, params));
    return true;
  });
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
