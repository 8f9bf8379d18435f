// node/repl/output.cpp — see output.hpp.
#include "node/repl/output.hpp"
#include "messages/units.hpp"
#include "node/base/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

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
  "trace ORDER_ID         an order's calls as a timeline, one bar per call",
  "bench orders=N concurrency=C [mode=parallel|sequential] "
  "[latency-scale=X]",
  "stats                  counters and latency quantiles per kind and status",
  "nodes                  the peers of this node: state, instances, calls",
  "json on|off            results as JSON lines, or one short line each "
  "(a terminal's default)",
  "help                   this text",
  "quit                   stop reading; wait for orders in flight, then exit",
};

} // namespace

std::string error_line(const std::string& text, int64_t line) {
  json j;
  j["error"] = text;
  j["line"] = line;
  return compact_json(j);
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
  return compact_json(j);
}

std::string accepted_text(const order_accepted& x) {
  return x.order_id + (x.previously ? " previously accepted" : " accepted");
}

std::string running_json(const std::string& order_id, int64_t line) {
  json j;
  j["input"] = line;
  j["orderId"] = order_id;
  j["status"] = "running";
  return compact_json(j);
}

std::string error_text_line(const std::string& text, int64_t line) {
  return "error: " + text + " (line " + std::to_string(line) + ")";
}

namespace {

constexpr int trace_columns = 48;
constexpr size_t trace_label = 20;

// The bar's glyph for a call: answered, refused (retried or failed over),
// timed out.
const char* glyph(const call_record& c) {
  switch (c.outcome) {
    case call_end::answered:
      return "█";
    case call_end::error:
      return "▒";
    case call_end::timeout:
      break;
  }
  return "░";
}

std::string fixed1(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", x);
  return buf;
}

// True if two calls were in flight at once: the parallel pipeline.
bool overlapping(const std::vector<call_record>& calls) {
  for (size_t i = 0; i < calls.size(); ++i)
    for (size_t j = i + 1; j < calls.size(); ++j) {
      auto& a = calls[i];
      auto& b = calls[j];
      if (a.start_ms < b.start_ms + b.ms && b.start_ms < a.start_ms + a.ms)
        return true;
    }
  return false;
}

std::vector<std::string> trace_lines(const order_result& x) {
  std::vector<std::string> out;
  auto total = static_cast<double>(x.processing_time_us) / 1000.0;
  out.push_back(x.order_id + " " + to_string(x.status) + " in " + fixed1(total)
                + " ms" + (x.resumed ? " (resumed)" : ""));
  double span = total;
  for (auto& c : x.calls)
    span = std::max(span, c.start_ms + c.ms);
  auto col = [&](double ms) {
    if (span <= 0)
      return 0;
    return std::clamp(static_cast<int>(std::lround(ms / span * trace_columns)),
                      0, trace_columns);
  };
  // In the order they were sent, services as the tutorial lists them (the
  // result has them in the order they ended).
  auto rank = [](const std::string& service) {
    static constexpr const char* order[]
      = {"inventory", "payment", "fraud", "shipping"};
    for (size_t i = 0; i < std::size(order); ++i)
      if (service == order[i])
        return i;
    return std::size(order);
  };
  std::vector<const call_record*> calls;
  for (auto& c : x.calls)
    calls.push_back(&c);
  std::stable_sort(calls.begin(), calls.end(), [&](auto* a, auto* b) {
    auto sa = std::lround(a->start_ms);
    auto sb = std::lround(b->start_ms);
    return sa != sb ? sa < sb : rank(a->service) < rank(b->service);
  });
  auto n = calls.size();
  for (size_t i = 0; i < n; ++i) {
    auto& c = *calls[i];
    std::string line = n == 1       ? "── "
                       : i == 0     ? "┌─ "
                       : i + 1 == n ? "└─ "
                                    : "├─ ";
    auto label = c.service;
    if (!c.instance.empty() && c.instance != c.service)
      label += " " + c.instance;
    if (c.attempt > 1)
      label += " #" + std::to_string(c.attempt);
    label.resize(std::max(label.size(), trace_label), ' ');
    line += label + " ";
    auto from = col(c.start_ms);
    auto to = std::max(col(c.start_ms + c.ms), from + 1);
    to = std::min(to, trace_columns + 1);
    line.append(static_cast<size_t>(from), ' ');
    for (int k = from; k < to; ++k)
      line += glyph(c);
    line.append(static_cast<size_t>(trace_columns + 1 - to), ' ');
    line += " " + fixed1(c.ms) + " ms " + outcome_text(c);
    out.push_back(std::move(line));
  }
  // The scale under the bars, the decision at its end.
  std::string scale = "   ";
  scale.append(trace_label + 1, ' ');
  auto right = fixed1(span) + " ms";
  scale += "0 ms";
  if (static_cast<size_t>(trace_columns) + 1 > 4 + right.size())
    scale.append(trace_columns + 1 - 4 - right.size(), ' ');
  scale += right;
  out.push_back(std::move(scale));
  out.push_back("Total: " + fixed1(total) + " ms ("
                + (x.calls.empty()        ? std::string{"no calls"}
                   : overlapping(x.calls) ? std::string{"max of all"}
                                          : std::string{"sum of the calls"})
                + ")");
  return out;
}

} // namespace

