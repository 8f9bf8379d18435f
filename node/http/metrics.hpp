// node/http/metrics.hpp — Prometheus metrics of order-node, in the text
// exposition format (prometheus-cpp's core registry and text serializer). The
// desk keeps order and call statistics in its own state (no locks on the hot
// path); a scrape asks it for a snapshot and renders it here. HTTP request
// counters live in a registry of their own, updated by the ingress.
#pragma once

#include <memory>
#include <string>

#include "messages/stats_types.hpp"

namespace prometheus {
class Registry;
template <class T>
class Family;
class Counter;
} // namespace prometheus

namespace order_node {

class http_metrics {
 public:
  http_metrics();
  ~http_metrics();

  /// Counts one answered request. `route` is one of the ingress's routes or
  /// "other", `code` the status code.
  void count_request(const std::string& route, unsigned code);

  const prometheus::Registry& registry() const { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
};

/// The whole exposition: orders by kind and status, order latency histogram,
/// service call latency, errors and timeouts by service and instance, orders
/// in flight, deduplicated answers, orders resumed, voids pending, the
/// journal's (with one), uptime, and `http` when given.
std::string render_metrics(const desk_stats& desk, const http_metrics* http,
                           double uptime_seconds);

} // namespace order_node
