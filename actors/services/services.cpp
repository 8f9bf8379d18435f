// actors/services/services.cpp — see services.hpp.
#include "actors/services/services.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "actors/services/carrier.hpp"
#include "actors/services/fraud.hpp"
#include "actors/services/payment.hpp"
#include "actors/services/warehouse.hpp"
#include "messages/service_table.hpp"

namespace order_node {

service_routes spawn_services(caf::actor_system& sys,
                              const services_config& cfg,
                              const ledger_actor& ledger) {
  service_routes out;
  auto res = cfg.timer_resolution;
  for (auto& w : cfg.warehouses)
    if (hosts_instance(cfg, "warehouse:" + w.instance))
      out.warehouses.push_back(
        {w.instance, sys.spawn(warehouse, w, cfg.seed, res)});
  if (hosts_instance(cfg, "payment"))
    out.payments.push_back(
      {cfg.payment.instance,
       sys.spawn(payment, cfg.payment, cfg.seed, res, ledger)});
  if (hosts_instance(cfg, "fraud"))
    out.frauds.push_back(
      {cfg.fraud.instance, sys.spawn(fraud, cfg.fraud, cfg.seed, res)});
  for (auto& c : cfg.carriers)
    if (hosts_instance(cfg, "carrier:" + c.instance))
      out.carriers.push_back(
        {c.instance, sys.spawn(carrier, c, cfg.seed, res)});
  return out;
}

void stop_services(const service_routes& routes) {
  for_each_service([&](auto row) {
    for (auto& x : row.routes(routes))
      caf::anon_send_exit(x.handle, caf::exit_reason::user_shutdown);
  });
}

} // namespace order_node