std::string trace_text(const order_result& x) {
  std::string out;
  for (auto& line : trace_lines(x)) {
    if (!out.empty())
      out += '\n';
    out += line;
  }
  return out;
}

std::string trace_json(const order_result& x, int64_t line) {
  json j;
  j["input"] = line;
  j["orderId"] = x.order_id;
  j["trace"] = trace_lines(x);
  return compact_json(j);
}

std::string stats_json(const desk_stats& x) {
  json orders = json::array();
  for (auto& s : x.orders)
    orders.push_back({{"kind", to_string(s.kind)},
                      {"status", to_string(s.status)},
                      {"count", s.latency.count},
                      {"p50_ms", hundredths(s.latency.quantile_ms(0.5))},
                      {"p99_ms", hundredths(s.latency.quantile_ms(0.99))},
                      {"max_ms", hundredths(s.latency.max_us / 1000.0)}});
  json j;
  j["stats"] = {{"in_flight", x.in_flight},
                {"deduplicated", x.deduplicated},
                {"orders", std::move(orders)}};
  return compact_json(j);
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
      x["last_rtt_ms"] = hundredths(p.last_rtt_ms);
    else
      x["last_rtt_ms"] = nullptr;
    list.push_back(std::move(x));
  }
  json j;
  j["nodes"] = std::move(list);
  return compact_json(j);
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
  b["seconds"] = thousandths(x.seconds);
  b["orders_per_s"] = x.seconds > 0 ? std::round(x.orders / x.seconds) : 0.0;
  b["p50_ms"] = hundredths(x.percentile_ms(0.50));
  b["p90_ms"] = hundredths(x.percentile_ms(0.90));
  b["p99_ms"] = hundredths(x.percentile_ms(0.99));
  b["max_ms"] = hundredths(x.percentile_ms(1.0));
  b["counts"] = std::move(counts);
  if (!x.steady_us.empty()) {
    auto& s = x.steady_us;
    b["steady"] = {{"after_s", bench_report::steady_after.count()},
                   {"orders", s.size()},
                   {"p50_ms", hundredths(bench_report::percentile_ms(s, 0.50))},
                   {"p90_ms", hundredths(bench_report::percentile_ms(s, 0.90))},
                   {"p99_ms", hundredths(bench_report::percentile_ms(s, 0.99))},
                   {"max_ms", hundredths(bench_report::percentile_ms(s, 1.0))}};
  }
  json j;
  j["bench"] = std::move(b);
  return compact_json(j);
}

std::string help_json() {
  json j;
  j["help"] = json::array();
  for (auto line : help_lines)
    j["help"].push_back(line);
  return compact_json(j);
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
