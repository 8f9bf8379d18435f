// tests/e2e/durability_test.cpp — a real order-node killed with SIGKILL while
// orders are in flight, restarted on the same journal: every keyed order
// ends exactly once, resumed, and a client's retry with its key gets that
// result (issue #15). The same run with --journal=off shows what the test
// catches: the orders are lost and the retries run them again.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <csignal>
#include <set>
#include <thread>

#include <sqlite3.h>

#include "http_client.hpp"

using namespace order_node::testing;

namespace {

constexpr int orders = 30;

std::string key(int i) {
  return "crash-" + std::to_string(i);
}

// Sends order `i` with its key and leaves the connection open: the client
// that SIGKILL will cut off.
std::unique_ptr<conn> start_order(int port, int i) {
  auto c = std::make_unique<conn>(port);
  c->send_raw(post_request("/OrderService/ProcessOrder", tutorial_body,
                           "idempotency-key: " + key(i) + "\r\n"));
  return c;
}

// One integer from the journal.
int64_t query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int64_t out = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW)
      out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

} // namespace

TEST_CASE("SIGKILL mid-load: every keyed order ends once, resumed after the "
          "restart") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  bool journaled = true;
  SUBCASE("with the journal") {
    journaled = true;
  }
  SUBCASE("with --journal=off (what the test catches)") {
    journaled = false;
  }
  // Latencies x10: fraud answers after 1.5 s, so every order is in flight
  // when the node dies.
  std::vector<std::string> args{"--latency-scale=10", "--deadline=30s",
                                journaled ? "--journal=" + path
                                          : "--journal=off"};
  {
    node first{args};
    std::vector<std::unique_ptr<conn>> clients;
    for (int i = 0; i < orders; ++i)
      clients.push_back(start_order(first.port, i));
    REQUIRE(wait_in_flight(first.port, orders));
    std::this_thread::sleep_for(300ms); // the acceptances' commit
    first.proc.signal(SIGKILL);
    first.proc.stop(0, 5s);
  }
  node second{args};
  second.proc.wait_for("order-node started", 5s);
  if (journaled)
    CHECK(second.proc.err().find(std::to_string(orders)
                                 + " unfinished orders to resume")
          != std::string::npos);
  // Every client retries with its key.
  std::vector<std::unique_ptr<conn>> retries;
  for (int i = 0; i < orders; ++i)
    retries.push_back(start_order(second.port, i));
  std::set<std::string> ids;
  int resumed = 0;
  for (auto& c : retries) {
    auto r = take(*c, 20s);
    REQUIRE(r.status == 200);
    auto j = r.body_json();
    ids.insert(j["orderId"].get<std::string>());
    resumed += j.value("resumed", false) ? 1 : 0;
  }
  CHECK(ids.size() == orders);
  if (!journaled) {
    // Nothing survived: every retry ran a new order.
    CHECK(resumed == 0);
    return;
  }
  CHECK(resumed == orders);
  // The console lists them as resumed, each with its resume in its events.
  auto listed
    = call(second.port, get_request("/orders?status=resumed&limit=200"))
        .body_json();
  REQUIRE(listed["orders"].size() == orders);
  auto id = listed["orders"][0]["orderId"].get<std::string>();
  auto h
    = call(second.port, get_request("/orders/" + id + "/journal")).body_json();
  CHECK(h["resumes"] == 1);
  std::vector<std::string> events;
  for (auto& e : h["events"])
    events.push_back(e["event"]);
  CHECK(events.at(0) == "accepted");
  CHECK(events.at(1) == "resumed");
  CHECK(h["result"]["resumed"] == true);
  auto metrics = call(second.port, get_request("/metrics")).body;
  CHECK(metric_sum(metrics, "order_node_orders_resumed_total") == orders);
  auto rc = second.proc.stop(SIGTERM, 10s);
  if (rc != 0)
    MESSAGE(second.proc.err());
  CHECK(rc == 0);
  CHECK(query(path, "SELECT count(*) FROM orders") == orders);
  CHECK(query(path, "SELECT count(*) FROM orders WHERE decided_us IS NOT NULL")
        == orders);
  CHECK(query(path, "SELECT min(resumes) FROM orders") == 1);
}

