// node/output.cpp — see output.hpp.
#include "node/output.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace order_node {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* help_lines[] = {
  "order key=value ...    run a parallel order; keys: userId productId "
  "quantity amount weight destination [key=IDEMPOTENCY-KEY]",
  "order {json}           the same with the tutorial's JSON body "
  "(optional \"idempotencyKey\")",
  "slow ...               the same as a sequential order (OrderServiceSlow)",
  "send order|slow ...    accept an order and print its id at once, not its "
  "result (durable with the journal)",
  "get ORDER_ID           where an order stands: its result, or running",
  "bench orders=N concurrency=C [mode=parallel|sequential] "
  "[latency-scale=X]",
  "stats                  counters and latency quantiles per kind and status",
  "nodes                  the peers of this node: state, instances, calls",
  "json on|off            results as JSON lines, or one short line each "
  "(a terminal's default)",
  "help                   this text",
  "quit                   stop reading; wait for orders in flight, then exit",
};

double ms2(double x) {
  return std::round(x * 100.0) / 100.0;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::string error_line(const std::string& text, int64_t line) {
  json j;
  j["error"] = text;
  j["line"] = line;
  return dump(j);
}

std::string result_text(const order_result& x) {
  std::string out = x.order_id;
  out += ' ';
  out += to_string(x.status);
  out += ' ';
  out += std::to_string(x.processing_time_ms);
  out += " ms \u2014 ";
  out += x.details;
  return out;
}

std::string accepted_json(const order_accepted& x, int64_t line) {
  json j;
  j["input"] = line;
  j["orderId"] = x.order_id;
  j["status"] = x.previously ? "PreviouslyAccepted" : "Accepted";
  return dump(j);
}

std::string accepted_text(const order_accepted& x) {
  return x.order_id + (x.previously ? " previously accepted" : " accepted");
}

std::string running_json(const std::string& order_id, int64_t line) {
  json j;
  j["input"] = line;
  j["orderId"] = order_id;
  j["status"] = "running";
  return dump(j);
}

std::string error_text_line(const std::string& text, int64_t line) {
  return "error: " + text + " (line " + std::to_string(line) + ")";
}

std::string stats_json(const desk_stats& x) {
  json orders = json::array();
  for (auto& s : x.orders)
    orders.push_back({{"kind", to_string(s.kind)},
                      {"status", to_string(s.status)},
                      {"count", s.latency.count},
                      {"p50_ms", ms2(s.latency.quantile_ms(0.5))},
                      {"p99_ms", ms2(s.latency.quantile_ms(0.99))},
                      {"max_ms", ms2(s.latency.max_us / 1000.0)}});
  json j;
  j["stats"] = {{"in_flight", x.in_flight},
                {"deduplicated", x.deduplicated},
                {"orders", std::move(orders)}};
  return dump(j);
}

std::string nodes_json(const std::vector<peer_info>& peers) {
  json list = json::array();
  for (auto& p : peers) {
    json x;
    x["address"] = p.address;
    x["name"] = p.name;
    x["state"] = p.state;
    if (!p.reason.empty())
      x["reason"] = p.reason;
    x["instances"] = p.instances;
    x["in_flight"] = p.in_flight;
    x["calls"] = p.calls;
    if (p.last_rtt_ms >= 0)
      x["last_rtt_ms"] = ms2(p.last_rtt_ms);
    else
      x["last_rtt_ms"] = nullptr;
    list.push_back(std::move(x));
  }
  json j;
  j["nodes"] = std::move(list);
  return dump(j);
}

std::string bench_json(const bench_report& x) {
  json counts = json::object();
  for (auto& [status, n] : x.counts)
    counts[status] = n;
  json b;
  b["orders"] = x.orders;
  b["concurrency"] = x.concurrency;
  b["mode"] = to_string(x.mode);
  b["latency_scale"] = x.latency_scale;
  b["seconds"] = std::round(x.seconds * 1000.0) / 1000.0;
  b["orders_per_s"] = x.seconds > 0 ? std::round(x.orders / x.seconds) : 0.0;
  b["p50_ms"] = ms2(x.percentile_ms(0.50));
  b["p90_ms"] = ms2(x.percentile_ms(0.90));
  b["p99_ms"] = ms2(x.percentile_ms(0.99));
  b["max_ms"] = ms2(x.percentile_ms(1.0));
  b["counts"] = std::move(counts);
  if (!x.steady_us.empty()) {
    auto& s = x.steady_us;
    b["steady"] = {{"after_s", bench_report::steady_after.count()},
                   {"orders", s.size()},
                   {"p50_ms", ms2(bench_report::percentile_ms(s, 0.50))},
                   {"p90_ms", ms2(bench_report::percentile_ms(s, 0.90))},
                   {"p99_ms", ms2(bench_report::percentile_ms(s, 0.99))},
                   {"max_ms", ms2(bench_report::percentile_ms(s, 1.0))}};
  }
  json j;
  j["bench"] = std::move(b);
  return dump(j);
}

std::string help_json() {
  json j;
  j["help"] = json::array();
  for (auto line : help_lines)
    j["help"].push_back(line);
  return dump(j);
}

std::string help_text() {
  std::string out;
  for (auto line : help_lines) {
    if (!out.empty())
      out += '\n';
    out += line;
  }
  return out;
}

} // namespace order_node
