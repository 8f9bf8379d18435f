// tests/e2e/edges_test.cpp — docs/durability.md's promises at their edges
// with real processes (issue #25): a journal on a disk that fills up (a small
// tmpfs in a mount namespace of the node's own, as root), a graceful stop
// with orders in flight, and a front restarted on its journal before its
// services node is connected again.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <sqlite3.h>

#include "common.hpp"
#include "http_client.hpp"

using namespace order_node::testing;

namespace {

// One integer from an SQLite file.
int64_t query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t out = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
      == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW)
      out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

std::string keyed(const std::string& key) {
  return "idempotency-key: " + key + "\r\n";
}

// The port of "http: listening on 127.0.0.1:PORT" in `proc`'s stderr.
int http_port(child& proc) {
  auto text = proc.wait_for("http: listening on 127.0.0.1:", 15s);
  REQUIRE_MESSAGE(!text.empty(), "no http line: " << proc.err());
  proc.wait_for("\n", 1s);
  auto all = proc.err();
  return std::stoi(all.substr(all.find("http: listening on 127.0.0.1:") + 29));
}

// Writes zeros to `path` until the file system is full; the bytes written.
int64_t fill(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return -1;
  std::string block(4096, '\0');
  int64_t n = 0;
  for (ssize_t w; (w = ::write(fd, block.data(), block.size())) > 0;)
    n += w;
  ::close(fd);
  return n;
}

bool root() {
  return ::geteuid() == 0;
}

} // namespace

TEST_CASE("a full disk: no 200 without the decision in the journal, nothing "
          "charged for what it lost, and one order per key after") {
  if (!root()) {
    MESSAGE("skipped: needs root for a tmpfs in a private mount namespace "
            "(CI runs as root)");
    return;
  }
  work_dir outside;
  // The journal on a 4 MiB tmpfs that only the node's mount namespace
  // sees; the ledger outside it, on the ordinary disk.
  auto mnt = outside.path + "/mnt";
  ::mkdir(mnt.c_str(), 0700);
  auto ledger = outside.path + "/orders.ledger";
  auto cmd = "mount -t tmpfs -o size=4m tmpfs " + mnt + " && exec "
             + std::string{ORDER_NODE_BIN}
             + " --repl=off --http=127.0.0.1:0 --seed=7 --journal=" + mnt
             + "/orders.journal --payment.ledger=" + ledger
             + " --latency-scale=0.1 --max-attempts=1"
               " --services.warehouse.error-rate=0"
               " --services.warehouse.available-rate=1"
               " --services.payment.error-rate=0"
               " --services.payment.authorized-rate=1"
               " --services.fraud.high-risk-rate=0";
  child node{"/usr/bin/unshare",
             {"-m", "--propagation", "private", "sh", "-c", cmd}};
  auto text = node.wait_for("http: listening on 127.0.0.1:", 15s);
  if (text.empty() && node.err().find("mount") != std::string::npos) {
    MESSAGE("skipped: cannot mount a tmpfs here: " << node.err());
    return;
  }
  auto port = http_port(node);
  auto inside = "/proc/" + std::to_string(node.pid()) + "/root" + mnt;
  // Full: the node's next writes fail.
  REQUIRE(fill(inside + "/fill") > 0);
  constexpr int n = 40;
  std::map<std::string, int> first; // key -> status
  std::map<std::string, std::string> answered_ids;
  {
    std::vector<std::unique_ptr<conn>> cs;
    for (int i = 0; i < n; ++i) {
      cs.push_back(std::make_unique<conn>(port));
      cs.back()->send_raw(post_request("/OrderService/ProcessOrder",
                                       tutorial_body,
                                       keyed("full-" + std::to_string(i))));
    }
    for (int i = 0; i < n; ++i) {
      auto r = take(*cs[static_cast<size_t>(i)], 20s);
      auto key = "full-" + std::to_string(i);
      first[key] = r.status;
      CHECK_MESSAGE((r.status == 200 || r.status == 500),
                    key << ": " << r.status << " " << r.body);
      if (r.status == 200)
        answered_ids[key] = r.body_json()["orderId"].get<std::string>();
    }
  }
  int failed = 0;
  for (auto& [key, status] : first)
    failed += status == 500;
  MESSAGE("on the full disk: " << n - failed << " answered 200, " << failed
                               << " answered 500");
  REQUIRE_MESSAGE(failed > 0, "the full disk failed no write: the test "
                              "exercised nothing");
  // A 200 means the decision is in the journal.
  for (auto& [key, id] : answered_ids) {
    auto r = call(port, get_request("/orders/" + id));
    CHECK_MESSAGE(r.status == 200, key << " answered 200 as " << id
                                       << ", the journal says " << r.status);
  }
  // Space again: every key, sent again, is one order.
  ::unlink((inside + "/fill").c_str());
  for (int i = 0; i < n; ++i) {
    auto key = "full-" + std::to_string(i);
    auto r = call(port, post_request("/OrderService/ProcessOrder",
                                     tutorial_body, keyed(key)));
    REQUIRE_MESSAGE(r.status == 200, key << ": " << r.status << " " << r.body);
    auto id = r.body_json()["orderId"].get<std::string>();
    if (answered_ids.count(key) > 0)
      CHECK_MESSAGE(answered_ids[key] == id, key);
  }
  CHECK(node.stop(SIGTERM, 20s) == 0);
  // The journal went with the node's mount namespace; its answers were
  // checked above. The ledger: one authorization per key, none voided.
  CHECK(query(ledger, "SELECT count(*) FROM authorizations") == n);
  CHECK(query(ledger, "SELECT max(requests) FROM authorizations") == 1);
  CHECK(query(ledger, "SELECT count(*) FROM authorizations WHERE voided = 1")
        == 0);
}

