// tests/e2e/cluster_test.cpp — real order-node processes clustered over CAF's
// middleman on 127.0.0.1 (free ports, fixed seeds): the same results as the
// single role, load spread over two payment nodes, SIGKILL and SIGSTOP of a
// services node under load, the client role and TLS. Every test starts its
// own processes; their destructors kill whatever is still running.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <tuple>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <nlohmann/json.hpp>

#include "actors/cluster/node_actor.hpp"
#include "common.hpp"
#include "http_client.hpp"
#include "messages/registry.hpp"
#include "process.hpp"

using namespace order_node::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Timings scale with the build: every process of a TSan build runs about
// ten times slower, so with the normal figures bursts of orders would miss
// their deadline and busy peers their heartbeats, and the tests would measure
// the sanitizer.
#ifdef __SANITIZE_THREAD__
constexpr int slow = 4;
#else
constexpr int slow = 1;
#endif
constexpr int deadline_ms = 1000 * slow; // the fronts' --deadline
constexpr int heartbeat_timeout_ms = 600 * slow;

std::string ms_opt(const char* name, int ms) {
  return std::string{"--"} + name + "=" + std::to_string(ms) + "ms";
}

// Short heartbeats so that failure tests take seconds, not minutes.
const std::vector<std::string> fast_cluster
  = {ms_opt("cluster.heartbeat-interval", 100 * slow),
     ms_opt("cluster.heartbeat-timeout", heartbeat_timeout_ms),
     "--cluster.reconnect-max=400ms", "--cluster.connect-timeout=1s"};

// Every service answers "yes": every order that reaches them is confirmed.
const std::vector<std::string> always_yes = {
  "--services.warehouse.error-rate=0", "--services.warehouse.available-rate=1",
  "--services.payment.error-rate=0", "--services.payment.authorized-rate=1",
  "--services.fraud.high-risk-rate=0"};

// Reads the port from "cluster: listening on 127.0.0.1:PORT".
int listening_port(child& proc) {
  auto text = proc.wait_for("cluster: listening on 127.0.0.1:", 10s);
  REQUIRE_MESSAGE(!text.empty(), "no listening line: " << proc.err());
  auto at = text.find("cluster: listening on 127.0.0.1:") + 32;
  return std::stoi(text.substr(at));
}

// A services node on a free port (or `port`).
struct services_node {
  std::unique_ptr<child> proc;
  int port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  explicit services_node(std::vector<std::string> args, int at_port = 0) {
    args.insert(args.begin(), {"--role=services", "--listen=127.0.0.1:"
                                                    + std::to_string(at_port)});
    proc = std::make_unique<child>(ORDER_NODE_BIN, args);
    port = listening_port(*proc);
  }
};

std::string peers_of(std::initializer_list<const services_node*> nodes) {
  std::string out;
  for (auto* n : nodes)
    out += (out.empty() ? "" : ",") + n->address();
  return "--peers=" + out;
}

json parse_line(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  REQUIRE_MESSAGE(j.is_object(), "not a JSON object: '" << line << "'");
  return j;
}

// A front whose REPL the test drives line by line.
struct front_node {
  std::unique_ptr<child> proc;
  explicit front_node(std::vector<std::string> args) {
    // The default heartbeat timeout, scaled; fast_cluster, when given,
    // comes later on the command line and wins.
    args.insert(args.begin(),
                {"--role=front", "--http=off", ms_opt("deadline", deadline_ms),
                 ms_opt("cluster.heartbeat-timeout", 3000 * slow)});
    proc = std::make_unique<child>(ORDER_NODE_BIN, args, true);
    REQUIRE(!proc->wait_for("order-node started", 15s).empty());
  }
  json call(const std::string& command) {
    REQUIRE(proc->send(command + "\n"));
    return parse_line(proc->read_line(10s));
  }
  json nodes() { return call("nodes")["nodes"]; }
};

std::string state_of(const json& nodes, const std::string& address);

