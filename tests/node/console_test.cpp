// tests/node/console_test.cpp — the console's pure parts: the order list's
// query, the JSON of a page and of one order's journal record, the page's
// built-in files, the live view's points and JSON, and the REPL's `trace`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "node/console/console.hpp"
#include "node/console/live_stats.hpp"
#include "node/repl/output.hpp"

using namespace order_node;
using json = nlohmann::json;

namespace {

std::string query_error(std::string_view q) {
  std::string error;
  auto r = parse_order_query(q, error);
  CHECK_MESSAGE(!r, "expected an error for: " << q);
  return error;
}

order_query query_ok(std::string_view q) {
  std::string error;
  auto r = parse_order_query(q, error);
  REQUIRE_MESSAGE(r, error);
  return *r;
}

call_record call(std::string service, std::string instance, double start,
                 double ms, call_end end = call_end::answered,
                 std::string detail = "ok", int32_t attempt = 1) {
  return {std::move(service),
          std::move(instance),
          attempt,
          ms,
          end,
          std::move(detail),
          start};
}

// The tutorial's parallel order as the engines record it.
order_result parallel_result() {
  order_result r;
  r.order_id = "ORD_62da0276";
  r.status = order_status::confirmed;
  r.processing_time_ms = 150;
  r.processing_time_us = 150'600;
  r.calls
    = {call("inventory", "Main", 0.1, 80.5, call_end::answered, "unavailable"),
       call("inventory", "Backup", 0.1, 80.5, call_end::answered, "available"),
       call("shipping", "Standard", 0.1, 100.5),
       call("shipping", "Economy", 0.1, 100.5),
       call("payment", "payment", 0.1, 120.5),
       call("fraud", "fraud", 0.1, 150.5, call_end::answered, "risk 21.52")};
  return r;
}

} // namespace

TEST_CASE("orders query: every parameter, decoded") {
  auto q = query_ok("status=failed&q=k%2F1+a&limit=20&before=41");
  CHECK(q.status == "failed");
  CHECK(q.search == "k/1 a");
  CHECK(q.limit == 20);
  CHECK(q.before == 41);
  auto d = query_ok("");
  CHECK(d.status.empty());
  CHECK(d.limit == 50);
  CHECK(d.before == 0);
  CHECK(query_ok("status=&&q=").status.empty());
  for (auto s : order_filters)
    CHECK(query_ok(std::string{"status="} + s).status == s);
}

TEST_CASE("orders query: each bad parameter is named") {
  CHECK(query_error("status=lost")
        == "status must be one of confirmed, failed, timeout, voided, "
           "resumed, running (or empty for all)");
  CHECK(query_error("limit=0") == "limit must be a whole number from 1 to 200");
  CHECK(query_error("limit=201")
        == "limit must be a whole number from 1 to 200");
  CHECK(query_error("limit=2x")
        == "limit must be a whole number from 1 to 200");
  CHECK(query_error("before=-3").find("before must be") == 0);
  CHECK(query_error("before=0").find("before must be") == 0);
  CHECK(query_error("q=%zz") == "parameter q: malformed percent-encoding");
  CHECK(query_error("q=%4") == "parameter q: malformed percent-encoding");
  CHECK(query_error("q=a%0Ab").find("q must be") == 0);
  CHECK(query_error("q=" + std::string(129, 'a')).find("q must be") == 0);
  CHECK(query_error("limit=1&limit=2") == "parameter limit given twice");
  CHECK(query_error("sort=asc")
        == "unknown parameter sort; the parameters are status, q, limit and "
           "before");
}