TEST_CASE("SIGTERM answers every order in flight, sent ones included, and "
          "exits 0") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  // Latencies x5: fraud answers after 750 ms, well after the signal.
  node n{{"--latency-scale=5", "--deadline=5s", "--journal=" + path}};
  for (int i = 0; i < 5; ++i)
    REQUIRE(call(n.port,
                 post_request("/OrderService/ProcessOrder/send", tutorial_body,
                              keyed("stop-" + std::to_string(i))))
              .status
            == 202);
  CHECK(n.proc.stop(SIGTERM, 20s) == 0);
  CHECK(n.proc.err().find("stop: every order answered") != std::string::npos);
  CHECK_MESSAGE(query(path, "SELECT count(*) FROM orders WHERE decided_us IS "
                            "NOT NULL")
                  == 5,
                "a graceful stop decides what it accepted");
}

TEST_CASE("a stop that cannot answer every order says how many and exits 1") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  // Fraud answers after 15 s, the drain gives up after 300 ms.
  node n{{"--latency-scale=100", "--deadline=60s", "--journal=" + path,
          "--ingress.drain-timeout=300ms"}};
  for (int i = 0; i < 2; ++i)
    REQUIRE(call(n.port,
                 post_request("/OrderService/ProcessOrder/send", tutorial_body,
                              keyed("cut-" + std::to_string(i))))
              .status
            == 202);
  CHECK(n.proc.stop(SIGTERM, 20s) == 1);
  CHECK(n.proc.err().find("stop: 2 orders were not answered")
        != std::string::npos);
  // They wait in the journal for the next start.
  CHECK(query(path, "SELECT count(*) FROM orders WHERE decided_us IS NULL")
        == 2);
}

