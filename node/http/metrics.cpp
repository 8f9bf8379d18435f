// node/http/metrics.cpp — see metrics.hpp.
#include "node/http/metrics.hpp"

#include <sstream>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace order_node {

namespace {

// The histogram's bucket bounds in seconds, as Prometheus wants them.
prometheus::Histogram::BucketBoundaries bounds_seconds() {
  prometheus::Histogram::BucketBoundaries out;
  for (auto us : latency_histogram::bounds_us)
    out.push_back(static_cast<double>(us) / 1e6);
  return out;
}

void add(prometheus::Family<prometheus::Histogram>& family,
         const prometheus::Labels& labels, const latency_histogram& h) {
  static const auto bounds = bounds_seconds();
  auto& metric = family.Add(labels, bounds);
  // ObserveMultiple takes per-bucket increments (the last one is +Inf).
  std::vector<double> increments(h.counts.begin(), h.counts.end());
  metric.ObserveMultiple(increments, static_cast<double>(h.sum_us) / 1e6);
}

// A histogram of `counts` per bucket of `bounds` (one more: above them),
// a bound divided by `per_unit` in the metric's unit.
template <size_t N>
void add_buckets(prometheus::Family<prometheus::Histogram>& family,
                 const std::array<int64_t, N>& bounds,
                 const std::vector<uint64_t>& counts, double sum,
                 double per_unit) {
  prometheus::Histogram::BucketBoundaries b;
  for (auto x : bounds)
    b.push_back(static_cast<double>(x) / per_unit);
  std::vector<double> increments(counts.begin(), counts.end());
  family.Add({}, b).ObserveMultiple(increments, sum);
}

// The journal's metrics, and what recovery and the voids left.
void add_journal(prometheus::Registry& reg, const desk_stats& desk) {
  prometheus::BuildCounter()
    .Name("order_node_orders_resumed_total")
    .Help("Orders resumed from the journal at start")
    .Register(reg)
    .Add({})
    .Increment(static_cast<double>(desk.resumed));
  prometheus::BuildGauge()
    .Name("order_node_payment_voids_pending")
    .Help("Voids of failed orders' payments not acknowledged by the gateway "
          "yet")
    .Register(reg)
    .Add({})
    .Set(static_cast<double>(desk.voids_pending));
  if (!desk.journaled)
    return;
  auto& j = desk.journal;
  add_buckets(prometheus::BuildHistogram()
                .Name("order_node_journal_commit_seconds")
                .Help("Time of one journal commit (a group of records, "
                      "fsync included with --journal.sync=full)")
                .Register(reg),
              journal_stats::commit_bounds_us, j.commit_counts,
              static_cast<double>(j.commit_us_sum) / 1e6, 1e6);
  add_buckets(prometheus::BuildHistogram()
                .Name("order_node_journal_group_records")
                .Help("Records committed together (the group commit's size)")
                .Register(reg),
              journal_stats::group_bounds, j.group_counts,
              static_cast<double>(j.records), 1.0);
  prometheus::BuildCounter()
    .Name("order_node_journal_failed_commits_total")
    .Help("Journal commits SQLite refused (their clients got errors)")
    .Register(reg)
    .Add({})
    .Increment(static_cast<double>(j.failed_commits));
  prometheus::BuildGauge()
    .Name("order_node_journal_wal_bytes")
    .Help("Size of the journal's write-ahead log (checkpointed every "
          "minute)")
    .Register(reg)
    .Add({})
    .Set(static_cast<double>(j.wal_bytes));
  prometheus::BuildCounter()
    .Name("order_node_journal_purged_orders_total")
    .Help("Decided orders deleted past --idempotency-retention")
    .Register(reg)
    .Add({})
    .Increment(static_cast<double>(j.purged));
}

} // namespace

http_metrics::http_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(&prometheus::BuildCounter()
                   .Name("order_node_http_requests_total")
                   .Help("HTTP requests answered, by route and status code")
                   .Register(*registry_)) {}

http_metrics::~http_metrics() = default;

void http_metrics::count_request(const std::string& route, unsigned code) {
  requests_->Add({{"route", route}, {"code", std::to_string(code)}})
    .Increment();
}

std::string render_metrics(const desk_stats& desk, const http_metrics* http,
                           double uptime_seconds) {
  prometheus::Registry reg;
  auto& orders = prometheus::BuildCounter()
                   .Name("order_node_orders_total")
                   .Help("Orders answered, by kind and status")
                   .Register(reg);
  auto& duration = prometheus::BuildHistogram()
                     .Name("order_node_order_duration_seconds")
                     .Help("Time from accepting an order to its decision")
                     .Register(reg);
  for (auto& s : desk.orders) {
    prometheus::Labels labels{{"kind", to_string(s.kind)},
                              {"status", to_string(s.status)}};
    orders.Add(labels).Increment(static_cast<double>(s.latency.count));
    add(duration, labels, s.latency);
  }
  auto& calls = prometheus::BuildHistogram()
                  .Name("order_node_service_call_duration_seconds")
                  .Help("Service calls of orders, from request to answer")
                  .Register(reg);
  auto& errors = prometheus::BuildCounter()
                   .Name("order_node_service_call_errors_total")
                   .Help("Service calls that failed (transient error or no "
                         "instance)")
                   .Register(reg);
  auto& timeouts = prometheus::BuildCounter()
                     .Name("order_node_service_call_timeouts_total")
                     .Help("Service calls without an answer by the deadline")
                     .Register(reg);
  for (auto& c : desk.calls) {
    prometheus::Labels labels{{"service", c.service}, {"instance", c.instance}};
    add(calls, labels, c.latency);
    errors.Add(labels).Increment(static_cast<double>(c.errors));
    timeouts.Add(labels).Increment(static_cast<double>(c.timeouts));
  }
  prometheus::BuildGauge()
    .Name("order_node_orders_in_flight")
    .Help("Orders accepted and not yet answered")
    .Register(reg)
    .Add({})
    .Set(static_cast<double>(desk.in_flight));
  prometheus::BuildCounter()
    .Name("order_node_deduplicated_total")
    .Help("Answers served from an earlier order with the same idempotency "
          "key")
    .Register(reg)
    .Add({})
    .Increment(static_cast<double>(desk.deduplicated));
  add_journal(reg, desk);
  prometheus::BuildGauge()
    .Name("order_node_uptime_seconds")
    .Help("Seconds since order-node started")
    .Register(reg)
    .Add({})
    .Set(uptime_seconds);
  auto families = reg.Collect();
  if (http != nullptr) {
    auto more = http->registry().Collect();
    families.insert(families.end(), more.begin(), more.end());
  }
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, families);
  return out.str();
}

} // namespace order_node