// Polls `nodes` until the peer at `address` is in `state` (true) or 5 s
// have passed (false).
bool wait_state(front_node& front, const std::string& address,
                const std::string& state) {
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 5s) {
    if (state_of(front.nodes(), address) == state)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// A result without what depends on timing: processing time, the order of
// calls and their durations.
json comparable(json j) {
  j.erase("processingTimeMs");
  std::multiset<std::tuple<std::string, std::string, int, std::string>> calls;
  for (auto& c : j["calls"])
    calls.emplace(c["service"], c["instance"], c["attempt"], c["outcome"]);
  j.erase("calls");
  json sorted = json::array();
  for (auto& [service, instance, attempt, outcome] : calls)
    sorted.push_back({service, instance, attempt, outcome});
  j["calls"] = sorted;
  return j;
}

// 30 different orders (product, amount and weight vary), as a script.
std::string script(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += (i % 4 == 3 ? "slow" : "order") + std::string{" userId=u"}
           + std::to_string(i) + " productId=p" + std::to_string(i % 7)
           + " quantity=" + std::to_string(1 + i % 3)
           + " amount=" + std::to_string(10 + i)
           + ".5 weight=" + std::to_string(1 + i % 9) + " destination=Paris\n";
  return out;
}

// Runs `input` through a script process and returns its results by input
// line, comparable.
std::map<int, json> results_of(std::vector<std::string> args,
                               const std::string& input) {
  args.push_back(ms_opt("deadline", deadline_ms));
  auto r = run_process(ORDER_NODE_BIN, args, input, 60s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::map<int, json> out;
  for (auto& line : r.lines()) {
    auto j = parse_line(line);
    REQUIRE_MESSAGE(j.contains("input"), line);
    out[j["input"].get<int>()] = comparable(j);
  }
  return out;
}

int64_t calls_of(const json& nodes, const std::string& address) {
  for (auto& n : nodes)
    if (n["address"] == address)
      return n["calls"].get<int64_t>();
  FAIL("no peer " << address);
  return -1;
}

std::string state_of(const json& nodes, const std::string& address) {
  for (auto& n : nodes)
    if (n["address"] == address)
      return n["state"].get<std::string>();
  return "missing";
}

} // namespace

TEST_CASE("a front and two services nodes answer like the single role") {
  services_node a{
    {"--seed=7", "--hosts=warehouse:Main,warehouse:Backup,payment"}};
  services_node b{{"--seed=7", "--hosts=fraud,carrier:Standard,carrier:Economy,"
                               "carrier:FastShip"}};
  auto input = script(30);
  // --max-attempts=1 as in the tutorial: with retries, whether a retry is
  // still worth sending can depend on which of two answers due in the same
  // tick arrives first, so the list of calls (not the status) could differ.
  auto single
    = results_of({"--seed=7", "--http=off", "--max-attempts=1"}, input);
  auto cluster = results_of({"--role=front", peers_of({&a, &b}), "--seed=7",
                             "--http=off", "--max-attempts=1"},
                            input);
  REQUIRE(single.size() == 30);
  REQUIRE(cluster.size() == 30);
  for (auto& [line, j] : single)
    CHECK_MESSAGE(cluster[line] == j, "line " << line << ": single " << j.dump()
                                              << "\ncluster "
                                              << cluster[line].dump());
}

TEST_CASE("a front without some service fails orders naming it") {
  services_node a{{"--seed=7",
                   "--hosts=warehouse:Main,warehouse:Backup,payment,"
                   "carrier:Standard,carrier:Economy"}};
  auto r = run_process(
    ORDER_NODE_BIN, {"--role=front", peers_of({&a}), "--seed=7", "--http=off"},
    "order " + tutorial_args + "\n", 30s);
  REQUIRE(r.exit_code == 0);
  auto j = parse_line(r.lines().at(0));
  CHECK(j["status"] == "failed");
  CHECK(j["details"].get<std::string>().find("fraud") != std::string::npos);
  CHECK(j["processingTimeMs"].get<int>() <= 1000);
}

TEST_CASE("two payment nodes share the payment calls") {
  auto rest = "--hosts=warehouse:Main,warehouse:Backup,fraud,carrier:Standard,"
              "carrier:Economy";
  services_node a{{"--seed=3", rest}};
  // One gateway, two instances: they share its ledger (SQLite lets both
  // write), as the instances of a real gateway share its database.
  work_dir shared;
  auto ledger = "--payment.ledger=" + shared.path + "/payment.ledger";
  services_node p1{{"--seed=3", "--hosts=payment", ledger}};
  services_node p2{{"--seed=3", "--hosts=payment", ledger}};
  front_node front{{peers_of({&a, &p1, &p2}), "--seed=3", "--max-attempts=1"}};
  const int n = 200 / slow;
  for (int i = 0; i < n; ++i)
    REQUIRE(front.proc->send("order " + tutorial_args + "\n"));
  int failed = 0;
  for (int i = 0; i < n; ++i) {
    auto j = parse_line(front.proc->read_line(10s));
    REQUIRE_MESSAGE(j.contains("status"), j.dump());
    failed += j["status"] != "confirmed";
  }
  auto nodes = front.nodes();
  auto c1 = calls_of(nodes, p1.address());
  auto c2 = calls_of(nodes, p2.address());
  INFO(nodes.dump());
  // Every order asks payment once (no retries), unless its stock check
  // failed first, and a failed one may void once: each node takes about
  // half, never nearly all.
  CHECK(c1 + c2 <= n + failed);
  CHECK(c1 >= (c1 + c2) * 3 / 10);
  CHECK(c2 >= (c1 + c2) * 3 / 10);
}

TEST_CASE("SIGKILL of a services node under load: no order waits past its "
          "deadline, the survivor takes over, the restarted node is used "
          "again") {
  auto args = std::vector<std::string>{"--seed=5"} + always_yes;
  services_node a{args};
  services_node b{args};
  front_node front{std::vector<std::string>{peers_of({&a, &b}), "--seed=5"}
                   + fast_cluster};
  // A steady stream: one order every 5 ms for 3 s, B killed after 1 s.
#ifdef __SANITIZE_THREAD__
  // Every process of a TSan build runs about ten times slower: a stream of
  // 200 orders/s would overload it and orders would fail by their deadline.
  constexpr auto order_every = 50ms;
#else
  constexpr auto order_every = 5ms;
#endif
  // Results are read as they come: a front whose stdout is not read stops
  // submitting (its REPL session blocks on the pipe).
  std::map<int, json> results;
  auto read_until = [&](std::chrono::steady_clock::time_point until) {
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return;
      auto line = front.proc->read_line(left);
      if (!line.empty()) {
        auto j = parse_line(line);
        // An error line ({"error":...,"line":N}) counts as not confirmed.
        results[(j.contains("input") ? j["input"] : j["line"]).get<int>()] = j;
      }
    }
  };
  auto start = std::chrono::steady_clock::now();
  auto next = start;
  int sent = 0;
  int sent_before_kill = -1;
  while (next - start < 3s) {
    if (sent_before_kill < 0 && next - start >= 1s) {
      b.proc->signal(SIGKILL);
      sent_before_kill = sent;
    }
    REQUIRE(front.proc->send("order " + tutorial_args + "\n"));
    ++sent;
    next += order_every;
    read_until(next);
  }
  // Every order answers by its deadline; allow a slow (sanitized) build
  // time to print them.
  for (auto end = std::chrono::steady_clock::now() + 60s;
       results.size() < static_cast<size_t>(sent)
       && std::chrono::steady_clock::now() < end;)
    read_until(std::chrono::steady_clock::now() + 100ms);
  REQUIRE(results.size() == static_cast<size_t>(sent));
  int late = 0;
  int unconfirmed = 0;
  for (auto& [line, j] : results) {
    INFO("line " << line << ": " << j.dump().substr(0, 300));
    if (!j.contains("processingTimeMs")
        || j["processingTimeMs"].get<int>() > deadline_ms + 200)
      ++late;
    // Calls pending on B when it died go to A at once (failover), later
    // orders go to A only: every order is confirmed.
    if (j.value("status", "") != "confirmed")
      ++unconfirmed;
  }
  CHECK(sent_before_kill > 0);
  CHECK(late == 0);
  CHECK(unconfirmed == 0);
  CHECK(state_of(front.nodes(), b.address()) == "down");
  // Restart B on its port: the front reconnects within 5 s and uses it.
  auto calls_before = calls_of(front.nodes(), b.address());
  services_node b2{args, b.port};
  REQUIRE(wait_state(front, b.address(), "up"));
  for (int i = 0; i < 40; ++i)
    REQUIRE(front.proc->send("order " + tutorial_args + "\n"));
  for (int i = 0; i < 40; ++i) {
    auto j = parse_line(front.proc->read_line(10s));
    CHECK_MESSAGE(j["status"] == "confirmed", j["details"]);
  }
  CHECK(calls_of(front.nodes(), b.address()) > calls_before);
}