TEST_CASE("a page of orders as JSON") {
  order_page p;
  journal_entry running;
  running.seq = 9;
  running.order_id = "ORD_9";
  running.kind = order_kind::sequential;
  running.accepted_us = 1'700'000'000'123'456;
  journal_entry done;
  done.seq = 8;
  done.order_id = "ORD_8";
  done.idempotency_key = "k-8";
  done.accepted_us = 1'700'000'000'000'000;
  done.decided_us = 1'700'000'000'150'000;
  done.resumes = 1;
  done.result = parallel_result();
  done.result.status = order_status::failed;
  done.result.voided = true;
  done.result.details = "High fraud risk";
  p.orders = {running, done};
  p.next = 8;
  auto j = json::parse(order_page_json(p));
  REQUIRE(j["orders"].size() == 2);
  auto& r = j["orders"][0];
  CHECK(r["orderId"] == "ORD_9");
  CHECK(r["kind"] == "sequential");
  CHECK(r["status"] == "running");
  CHECK(r["acceptedAt"] == 1'700'000'000'123);
  CHECK(r["decidedAt"].is_null());
  CHECK(r["processingTimeMs"].is_null());
  CHECK(r["idempotencyKey"].is_null());
  auto& d = j["orders"][1];
  CHECK(d["status"] == "failed");
  CHECK(d["voided"] == true);
  CHECK(d["resumes"] == 1);
  CHECK(d["idempotencyKey"] == "k-8");
  CHECK(d["processingTimeMs"] == 150);
  CHECK(d["details"] == "High fraud risk");
  CHECK(j["next"] == 8);
  p.next = 0;
  CHECK(json::parse(order_page_json(p))["next"].is_null());
}

