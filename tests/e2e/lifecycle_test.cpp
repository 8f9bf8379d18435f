// tests/e2e/lifecycle_test.cpp — how order-node starts and stops: options on
// the command line and in the config file, refusals with a sentence that
// names the problem, and SIGTERM/SIGINT draining the orders in flight in
// every mode (here without the HTTP ingress; tests/e2e/http_test.cpp has the
// ingress's drain).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common.hpp"
#include "process.hpp"

using namespace order_node::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

run_result run_node(const std::vector<std::string>& args,
                    const std::string& input) {
  auto all = args;
  all.insert(all.begin(), "--http=off");
  return run_process(ORDER_NODE_BIN, all, input, 60s);
}

// A config file in a fresh temporary directory, removed at the end.
struct config_file {
  std::filesystem::path path
    = std::filesystem::temp_directory_path()
      / ("order-node-" + std::to_string(::getpid()) + ".ini");
  explicit config_file(const std::string& text) { std::ofstream{path} << text; }
  ~config_file() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  std::string arg() const { return "--config-file=" + path.string(); }
};

json first_line(const run_result& r) {
  auto lines = r.lines();
  REQUIRE_MESSAGE(!lines.empty(), "no output; stderr: " << r.err);
  return json::parse(lines[0]);
}

// The carriers asked for an order, from its call records.
std::vector<std::string> carriers_of(const json& result) {
  std::vector<std::string> out;
  for (auto& c : result["calls"])
    if (c["service"] == "shipping")
      out.push_back(c["instance"]);
  return out;
}

} // namespace

TEST_CASE("a boolean option takes --name, --name=true and --name=false") {
  auto order = "order " + tutorial_args + "\n";
  for (auto arg : {"--order.fastship", "--order.fastship=true"}) {
    CAPTURE(arg);
    auto r = run_node({"--seed=7", arg}, order);
    CHECK(r.exit_code == 0);
    auto carriers = carriers_of(first_line(r));
    CHECK(std::count(carriers.begin(), carriers.end(), "FastShip") == 1);
  }
  config_file ini{"[order]\nfastship = true\n"};
  auto off = run_node({"--seed=7", ini.arg(), "--order.fastship=false"}, order);
  CHECK(off.exit_code == 0);
  auto carriers = carriers_of(first_line(off));
  CHECK_MESSAGE(std::count(carriers.begin(), carriers.end(), "FastShip") == 0,
                "the command line overrides the config file");
  auto bad = run_node({"--order.fastship=yes"}, "");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--order.fastship is true or false, got 'yes'")
        != std::string::npos);
}

TEST_CASE("an unknown or malformed option is refused with a sentence") {
  auto u = run_node({"--sed=7"}, "");
  CHECK(u.exit_code == 2);
  CHECK(u.err.find("order-node: unknown option --sed (see --help)")
        != std::string::npos);
  auto v = run_node({"--max-attempts=three"}, "");
  CHECK(v.exit_code == 2);
  CHECK(v.err.find("--max-attempts must be a") != std::string::npos);
  CHECK(v.err.find("parser_error") == std::string::npos);
  auto w = run_node({"stray"}, "");
  CHECK(w.exit_code == 2);
  CHECK(w.err.find("unexpected argument 'stray'") != std::string::npos);
}

TEST_CASE("the config file's errors name the file, the line and the key") {
  config_file typo{"max-attempts = 1\nsed = 7\n"};
  auto a = run_node({typo.arg()}, "");
  CHECK(a.exit_code == 2);
  CHECK_MESSAGE(a.err.find(typo.path.string() + ":2: unknown option 'sed'")
                  != std::string::npos,
                a.err);
  config_file section{"[desk]\nmax-in-fligth = 5\n"};
  auto b = run_node({section.arg()}, "");
  CHECK(b.exit_code == 2);
  CHECK(b.err.find(":2: unknown option 'max-in-fligth' in [desk]")
        != std::string::npos);
  config_file type{"[services.payment]\nlatency = \"soon\"\n"};
  auto c = run_node({type.arg()}, "");
  CHECK(c.exit_code == 2);
  CHECK_MESSAGE(c.err.find(":2: latency must be a") != std::string::npos,
                c.err);
  config_file syntax{"[desk\n"};
  auto d = run_node({syntax.arg()}, "");
  CHECK(d.exit_code == 2);
  CHECK(d.err.find(syntax.path.string() + ":") != std::string::npos);
  CHECK(d.err.find("malformed config file") != std::string::npos);
  auto e = run_node({"--config-file=/nonexistent/order-node.ini"}, "");
  CHECK(e.exit_code == 2);
  CHECK(e.err.find("cannot read config file /nonexistent/order-node.ini")
        != std::string::npos);
  auto f = run_node({"--config-file=/tmp"}, "");
  CHECK(f.exit_code == 2);
  CHECK_MESSAGE(f.err.find("cannot read config file /tmp: it is a directory")
                  != std::string::npos,
                f.err);
  config_file words{"max-attempts = \"x\"\n"};
  auto g = run_node({words.arg()}, "");
  CHECK_MESSAGE(g.err.find(":1: max-attempts must be an integer, got \"x\"")
                  != std::string::npos,
                g.err);
}