TEST_CASE("SIGSTOP of a services node: detected by heartbeat, routed around, "
          "back after SIGCONT") {
  auto args = std::vector<std::string>{"--seed=5"} + always_yes;
  services_node a{args};
  services_node b{args};
  front_node front{std::vector<std::string>{peers_of({&a, &b}), "--seed=5"}
                   + fast_cluster};
  REQUIRE(state_of(front.nodes(), b.address()) == "up");
  b.proc->signal(SIGSTOP);
  auto frozen = std::chrono::steady_clock::now();
  REQUIRE(wait_state(front, b.address(), "down"));
  auto detected = std::chrono::steady_clock::now() - frozen;
  // Detected at the heartbeat timeout, checked every interval.
  CHECK(detected
        <= std::chrono::milliseconds(heartbeat_timeout_ms + 300 * slow));
  CHECK(front.call("order " + tutorial_args)["status"] == "confirmed");
  for (int i = 0; i < 20; ++i)
    REQUIRE(front.proc->send("order " + tutorial_args + "\n"));
  for (int i = 0; i < 20; ++i) {
    auto j = parse_line(front.proc->read_line(10s));
    CHECK(j["status"] == "confirmed");
    CHECK(j["processingTimeMs"].get<int>() < deadline_ms);
  }
  b.proc->signal(SIGCONT);
  CHECK(wait_state(front, b.address(), "up"));
}