TEST_CASE("one order's journal record: events in time order, the result") {
  order_history h;
  h.found = true;
  auto& e = h.entry;
  e.seq = 3;
  e.order_id = "ORD_62da0276";
  e.accepted_us = 1'000'000'000;
  e.resumed_us = 1'002'000'000;
  e.resumes = 1;
  e.decided_us = 1'002'150'000;
  e.result = parallel_result();
  e.result.status = order_status::failed;
  e.result.voided = true;
  h.voids.push_back({"uid/ORD_62da0276", "tx_1", true, 1'002'160'000});
  auto j = json::parse(order_history_json(h));
  CHECK(j["orderId"] == "ORD_62da0276");
  CHECK(j["status"] == "failed");
  CHECK(j["resumedAt"] == 1'002'000);
  REQUIRE(j["voids"].size() == 1);
  CHECK(j["voids"][0]["acknowledged"] == true);
  std::vector<std::string> events;
  std::vector<double> offsets;
  for (auto& x : j["events"]) {
    events.push_back(x["event"]);
    offsets.push_back(x["offsetMs"]);
  }
  CHECK(events
        == std::vector<std::string>{"accepted", "resumed", "decided",
                                    "void owed", "void acknowledged"});
  CHECK(offsets == std::vector<double>{0, 2000, 2150, 2150, 2160});
  REQUIRE(j["result"]["calls"].size() == 6);
  CHECK(j["result"]["calls"][5]["startMs"] == 0.1);
  CHECK(j["result"]["calls"][5]["ms"] == 150.5);
  h.entry.decided_us = 0;
  h.voids.clear();
  auto r = json::parse(order_history_json(h));
  CHECK(r["status"] == "running");
  CHECK(r["result"].is_null());
}

TEST_CASE("the console's files are built in") {
  auto* index = find_console_asset("/");
  REQUIRE(index != nullptr);
  CHECK(index->content_type == "text/html; charset=utf-8");
  CHECK(index->body.find("<script src=\"/console.js\">") != std::string::npos);
  auto* js = find_console_asset("/console.js");
  REQUIRE(js != nullptr);
  CHECK(js->content_type == "text/javascript; charset=utf-8");
  CHECK(js->body.find("/orders/") != std::string::npos);
  REQUIRE(find_console_asset("/console.css") != nullptr);
  CHECK(find_console_asset("/index.html") == nullptr);
  CHECK(find_console_asset("/../etc/passwd") == nullptr);
}

TEST_CASE("live view: a point is the difference of two samples") {
  desk_stats before;
  desk_stats now;
  auto add
    = [](desk_stats& s, order_kind k, order_status st, int n, int64_t us) {
        for (auto& x : s.orders)
          if (x.kind == k && x.status == st) {
            for (int i = 0; i < n; ++i)
              x.latency.observe(us);
            return;
          }
        status_stats x;
        x.kind = k;
        x.status = st;
        for (int i = 0; i < n; ++i)
          x.latency.observe(us);
        s.orders.push_back(x);
      };
  add(before, order_kind::parallel, order_status::confirmed, 100, 150'000);
  now = before;
  add(now, order_kind::parallel, order_status::confirmed, 40, 152'000);
  add(now, order_kind::sequential, order_status::failed, 10, 450'000);
  add(now, order_kind::parallel, order_status::overloaded, 5, 10);
  now.in_flight = 7;
  auto p = make_live_point(before, now, 2.0, 1234);
  CHECK(p.t_ms == 1234);
  CHECK(p.orders_per_s == doctest::Approx(27.5)); // 55 in 2 s
  CHECK(p.in_flight == 7);
  CHECK(p.statuses[static_cast<size_t>(order_status::confirmed)] == 40);
  CHECK(p.statuses[static_cast<size_t>(order_status::failed)] == 10);
  CHECK(p.statuses[static_cast<size_t>(order_status::overloaded)] == 5);
  auto& par = p.kinds[static_cast<size_t>(order_kind::parallel)];
  CHECK(par.count == 40); // not the overloaded ones
  CHECK(par.p50_ms > 150);
  CHECK(par.p50_ms <= 155);
  auto& seq = p.kinds[static_cast<size_t>(order_kind::sequential)];
  CHECK(seq.count == 10);
  CHECK(seq.p99_ms == doctest::Approx(450).epsilon(0.01));
  live_view v;
  v.have_stats = true;
  v.now = now;
  v.points = {p};
  auto j = json::parse(live_json(v, "single", 12.5));
  CHECK(j["role"] == "single");
  CHECK(j["inFlight"] == 7);
  CHECK(j["orders"]["total"] == 155);
  CHECK(j["orders"]["confirmed"] == 140);
  CHECK(j["orders"]["overloaded"] == 5);
  REQUIRE(j["series"].size() == 1);
  CHECK(j["series"][0]["ordersPerSecond"] == 27.5);
  CHECK(j["series"][0]["sequential"]["count"] == 10);
  CHECK(j["series"][0]["parallel"]["p99Ms"].is_number());
  CHECK(j["clustered"] == false);
}

TEST_CASE("trace: one bar per call, scaled to the order, then the total") {
  auto text = trace_text(parallel_result());
  auto lines = std::vector<std::string>{};
  for (size_t at = 0; at != std::string::npos;) {
    auto nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl == std::string::npos ? nl : nl - at));
    at = nl == std::string::npos ? nl : nl + 1;
  }
  REQUIRE(lines.size() == 9);
  CHECK(lines[0] == "ORD_62da0276 confirmed in 150.6 ms");
  CHECK(lines[1].rfind("┌─ inventory Main ", 0) == 0);
  CHECK(lines[2].rfind("├─ inventory Backup ", 0) == 0);
  CHECK(lines[3].rfind("├─ payment ", 0) == 0);
  CHECK(lines[4].rfind("├─ fraud ", 0) == 0);
  CHECK(lines[6].rfind("└─ shipping Economy ", 0) == 0);
  CHECK(lines[8] == "Total: 150.6 ms (max of all)");
  // Bars in proportion: fraud (150.5 ms) 48 blocks, inventory (80.5) 26.
  auto blocks = [](const std::string& s) {
    size_t n = 0;
    for (size_t at = s.find("█"); at != std::string::npos;
         at = s.find("█", at + 1))
      ++n;
    return n;
  };
  CHECK(blocks(lines[4]) == 48);
  CHECK(blocks(lines[1]) == 26);
  CHECK(lines[4].find("150.5 ms risk 21.52") != std::string::npos);
  // A sequential order: calls one after the other, the sum.
  order_result s;
  s.order_id = "ORD_7499895b";
  s.status = order_status::failed;
  s.processing_time_us = 200'300;
  s.calls
    = {call("inventory", "Main", 0, 80),
       call("payment", "payment", 80.1, 20, call_end::error, "gateway timeout"),
       call("payment", "payment", 110.1, 90, call_end::timeout, "", 2)};
  auto t = trace_text(s);
  CHECK(t.find("payment #2") != std::string::npos);
  CHECK(t.find("░") != std::string::npos);
  CHECK(t.find("▒") != std::string::npos);
  CHECK(t.find("error: gateway timeout") != std::string::npos);
  CHECK(t.substr(t.rfind('\n') + 1) == "Total: 200.3 ms (sum of the calls)");
  auto j = json::parse(trace_json(s, 4));
  CHECK(j["input"] == 4);
  CHECK(j["trace"].size() == 6);
}