TEST_CASE("scheduler.max-threads=0 is refused at start, not a hang") {
  auto r = run_node({"--scheduler.max-threads=0"}, "");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("scheduler.max-threads must be from 1 to 1024, "
                           "got 0")
                  != std::string::npos,
                r.err);
}

TEST_CASE("a valid config file sets options like the command line") {
  config_file ini{"seed = 7\nmax-attempts = 1\n[desk]\nmax-in-flight = 50\n"
                  "[services.fraud]\nlatency = 400ms\n"};
  auto r = run_node({ini.arg()}, "order " + tutorial_args + "\n");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("seed=7") != std::string::npos);
  CHECK(r.err.find("max-attempts=1") != std::string::npos);
  CHECK(r.err.find("max-in-flight=50") != std::string::npos);
  CHECK_MESSAGE(first_line(r)["processingTimeMs"].get<int>() >= 400,
                "a [services.fraud] section applies (CAF alone ignores it)");
  auto cli = run_node({ini.arg(), "--services.fraud.latency=200ms"},
                      "order " + tutorial_args + "\n");
  // The fraud call's own time, against the file's run: 200 ms against
  // 400 ms (whole orders add what a loaded machine, or TSan, adds).
  auto fraud_ms = [](const json& result) {
    for (auto& c : result["calls"])
      if (c["service"] == "fraud")
        return c["ms"].get<double>();
    return -1.0;
  };
  auto by_file = fraud_ms(first_line(r));
  auto by_cli = fraud_ms(first_line(cli));
  CHECK_MESSAGE((by_cli >= 200 && by_cli + 100 < by_file),
                "the command line wins: fraud " << by_cli << " ms against "
                                                << by_file << " ms");
}

TEST_CASE("--long-help names the config file order-node.ini") {
  auto r = run_process(ORDER_NODE_BIN, {"--long-help"}, "", 10s);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("order-node.ini") != std::string::npos);
  CHECK(r.out.find("caf-application.ini") == std::string::npos);
}

TEST_CASE("role=front without --peers refuses to start") {
  auto r = run_node({"--role=front"}, "");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("role=front needs --peers") != std::string::npos);
}

TEST_CASE("a script exits 0 when every line got a result, 1 otherwise") {
  auto good = run_node({"--seed=7"}, "order " + tutorial_args + "\nstats\n");
  CHECK(good.exit_code == 0);
  auto bad = run_node({"--seed=7"}, "order " + tutorial_args + "\nfly\n");
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.lines().size() == 2, "the results still all print");
  auto full
    = run_node({"--seed=7", "--desk.max-in-flight=1"},
               "order " + tutorial_args + "\norder " + tutorial_args + "\n");
  CHECK_MESSAGE(full.exit_code == 1, "an order refused as overloaded is not "
                                     "accepted");
}

TEST_CASE("one idempotency key in order and slow lines is two orders") {
  auto r = run_node({"--seed=7"}, "order " + tutorial_args + " key=k1\nslow "
                                    + tutorial_args + " key=k1\n");
  CHECK(r.exit_code == 0);
  auto lines = r.lines();
  REQUIRE(lines.size() == 2);
  auto a = json::parse(lines[0]);
  auto b = json::parse(lines[1]);
  CHECK(a["orderId"] != b["orderId"]);
}

namespace {

// A node without the ingress reading a script that stays open (as a
// terminal would), one order in flight for about a second.
struct busy_node {
  child proc{ORDER_NODE_BIN,
             {"--http=off", "--seed=7", "--log-level=debug",
              "--services.fraud.latency=1s", "--deadline=5s"},
             true};
  busy_node() {
    REQUIRE(!proc.wait_for("order-node started", 10s).empty());
    REQUIRE(proc.send("order " + tutorial_args + "\n"));
    REQUIRE_MESSAGE(!proc.wait_for("call fraud", 10s).empty(), proc.err());
  }
};

} // namespace