namespace {

// A result without what its order key decides (ids, the risk score): a
// front numbers a client's lines (c1:line:N, docs/durability.md), a single
// node its own (line:N).
json keyless(json j) {
  j.erase("orderId");
  j.erase("transactionId");
  j.erase("riskScore");
  for (auto& c : j["calls"]) // comparable()'s (service, instance, ...)
    if (c[0] == "fraud" || c[0] == "payment")
      c[3] = "(hashed)";
  return j;
}

} // namespace

TEST_CASE("a client sends a script through a front and gets the same lines") {
  services_node a{always_yes};
  auto front_args = always_yes;
  front_args.insert(front_args.end(),
                    {"--role=front", peers_of({&a}), "--repl=off",
                     "--http=127.0.0.1:0", "--listen=127.0.0.1:0",
                     "--max-attempts=1", ms_opt("deadline", deadline_ms)});
  child front{ORDER_NODE_BIN, front_args};
  auto front_port = listening_port(front);
  REQUIRE(!front.wait_for("order-node started", 10s).empty());
  auto input = script(20) + "order " + tutorial_args + "\n";
  auto single_args = always_yes;
  single_args.insert(single_args.end(), {"--http=off", "--max-attempts=1"});
  auto single = results_of(single_args, input);
  auto client = results_of(
    {"--role=client", "--connect=127.0.0.1:" + std::to_string(front_port)},
    input);
  REQUIRE(client.size() == single.size());
  for (auto& [line, j] : single)
    CHECK_MESSAGE(keyless(client[line]) == keyless(j), "line " << line);
}

TEST_CASE("two clients' line 1 are two orders: two ids, two authorizations") {
  services_node a{always_yes};
  auto front_args = always_yes;
  front_args.insert(front_args.end(),
                    {"--role=front", peers_of({&a}), "--repl=off", "--http=off",
                     "--listen=127.0.0.1:0", ms_opt("deadline", deadline_ms)});
  child front{ORDER_NODE_BIN, front_args};
  auto connect = "--connect=127.0.0.1:" + std::to_string(listening_port(front));
  REQUIRE(!front.wait_for("order-node started", 10s).empty());
  auto alice = results_of({"--role=client", connect},
                          "order userId=alice productId=p1 quantity=1 "
                          "amount=10 weight=1 destination=Paris\n");
  auto bob = results_of({"--role=client", connect},
                        "order userId=bob productId=p2 quantity=1 "
                        "amount=5000 weight=1 destination=Oslo\n");
  REQUIRE(alice.count(1) == 1);
  REQUIRE(bob.count(1) == 1);
  CHECK(alice[1]["status"] == "confirmed");
  CHECK(bob[1]["status"] == "confirmed");
  CHECK(alice[1]["orderId"] != bob[1]["orderId"]);
  CHECK(alice[1]["transactionId"] != bob[1]["transactionId"]);
}

