// actors/rules/simulate.cpp — see simulate.hpp. Draw 0 decides a transient
// error, the following draws the answer, so raising an error rate leaves the
// answers of the calls that still succeed unchanged.
#include "actors/rules/simulate.hpp"

#include <algorithm>
#include <cmath>

#include "actors/rules/checks.hpp"
#include "actors/rules/outcome.hpp"
#include "messages/units.hpp"

namespace order_node {

namespace {} // namespace

services_config tutorial_services(uint64_t seed) {
  services_config cfg;
  cfg.seed = seed;
  warehouse_config main;
  warehouse_config backup;
  backup.instance = "Backup";
  cfg.warehouses = {main, backup};
  carrier_config standard;
  carrier_config economy;
  economy.instance = "Economy";
  economy.multiplier = 0.7;
  economy.days = 7;
  carrier_config fastship;
  fastship.instance = "FastShip";
  fastship.multiplier = 1.5;
  fastship.days = 1;
  cfg.carriers = {standard, economy, fastship};
  return cfg;
}

std::vector<std::string> instance_names(const services_config& cfg) {
  std::vector<std::string> out;
  for (auto& w : cfg.warehouses)
    out.push_back("warehouse:" + w.instance);
  out.emplace_back("payment");
  out.emplace_back("fraud");
  for (auto& c : cfg.carriers)
    out.push_back("carrier:" + c.instance);
  return out;
}

bool hosts_instance(const services_config& cfg, const std::string& name) {
  return cfg.hosts.empty()
         || std::find(cfg.hosts.begin(), cfg.hosts.end(), name)
              != cfg.hosts.end();
}

void scale_latencies(services_config& cfg, double scale) {
  auto scaled = [scale](duration d) {
    return duration{static_cast<duration::rep>(
      std::llround(static_cast<double>(d.count()) * scale))};
  };
  for (auto& w : cfg.warehouses)
    w.latency = scaled(w.latency);
  cfg.payment.latency = scaled(cfg.payment.latency);
  cfg.fraud.latency = scaled(cfg.fraud.latency);
  for (auto& c : cfg.carriers)
    c.latency = scaled(c.latency);
}

sim_outcome<inventory_reply> simulate(const warehouse_config& cfg,
                                      uint64_t seed,
                                      const inventory_request& req) {
  auto h = call_hash(seed, req.call.order_key, "inventory", cfg.instance,
                     req.call.attempt);
  sim_outcome<inventory_reply> out;
  if (uniform(h, 0) < cfg.error_rate) {
    out.ok = false;
    out.error = "warehouse " + cfg.instance + " temporarily unavailable";
    return out;
  }
  out.reply.available = uniform(h, 1) < cfg.available_rate;
  out.reply.warehouse = cfg.instance;
  out.reply.quantity = req.quantity;
  return out;
}

sim_outcome<payment_reply> simulate(const payment_config& cfg, uint64_t seed,
                                    const payment_request& req) {
  auto h = call_hash(seed, req.call.order_key, "payment", cfg.instance,
                     req.call.attempt);
  sim_outcome<payment_reply> out;
  if (uniform(h, 0) < cfg.error_rate) {
    out.ok = false;
    out.error = "payment gateway timeout";
    return out;
  }
  out.reply.authorized = uniform(h, 1) < cfg.authorized_rate;
  if (out.reply.authorized)
    out.reply.transaction_id = "tx_" + hex8(mix64(h ^ 0x7478)); // "tx"
  return out;
}

sim_outcome<fraud_reply> simulate(const fraud_config& cfg, uint64_t seed,
                                  const fraud_request& req) {
  auto h = call_hash(seed, req.call.order_key, "fraud", cfg.instance,
                     req.call.attempt);
  sim_outcome<fraud_reply> out;
  if (uniform(h, 0) < cfg.error_rate) {
    out.ok = false;
    out.error = "fraud model unavailable";
    return out;
  }
  auto risk = uniform(h, 1) * 50.0;
  if (uniform(h, 2) < cfg.high_risk_rate)
    risk = 50.0 + uniform(h, 3) * 50.0;
  out.reply.risk_score = hundredths(risk);
  out.reply.flagged = out.reply.risk_score > max_risk;
  return out;
}

sim_outcome<shipping_quote> simulate(const carrier_config& cfg, uint64_t seed,
                                     const shipping_request& req) {
  auto h = call_hash(seed, req.call.order_key, "shipping", cfg.instance,
                     req.call.attempt);
  sim_outcome<shipping_quote> out;
  if (uniform(h, 0) < cfg.error_rate) {
    out.ok = false;
    out.error = "carrier " + cfg.instance + " unavailable";
    return out;
  }
  out.reply.carrier = cfg.instance;
  out.reply.cost = hundredths(req.weight * 2.5 * cfg.multiplier);
  out.reply.estimated_days = cfg.days;
  return out;
}

} // namespace order_node
