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
  CHECK(second.proc.stop(SIGTERM, 10s) == 0);
  CHECK(query(path, "SELECT count(*) FROM orders") == orders);
  CHECK(query(path, "SELECT count(*) FROM orders WHERE decided_us IS NOT NULL")
        == orders);
  CHECK(query(path, "SELECT min(resumes) FROM orders") == 1);
}