namespace {

// GET `path` from 127.0.0.1:port with one short-lived connection; the body.
std::string http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  std::string all;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    auto req
      = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t got; (got = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
      all.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  auto body = all.find("\r\n\r\n");
  return body == std::string::npos ? "" : all.substr(body + 4);
}

} // namespace

TEST_CASE("a front serving HTTP says role front in /health") {
  services_node a{{"--seed=7"}};
  child front{ORDER_NODE_BIN,
              {"--role=front", peers_of({&a}), "--seed=7", "--repl=off",
               "--http=127.0.0.1:0"}};
  auto text = front.wait_for("http: listening on 127.0.0.1:", 15s);
  REQUIRE_MESSAGE(!text.empty(), front.err());
  front.wait_for("\n", 1s);
  auto at = front.err().find("http: listening on 127.0.0.1:") + 29;
  auto port = std::stoi(front.err().substr(at));
  auto health = parse_line(http_get(port, "/health"));
  CHECK(health["role"] == "front");
  CHECK(front.stop(SIGTERM, 10s) == 0);
}

TEST_CASE("a client without a front exits with an error") {
  auto r = run_process(ORDER_NODE_BIN,
                       {"--role=client", "--connect=127.0.0.1:1",
                        "--cluster.connect-timeout=500ms"},
                       "order " + tutorial_args + "\n", 30s);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot reach the front at 127.0.0.1:1")
        != std::string::npos);
}

TEST_CASE("a client pointed at a services node, a front at a front, and a "
          "busy --listen port say so") {
  services_node a{{"--seed=7"}};
  auto client
    = run_process(ORDER_NODE_BIN, {"--role=client", "--connect=" + a.address()},
                  "order " + tutorial_args + "\n", 30s);
  CHECK(client.exit_code == 1);
  CHECK_MESSAGE(client.err.find("it is a services node, not a front: "
                                "--connect takes a front's --listen address")
                  != std::string::npos,
                client.err);
  child front{ORDER_NODE_BIN,
              {"--role=front", peers_of({&a}), "--repl=off", "--http=off",
               "--listen=127.0.0.1:0", "--journal=off"}};
  auto front_port = listening_port(front);
  auto second = run_process(ORDER_NODE_BIN,
                            {"--role=front",
                             "--peers=127.0.0.1:" + std::to_string(front_port),
                             "--http=off", "--journal=off"},
                            "", 30s);
  CHECK_MESSAGE(second.err.find("it is a front node, not a services node: "
                                "--peers lists services nodes'")
                  != std::string::npos,
                second.err);
  auto busy = run_process(
    ORDER_NODE_BIN, {"--role=services", "--listen=" + a.address()}, "", 30s);
  CHECK(busy.exit_code == 1);
  CHECK_MESSAGE(
    busy.err.find("cannot listen on " + a.address() + ": the port is in use")
      != std::string::npos,
    busy.err);
}