TEST_CASE("a front restarted on its journal resumes its orders once its "
          "services node is back, and confirms them") {
  work_dir dir;
  auto path = dir.path + "/front.journal";
  const std::vector<std::string> yes = {"--seed=7",
                                        "--services.warehouse.error-rate=0",
                                        "--services.warehouse.available-rate=1",
                                        "--services.payment.error-rate=0",
                                        "--services.payment.authorized-rate=1",
                                        "--services.fraud.high-risk-rate=0",
                                        "--latency-scale=5"};
  auto services_args = yes;
  services_args.insert(services_args.begin(),
                       {"--role=services", "--listen=127.0.0.1:0"});
  child services{ORDER_NODE_BIN, services_args};
  auto line = services.wait_for("cluster: listening on 127.0.0.1:", 10s);
  REQUIRE_MESSAGE(!line.empty(), services.err());
  services.wait_for("\n", 1s);
  auto all = services.err();
  auto peer = "127.0.0.1:"
              + std::to_string(std::stoi(
                all.substr(all.find("cluster: listening on 127.0.0.1:") + 32)));
  std::vector<std::string> front_args{
    "--role=front",   "--peers=" + peer,    "--seed=7",         "--repl=off",
    "--deadline=10s", "--http=127.0.0.1:0", "--journal=" + path};
  std::vector<std::string> ids;
  {
    child front{ORDER_NODE_BIN, front_args};
    auto port = http_port(front);
    for (int i = 0; i < 3; ++i) {
      auto r = call(port, post_request("/OrderServiceSlow/ProcessOrder/send",
                                       tutorial_body,
                                       keyed("front-" + std::to_string(i))));
      REQUIRE(r.status == 202);
      ids.push_back(r.body_json()["orderId"].get<std::string>());
    }
    std::this_thread::sleep_for(100ms);
    front.signal(SIGKILL);
    front.stop(0, 5s);
  }
  child front{ORDER_NODE_BIN, front_args};
  auto port = http_port(front);
  for (int i = 0; i < 3; ++i) {
    auto r
      = call(port, post_request("/OrderServiceSlow/ProcessOrder", tutorial_body,
                                keyed("front-" + std::to_string(i))));
    REQUIRE(r.status == 200);
    auto j = r.body_json();
    CHECK(j["orderId"] == ids[static_cast<size_t>(i)]);
    CHECK_MESSAGE(j["status"] == "confirmed", j.dump());
    CHECK(j["resumed"] == true);
  }
}

namespace {

// The bytes of a file ("" if it cannot be read).
std::string bytes_of(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;)
      out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("order-node journal reads a journal without a node: read-only, "
          "also while a node runs on it") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  auto journal = "--journal=" + path;
  auto script = run_process(ORDER_NODE_BIN, {"--seed=7", "--http=off", journal},
                            "order " + std::string{tutorial_args} + "\nslow "
                              + tutorial_args + "\n",
                            60s);
  REQUIRE_MESSAGE(script.exit_code == 0, script.err);
  std::string id; // line 1's (results print as they complete)
  std::vector<std::string> ids;
  for (auto& line : script.lines()) {
    auto j = json::parse(line);
    ids.push_back(j["orderId"].get<std::string>());
    if (j["input"] == 1)
      id = ids.back();
  }
  REQUIRE(ids.size() == 2);
  auto before = bytes_of(path);
  auto list
    = run_process(ORDER_NODE_BIN, {"journal", "list", journal}, "", 10s);
  REQUIRE_MESSAGE(list.exit_code == 0, list.err);
  auto page = json::parse(list.out);
  REQUIRE(page["orders"].size() == 2);
  // (Two desk shards took the two lines at once: either may be newer.)
  std::vector<std::string> listed{page["orders"][0]["orderId"],
                                  page["orders"][1]["orderId"]};
  std::sort(listed.begin(), listed.end());
  std::sort(ids.begin(), ids.end());
  CHECK(listed == ids);
  auto show
    = run_process(ORDER_NODE_BIN, {"journal", "show", id, journal}, "", 10s);
  REQUIRE(show.exit_code == 0);
  CHECK(json::parse(show.out)["status"] == "confirmed");
  auto trace
    = run_process(ORDER_NODE_BIN, {"journal", "trace", id, journal}, "", 10s);
  REQUIRE(trace.exit_code == 0);
  CHECK(trace.out.rfind(id + " confirmed in ", 0) == 0);
  CHECK(run_process(ORDER_NODE_BIN,
                    {"journal", "show", "ORD_00000000", journal}, "", 10s)
          .exit_code
        == 1);
  CHECK(run_process(ORDER_NODE_BIN,
                    {"journal", "list", "--status=bogus", journal}, "", 10s)
          .exit_code
        == 2);
  auto missing = run_process(
    ORDER_NODE_BIN, {"journal", "list", "--journal=" + dir.path + "/none"}, "",
    10s);
  CHECK(missing.exit_code == 1);
  CHECK_MESSAGE(!exists(dir.path + "/none"), "reading creates no journal");
  CHECK_MESSAGE(bytes_of(path) == before, "reading writes nothing");
  CHECK_MESSAGE(!exists(path + "-wal"), "nor a WAL beside it");
  CHECK(!exists(path + "-shm"));
  // While a node runs on it (and holds its lock): its new order is listed.
  child node{ORDER_NODE_BIN, {"--seed=7", "--http=off", journal}, true};
  REQUIRE(node.send("order " + std::string{tutorial_args} + "\n"));
  auto line = node.read_line(10s);
  REQUIRE_MESSAGE(!line.empty(), node.err());
  auto live
    = run_process(ORDER_NODE_BIN, {"journal", "list", journal}, "", 10s);
  REQUIRE_MESSAGE(live.exit_code == 0, live.err);
  CHECK(json::parse(live.out)["orders"].size() == 3);
  node.close_stdin();
  CHECK(node.stop(0, 10s) == 0);
}