TEST_CASE("SIGTERM and SIGINT without the ingress answer the orders in "
          "flight, then exit 0") {
  for (int signo : {SIGTERM, SIGINT}) {
    CAPTURE(signo);
    busy_node n;
    n.proc.signal(signo);
    auto line = n.proc.read_line(10s);
    REQUIRE_MESSAGE(!line.empty(), "the order in flight is answered");
    CHECK(json::parse(line)["processingTimeMs"].get<int>() >= 1000);
    CHECK(n.proc.stop(0, 10s) == 0);
    CHECK(n.proc.err().find("answer the orders in flight")
          != std::string::npos);
  }
}

TEST_CASE("a second signal exits at once without draining") {
  busy_node n;
  n.proc.signal(SIGINT);
  REQUIRE(!n.proc.wait_for("signal 2:", 5s).empty());
  n.proc.signal(SIGINT);
  CHECK(!n.proc.wait_for("exiting at once", 5s).empty());
  CHECK(n.proc.stop(0, 5s) == 128 + SIGINT);
}

TEST_CASE("--version prints the project's version on one line") {
  auto r = run_process(ORDER_NODE_BIN, {"--version"}, "", 10s);
  CHECK(r.exit_code == 0);
  REQUIRE(r.lines().size() == 1);
  auto line = r.lines()[0];
  CHECK_MESSAGE(line.rfind("order-node " ORDER_NODE_VERSION, 0) == 0, line);
  CHECK_MESSAGE(
    std::regex_match(line, std::regex{"order-node [0-9]+\\.[0-9]+\\.[0-9]+"
                                      "( \\(git [0-9A-Za-z._-]+\\))?"}),
    line);
}

TEST_CASE("the service's config file (packaging/order-node.conf) starts a "
          "node") {
  child node{ORDER_NODE_BIN,
             {"--repl=off", "--config-file=" PACKAGING_DIR "/order-node.conf",
              "--http=127.0.0.1:0"}};
  CHECK_MESSAGE(!node.wait_for("http: listening on", 15s).empty(), node.err());
  CHECK(node.stop(SIGTERM, 15s) == 0);
}

namespace {

// `text` split at its newlines (stderr: each line a log line).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

} // namespace

TEST_CASE("a log line's time carries its offset from UTC") {
  auto r = run_node({"--seed=7"}, "order " + tutorial_args + "\n");
  auto lines = split_lines(r.err);
  REQUIRE(!lines.empty());
  std::regex line{"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"
                  "[+-]\\d\\d:\\d\\d (info|warning|error) .*"};
  for (auto& l : lines)
    CHECK_MESSAGE(std::regex_match(l, line), l);
}

TEST_CASE("--log.format=json writes one JSON object a line") {
  auto r = run_node({"--seed=7", "--log.format=json"},
                    "order " + tutorial_args + "\n");
  CHECK(r.exit_code == 0);
  auto lines = split_lines(r.err);
  REQUIRE(!lines.empty());
  bool order_line = false;
  for (auto& l : lines) {
    auto j = json::parse(l, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), l);
    CHECK(j.size() == 4);
    CHECK(std::regex_match(j["time"].get<std::string>(),
                           std::regex{".*T.*\\.\\d{3}[+-]\\d\\d:\\d\\d"}));
    CHECK(j["level"].is_string());
    CHECK(j["logger"].is_string());
    auto message = j["message"].get<std::string>();
    order_line
      = order_line || message.rfind("Order processed in parallel", 0) == 0;
  }
  CHECK_MESSAGE(order_line, r.err);
}

TEST_CASE("--log.file writes the logs to the file, not to stderr") {
  work_dir dir;
  auto file = dir.path + "/node.log";
  auto r = run_node({"--seed=7", "--log.file=" + file},
                    "order " + tutorial_args + "\n");
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(r.err.empty(), r.err);
  std::ifstream in{file};
  std::ostringstream text;
  text << in.rdbuf();
  CHECK(text.str().find(" info order-node started: ") != std::string::npos);
  CHECK(text.str().find(" info order-node stopped") != std::string::npos);
  std::ofstream{dir.path + "/plain"} << "a file, not a directory\n";
  auto bad = run_node({"--log.file=" + dir.path + "/plain/node.log"}, "");
  CHECK(bad.exit_code == 1);
  CHECK_MESSAGE(bad.err.find("order-node: cannot open log file") == 0, bad.err);
}

TEST_CASE("a bad --log.* value is refused at startup") {
  auto f = run_node({"--log.format=xml"}, "");
  CHECK(f.exit_code == 2);
  CHECK(f.err.find("log.format must be text or json, got 'xml'")
        != std::string::npos);
  auto s = run_node({"--log.file-size=10MB"}, "");
  CHECK(s.exit_code == 2);
  CHECK(s.err.find("log.file-size must be from 64KiB") != std::string::npos);
}