TEST_CASE("a peer port that accepts TCP but never answers does not block") {
  services_node a{{"--seed=7"}};
  // A listening socket nobody accepts from: the kernel completes the TCP
  // handshake, CAF's handshake never comes.
  int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(silent >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(silent, 8) == 0);
  REQUIRE(::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  auto silent_port = ntohs(addr.sin_port);
  auto start = std::chrono::steady_clock::now();
  front_node front{
    std::vector<std::string>{"--peers=127.0.0.1:" + std::to_string(silent_port)
                               + "," + a.address(),
                             "--seed=7"}
    + fast_cluster};
  // Started after one bounded attempt (connect timeout 1 s), serving.
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(front.call("order " + tutorial_args)["status"].is_string());
  auto nodes = front.nodes();
  CHECK(state_of(nodes, "127.0.0.1:" + std::to_string(silent_port)) == "down");
  CHECK(state_of(nodes, a.address()) == "up");
  ::close(silent);
}

// Certificates made with the openssl CLI in a temporary directory: two CAs;
// "services" and "front" signed by the first, "rogue" by the other.
struct tls_files {
  std::filesystem::path dir
    = std::filesystem::temp_directory_path()
      / ("order-node-tls-" + std::to_string(::getpid()));
  std::string d = dir.string();

  tls_files() {
    std::filesystem::create_directories(dir);
    for (auto ca : {"ca", "other-ca"})
      sh(std::string{"openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                     "-subj /CN="}
         + ca + " -keyout " + ca + ".key -out " + ca + ".pem");
    for (auto [name, ca] :
         {std::pair{"services", "ca"}, std::pair{"front", "ca"},
          std::pair{"rogue", "other-ca"}}) {
      std::string n = name;
      std::string c = ca;
      sh("openssl req -newkey rsa:2048 -nodes -subj /CN=" + n + " -keyout " + n
         + ".key -out " + n + ".csr");
      sh("openssl x509 -req -in " + n + ".csr -CA " + c + ".pem -CAkey " + c
         + ".key -CAcreateserial -days 2 -out " + n + ".pem");
    }
  }
  ~tls_files() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  void sh(const std::string& cmd) const {
    auto full = "cd '" + d + "' && " + cmd + " >/dev/null 2>&1";
    REQUIRE_MESSAGE(std::system(full.c_str()) == 0, cmd);
  }

  // The three options of node `n` (certificate and key) trusting `ca`.
  std::vector<std::string> args(const std::string& n, const std::string& ca,
                                const std::string& key = "") const {
    return {"--tls-cert=" + d + "/" + n + ".pem",
            "--tls-key=" + d + "/" + (key.empty() ? n : key) + ".key",
            "--tls-ca=" + d + "/" + ca + ".pem"};
  }
};

TEST_CASE("TLS: nodes with certificates of one CA work, others are refused") {
  tls_files files;
  auto tls = [&](const std::string& n, const std::string& ca) {
    return files.args(n, ca);
  };
  services_node a{std::vector<std::string>{"--seed=7"} + tls("services", "ca")};
  auto order = "order " + tutorial_args + "\n";
  auto ok = run_process(ORDER_NODE_BIN,
                        std::vector<std::string>{"--role=front", peers_of({&a}),
                                                 "--seed=7", "--http=off"}
                          + tls("front", "ca"),
                        order, 30s);
  REQUIRE(ok.exit_code == 0);
  CHECK(parse_line(ok.lines().at(0))["status"] == "confirmed");
  // A front with a certificate of another CA, and one without TLS: refused,
  // so the order finds no services.
  for (auto& extra : {tls("rogue", "other-ca"), std::vector<std::string>{}}) {
    auto refused
      = run_process(ORDER_NODE_BIN,
                    std::vector<std::string>{"--role=front", peers_of({&a}),
                                             "--seed=7", "--http=off",
                                             "--cluster.connect-"
                                             "timeout=1s"}
                      + extra,
                    order, 30s);
    REQUIRE(refused.exit_code == 0);
    CHECK(refused.err.find("0 of 1 peers up") != std::string::npos);
    CHECK(parse_line(refused.lines().at(0))["status"] == "failed");
    if (!extra.empty())
      CHECK_MESSAGE(refused.err.find("TLS handshake failed: check --tls-ca")
                      != std::string::npos,
                    "the log says why the peer was refused: " << refused.err);
  }
  // The services node still serves a proper front afterwards.
  auto again
    = run_process(ORDER_NODE_BIN,
                  std::vector<std::string>{"--role=front", peers_of({&a}),
                                           "--seed=7", "--http=off"}
                    + tls("front", "ca"),
                  order, 30s);
  CHECK(parse_line(again.lines().at(0))["status"] == "confirmed");
}

TEST_CASE("TLS: a node with a bad certificate, key or CA refuses to start, "
          "naming the file") {
  tls_files files;
  auto missing = files.args("services", "ca");
  missing[0] = "--tls-cert=" + files.d + "/missing.pem";
  auto not_a_ca = files.args("services", "ca");
  not_a_ca[2] = "--tls-ca=" + files.d + "/ca.key";
  struct bad_case {
    std::vector<std::string> tls;
    std::string says;
  };
  for (auto& [tls, says] :
       {bad_case{missing, "cannot read --tls-cert=" + files.d + "/missing.pem"},
        bad_case{files.args("services", "ca", "front"),
                 "--tls-key=" + files.d + "/front.key does not match"},
        bad_case{not_a_ca, "--tls-ca=" + files.d + "/ca.key"}}) {
    for (auto role :
         {std::vector<std::string>{"--role=services", "--listen=127.0.0.1:0"},
          std::vector<std::string>{"--role=front", "--peers=127.0.0.1:1",
                                   "--http=off"}}) {
      auto r = run_process(ORDER_NODE_BIN, role + tls, "", 30s);
      CAPTURE(r.err);
      CHECK_MESSAGE(r.exit_code == 2, "refused at startup, not at the first "
                                      "connection");
      CHECK(r.err.find(says) != std::string::npos);
      CHECK(r.err.find("order-node started") == std::string::npos);
    }
  }
}

TEST_CASE("a peer speaking another message set is refused with a clear log "
          "line") {
#ifdef __SANITIZE_THREAD__
  // The foreign node runs in this test's process, on Debian's CAF, which is
  // not built with TSan: its middleman's threads hand strings to each other
  // inside libcaf_io and libstdc++, where no frame is left for
  // .ci/tsan.supp's CAF rules to match (a data race report in CAF's
  // make_type_erased_value, one CI run in three). The order-node processes
  // are checked by every other case here.
  MESSAGE("skipped under TSan: the foreign node runs Debian's "
          "uninstrumented CAF in this process");
  return;
#endif
  // In this process: a node whose node_info has another wire name (as a
  // build with a renamed type would), published on a free port.
  struct foreign_config : caf::actor_system_config {
    foreign_config() {
      add_message_type<order_node::node_info>("node_info_v2"); // first wins
      order_node::register_types(*this);
      load<caf::io::middleman>();
    }
  };
  foreign_config cfg;
  caf::actor_system sys{cfg};
  order_node::node_info info;
  info.name = "foreign";
  info.role = "services";
  auto node = order_node::spawn_node_actor(sys, info, "foreign/1");
  auto port
    = sys.middleman().publish(order_node::node_actor{node}, 0, "127.0.0.1");
  REQUIRE(port);
  auto address = "127.0.0.1:" + std::to_string(*port);
  front_node front{std::vector<std::string>{"--peers=" + address, "--seed=7"}
                   + fast_cluster};
  CHECK(state_of(front.nodes(), address) == "down");
  CHECK(front.proc->err().find("peer " + address + ": refused")
        != std::string::npos);
  CHECK(front.call("order " + tutorial_args)["status"] == "failed");
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
}

TEST_CASE("a front's console shows its services nodes and their state") {
  services_node a{{}};
  node front{std::vector<std::string>{"--role=front", peers_of({&a})}
             + fast_cluster};
  json stats;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    stats = call(front.port, get_request("/stats")).body_json();
    if (stats["peers"].size() == 1 && stats["peers"][0]["state"] == "up")
      break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(stats["role"] == "front");
  CHECK(stats["clustered"] == true);
  REQUIRE(stats["peers"].size() == 1);
  auto& p = stats["peers"][0];
  CHECK(p["address"] == a.address());
  CHECK(p["state"] == "up");
  CHECK(p["instances"].size() == 7);
  // Its orders' calls go to the services node, and show in the console.
  auto r = call(front.port,
                post_request("/OrderService/ProcessOrder", tutorial_body));
  CHECK(r.status == 200);
  a.proc->signal(SIGKILL);
  deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    stats = call(front.port, get_request("/stats")).body_json();
    if (stats["peers"][0]["state"] != "up")
      break;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(stats["peers"][0]["state"] != "up");
  CHECK(stats["peers"][0]["calls"].get<int64_t>() >= 6);
}