TEST_CASE("the /send and /orders routes: accepted once durable, then running, "
          "then the result") {
  work_dir dir;
  // Latencies x4: the sequential order takes 1.8 s, long enough to see it
  // running and to attach to it.
  node n{{"--latency-scale=4", "--deadline=10s",
          "--journal=" + dir.path + "/orders.journal"}};
  auto send = [&](const std::string& key) {
    return call(n.port, post_request("/OrderServiceSlow/ProcessOrder/send",
                                     tutorial_body,
                                     "idempotency-key: " + key + "\r\n"));
  };
  auto first = send("routes-1");
  REQUIRE(first.status == 202);
  auto id = first.body_json()["orderId"].get<std::string>();
  CHECK(first.body_json()["status"] == "Accepted");
  auto again = send("routes-1");
  CHECK(again.status == 202);
  CHECK(again.body_json()["orderId"] == id);
  CHECK(again.body_json()["status"] == "PreviouslyAccepted");
  auto running = call(n.port, get_request("/orders/" + id));
  CHECK(running.status == 202);
  CHECK(running.body_json()
        == json::parse(R"({"orderId":")" + id + R"(","status":"running"})"));
  auto attached = call(n.port, get_request("/orders/" + id + "/attach"));
  REQUIRE(attached.status == 200);
  CHECK(attached.body_json()["orderId"] == id);
  CHECK(attached.body_json()["processingTimeMs"].get<int>() >= 1800);
  auto got = call(n.port, get_request("/orders/" + id));
  CHECK(got.status == 200);
  CHECK(got.body == attached.body);
  // The same body with the key on the waiting route: the same result.
  auto waited
    = call(n.port, post_request("/OrderServiceSlow/ProcessOrder", tutorial_body,
                                "idempotency-key: routes-1\r\n"));
  CHECK(waited.body == attached.body);
  // Another body with the key: refused.
  auto other
    = call(n.port, post_request("/OrderServiceSlow/ProcessOrder/send",
                                R"({"userId":"u","productId":"p","quantity":1,)"
                                R"("amount":1,"weight":1,"destination":"d"})",
                                "idempotency-key: routes-1\r\n"));
  CHECK(other.status == 422);
  auto unknown = call(n.port, get_request("/orders/ORD_00000000"));
  CHECK(unknown.status == 404);
  CHECK(call(n.port, get_request("/orders/ORD_00000000/attach")).status == 404);
  auto bad = call(n.port, post_request("/OrderService/ProcessOrder/send",
                                       R"({"quantity":0})"));
  CHECK(bad.status == 400);
  // The journal's metrics: at least the acceptance and the decision were
  // committed.
  auto metrics = call(n.port, get_request("/metrics")).body;
  CHECK(metric_sum(metrics, "order_node_journal_commit_seconds_count") >= 2);
  CHECK(metric_sum(metrics, "order_node_journal_group_records_sum") >= 2);
  CHECK(metric_sum(metrics, "order_node_journal_wal_bytes") > 0);
  CHECK(metric_sum(metrics, "order_node_journal_failed_commits_total") == 0);
  CHECK(metric_sum(metrics, "order_node_payment_voids_pending") == 0);
  CHECK(metric_sum(metrics, "order_node_orders_resumed_total") == 0);
  CHECK(n.proc.stop(SIGTERM, 10s) == 0);
}

TEST_CASE("without the journal /send accepts and /orders says it needs one") {
  node n{{"--journal=off"}};
  auto sent = call(
    n.port, post_request("/OrderService/ProcessOrder/send", tutorial_body));
  REQUIRE(sent.status == 202);
  auto id = sent.body_json()["orderId"].get<std::string>();
  auto got = call(n.port, get_request("/orders/" + id));
  CHECK(got.status == 501);
  CHECK(got.body_json()["error"]
        == "looking an order up needs the journal, and this node runs with "
           "--journal=off");
  CHECK(n.proc.stop(SIGTERM, 10s) == 0);
}
