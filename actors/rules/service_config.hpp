// actors/rules/service_config.hpp — latencies, fault rates and answer rates of
// the simulated services; defaults are the tutorial's. Pure data, no CAF.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace order_node {

using duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

struct warehouse_config {
  std::string instance = "Main";
  duration latency = 80ms;
  double error_rate = 0.05;     // "warehouse X temporarily unavailable"
  double available_rate = 0.80; // of the answers that are not errors
};

struct payment_config {
  std::string instance = "payment";
  duration latency = 120ms;
  double error_rate = 0.02;      // "payment gateway timeout"
  double authorized_rate = 0.95; // of the answers that are not errors
};

struct fraud_config {
  std::string instance = "fraud";
  duration latency = 150ms;
  double error_rate = 0.0;      // none in the tutorial; tests raise it
  double high_risk_rate = 0.10; // risk 50..100 instead of 0..50
};

struct carrier_config {
  std::string instance = "Standard";
  duration latency = 100ms;
  double error_rate = 0.0; // none in the tutorial; tests raise it
  double multiplier = 1.0; // cost = weight * 2.5 * multiplier
  int32_t days = 3;
};

/// Every service instance of one node.
struct services_config {
  uint64_t seed = 0;
  /// Replies due within one tick share one timer (see delay_line.hpp).
  duration timer_resolution = 100us;
  std::vector<warehouse_config> warehouses;
  payment_config payment;
  fraud_config fraud;
  std::vector<carrier_config> carriers;
  /// The instances this node hosts, by instance_names() name; empty: all.
  std::vector<std::string> hosts;
};

/// The name of every instance in `cfg`, as --hosts spells them:
/// warehouse:Main, warehouse:Backup, payment, fraud, carrier:Standard, ...
std::vector<std::string> instance_names(const services_config& cfg);

/// True if `cfg` hosts the instance named `name` (see instance_names()).
bool hosts_instance(const services_config& cfg, const std::string& name);

/// The tutorial's services: warehouses Main and Backup, one payment gateway,
/// one fraud model, carriers Standard, Economy and FastShip.
services_config tutorial_services(uint64_t seed);

/// Multiplies every latency by `scale` (0: every service answers at once).
void scale_latencies(services_config& cfg, double scale);

} // namespace order_node