TEST_CASE("a good journal in a directory it cannot write is not called "
          "another program's") {
  if (!root()) {
    MESSAGE("skipped: needs root for a read-only bind mount in a private "
            "mount namespace (CI runs as root)");
    return;
  }
  work_dir dir;
  auto journal = "--journal=" + dir.path + "/orders.journal";
  auto made = run_process(ORDER_NODE_BIN, {"--http=off", journal},
                          "order " + std::string{tutorial_args} + "\n", 30s);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto cmd = "mount --bind " + dir.path + " " + dir.path
             + " && mount -o remount,bind,ro " + dir.path + " && exec "
             + std::string{ORDER_NODE_BIN} + " --http=off " + journal;
  auto r
    = run_process("/usr/bin/unshare",
                  {"-m", "--propagation", "private", "sh", "-c", cmd}, "", 30s);
  if (r.err.find("mount:") != std::string::npos) {
    MESSAGE("skipped: cannot bind-mount here: " << r.err);
    return;
  }
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("is its directory writable?") != std::string::npos,
                r.err);
  CHECK(r.err.find("not an order-node") == std::string::npos);
}

TEST_CASE("a journal that is refused leaves no ledger file behind") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fputs("not a database, but a note\n", f);
    std::fclose(f);
  }
  auto r
    = run_process(ORDER_NODE_BIN, {"--http=off", "--journal=" + path}, "", 30s);
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("not an order-node journal") != std::string::npos,
                r.err);
  CHECK_MESSAGE(!exists(dir.path + "/orders.ledger"),
                "the ledger is opened after the journal");
}

TEST_CASE("a decided order whose stored result does not decode is an error, "
          "not 'running'") {
  work_dir dir;
  auto path = dir.path + "/orders.journal";
  auto journal = "--journal=" + path;
  auto made = run_process(ORDER_NODE_BIN, {"--seed=7", "--http=off", journal},
                          "order " + std::string{tutorial_args} + "\n", 30s);
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto id = json::parse(made.lines().at(0))["orderId"].get<std::string>();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE orders SET result = x'00ff00'", nullptr,
                       nullptr, nullptr)
          == SQLITE_OK);
  sqlite3_close(db);
  node n{{journal}};
  for (auto route : {"/orders/" + id, "/orders/" + id + "/attach"}) {
    auto r = call(n.port, get_request(route));
    CHECK_MESSAGE(r.status == 500, route << ": " << r.status << " " << r.body);
    CHECK(r.body.find("corrupt record (order " + id + ": result)")
          != std::string::npos);
  }
}
