// node/app/derived.cpp — what the program and the actors get from the
// options: the desk's, the services' and the logs' configurations, the
// cluster's addresses, values in their units.
#include "node/app/config.hpp"

#include <algorithm>

#include <caf/defaults.hpp>
#include <caf/settings.hpp>

namespace order_node {

namespace {

// "100MiB", "512KiB", "1GiB" or a number of bytes; false if not one.
bool parse_bytes(const std::string& text, uint64_t& out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 12)
    return false;
  auto unit = text.substr(digits);
  uint64_t scale = 1;
  if (unit == "KiB")
    scale = uint64_t{1} << 10;
  else if (unit == "MiB")
    scale = uint64_t{1} << 20;
  else if (unit == "GiB")
    scale = uint64_t{1} << 30;
  else if (!unit.empty() && unit != "B")
    return false;
  out = std::stoull(text.substr(0, digits)) * scale;
  return true;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

} // namespace

bool node_config::seed_given() const {
  return caf::get_if(&content, "seed") != nullptr
         || caf::get_if(&content, "global.seed") != nullptr;
}

size_t node_config::scheduler_threads() const {
  return caf::get_or(content, "scheduler.max-threads",
                     caf::defaults::scheduler::max_threads);
}

std::optional<uint64_t> node_config::log_file_bytes() const {
  uint64_t bytes = 0;
  if (!parse_bytes(log_file_size, bytes))
    return std::nullopt;
  return bytes;
}

std::string node_config::listen_address() const {
  if (!listen.empty() && listen.find(':') == std::string::npos)
    return "127.0.0.1:" + listen;
  return listen;
}

std::vector<std::string> node_config::peer_list() const {
  if (role == "client")
    return {connect};
  if (role == "front" && !peers.empty())
    return split_list(peers);
  return {};
}

std::vector<std::string> node_config::host_list() const {
  return hosts.empty() ? std::vector<std::string>{} : split_list(hosts);
}

bool node_config::tls() const {
  return !tls_cert.empty() || !tls_key.empty() || !tls_ca.empty();
}

services_config node_config::make_services(uint64_t effective_seed,
                                           double scale) const {
  auto out = tutorial_services(effective_seed);
  out.timer_resolution = timer_resolution;
  for (auto& w : out.warehouses) {
    w.latency = warehouse.latency;
    w.error_rate = warehouse.error_rate;
    w.available_rate = warehouse.available_rate;
  }
  out.payment = payment;
  out.fraud = fraud;
  for (auto& c : out.carriers) {
    c.latency = carrier.latency;
    c.error_rate = carrier.error_rate;
  }
  scale_latencies(out, scale);
  out.hosts = host_list();
  return out;
}

log_options node_config::make_log() const {
  log_options out;
  out.level = log_level;
  parse_log_format(log_output_format, out.format); // checked by check()
  out.file = log_file;
  if (auto bytes = log_file_bytes())
    out.file_size = static_cast<size_t>(*bytes);
  out.file_count = static_cast<size_t>(log_file_count);
  return out;
}

desk_config node_config::make_desk(uint64_t effective_seed) const {
  desk_config out;
  from_string(engine, out.engine); // checked by check()
  out.seed = effective_seed;
  out.max_in_flight = max_in_flight;
  out.metrics = metrics == "on";
  out.shards = static_cast<int32_t>(
    desk_shards > 0
      ? desk_shards
      : std::max<int64_t>(1, static_cast<int64_t>(scheduler_threads())));
  out.dedup_window = idempotency_retention;
  out.dedup_capacity = static_cast<size_t>(dedup_capacity);
  out.order.deadline = deadline;
  out.order.max_attempts = max_attempts;
  out.order.backoff = backoff;
  if (fastship)
    out.order.carriers.push_back("FastShip");
  return out;
}

} // namespace order_node
