// node/app/main.cpp — the order-node program: parse the configuration,
// start the role's actors (node/app/roles.hpp), serve (the HTTP ingress and
// the REPL; a services node only waits), and on the end of input, `quit`,
// SIGTERM or SIGINT, drain what is in flight and stop.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/cluster/address.hpp"
#include "actors/support/log.hpp"
#include "messages/units.hpp"
#include "node/http/server.hpp"
#include "node/app/config.hpp"
#include "node/app/journal_tool.hpp"
#include "node/app/middleman.hpp"
#include "node/app/roles.hpp"
#include "node/app/signals.hpp"
#include "node/app/version.hpp"
#include "node/repl/repl.hpp"

using namespace order_node;

namespace {

uint64_t random_seed() {
  std::random_device rd;
  auto hi = static_cast<uint64_t>(rd()) << 31;
  return (hi ^ rd()) & 0x7FFFFFFFFFFFFFFFull;
}

std::string history_file() {
  auto home = std::getenv("HOME");
  return home != nullptr ? std::string{home} + "/.order_node_history" : "";
}

// Written to once when the HTTP ingress has stopped after a signal: ends the
// REPL's input (or the wait of --repl=off).
struct wake_pipe {
  int fds[2] = {-1, -1};
  wake_pipe() {
    if (::pipe(fds) != 0)
      fds[0] = fds[1] = -1;
  }
  ~wake_pipe() {
    for (int fd : fds)
      if (fd >= 0)
        ::close(fd);
  }
  void wake() const {
    char c = 1;
    [[maybe_unused]] auto n = ::write(fds[1], &c, 1);
  }
  void wait() const {
    char c;
    while (::read(fds[0], &c, 1) < 0 && errno == EINTR) {
    }
  }
};

// Parses the command line into `cfg`. An exit status if the program is
// done (help or the version printed, or options refused with one line on
// stderr).
std::optional<int> parse_command_line(int argc, char** argv, node_config& cfg) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "-?" || arg == "--help") {
      std::cout << cfg.usage();
      return 0;
    }
    if (arg == "--long-help") {
      std::cout << cfg.long_usage() << '\n';
      return 0;
    }
    if (arg == "--version") {
      std::cout << version_line() << '\n';
      return 0;
    }
  }
  if (auto problem = cfg.read_options(argc, argv); !problem.empty()) {
    std::cerr << "order-node: " << problem << " (see --help)\n";
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (auto problem = cfg.check(); !problem.empty()) {
    std::cerr << "order-node: " << problem << " (see --help)\n";
    return 2;
  }
  if (cfg.tls())
    if (auto problem = check_tls_files(cfg); !problem.empty()) {
      std::cerr << "order-node: " << problem << '\n';
      return 2;
    }
  return std::nullopt;
}

// A services node serves its instances until SIGTERM or SIGINT.
int serve_services() {
  wake_pipe stop;
  signal_watcher signals{[&stop](int signo) {
    node_log().info("signal {}: stop", signo);
    stop.wake();
  }};
  stop.wait();
  return 0;
}

// The HTTP ingress of `cfg`, started; null and the reason logged if it
// cannot start.
std::unique_ptr<http_server> start_ingress(caf::actor_system& sys,
                                           const node_config& cfg,
                                           const role_actors& role) {
  auto& log = node_log();
  http_options hopts;
  parse_host_port(cfg.http, hopts.host, hopts.port);
  hopts.idle_timeout = to_ms(cfg.idle_timeout);
  hopts.drain_timeout = to_ms(cfg.drain_timeout);
  hopts.io_threads = cfg.io_threads > 0
                       ? static_cast<int>(cfg.io_threads)
                       : static_cast<int>(std::clamp(
                         std::thread::hardware_concurrency(), 1u, 8u));
  hopts.order_timeout = to_ms(role.order_timeout);
  hopts.role = cfg.role;
  hopts.tls_cert = cfg.http_tls_cert;
  hopts.tls_key = cfg.http_tls_key;
  std::string error;
  if (!cfg.http_token_file.empty()
      && !load_token(cfg.http_token_file, hopts.token, error)) {
    log.error("{}", error);
    return nullptr;
  }
  auto server = http_server::start(
    sys, http_backends{role.desk, role.reader, role.peers}, hopts, error);
  if (!server) {
    if (error.rfind("http.tls-", 0) == 0)
      log.error("{}", error);
    else
      log.error("{}; another order-node may hold the port: stop it, or "
                "pass another --http=HOST:PORT, or --http=off for scripts",
                error);
    return nullptr;
  }
  log.info("http: listening on {}:{}{}{}", hopts.host, server->port(),
           hopts.tls_cert.empty() ? "" : " (TLS)",
           hopts.token.empty() ? "" : " (bearer token required)");
  return server;
}

// Reads commands from stdin until its end, `quit` or `stop` (a signal): the
// REPL's exit status.
int read_commands(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                  const role_actors& role, const wake_pipe& stop,
                  const std::atomic<bool>& interrupted) {
  repl_options opts;
  opts.interactive = ::isatty(STDIN_FILENO) != 0;
  opts.order_timeout = role.order_timeout;
  opts.latency_scale = cfg.latency_scale;
  opts.peers = role.peers;
  opts.interrupted = &interrupted;
  opts.drain_timeout = cfg.drain_timeout;
  if (cfg.role == "single")
    opts.make_bench_desk = [&](double scale) {
      auto own = spawn_pipeline(sys, cfg.make_services(seed, scale),
                                cfg.make_desk(seed));
      return bench_desk{own.desk, [own] { stop_pipeline(own); }};
    };
  // A person at a terminal reads one short line per result; a pipe gets
  // JSON lines.
  opts.json_results = !(opts.interactive && ::isatty(STDOUT_FILENO) != 0);
  if (opts.interactive)
    opts.out->hold(); // results print above the prompt
  auto input
    = opts.interactive
        ? make_terminal_reader("order-node> ", history_file(), max_line_bytes,
                               stop.fds[0], opts.out.get())
        : make_fd_reader(STDIN_FILENO, max_line_bytes, stop.fds[0]);
  return run_repl(sys, role.desk, *input, opts);
}

// Every other role serves orders: the HTTP ingress (unless off, or a
// client) and the REPL (or, with --repl=off, nothing but the wait for a
// signal). The REPL's exit status, or 1 if the ingress cannot start.
int serve_orders(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                 const role_actors& role) {
  wake_pipe stop;
  std::unique_ptr<http_server> server;
  if (cfg.http != "off" && cfg.role != "client") {
    server = start_ingress(sys, cfg, role);
    if (!server)
      return 1;
  }
  // The first SIGINT or SIGTERM stops the input and the ingress; what is in
  // flight is answered (bounded by --ingress.drain-timeout), then the node
  // exits 0. A second one exits at once.
  std::atomic<bool> interrupted{false};
  signal_watcher signals{[&](int signo) {
    node_log().info("signal {}: stop reading input and accepting orders, "
                    "answer the orders in flight, exit",
                    signo);
    interrupted = true;
    if (server)
      server->shutdown({});
    stop.wake();
  }};
  int rc = 0;
  if (cfg.repl == "on")
    rc = read_commands(sys, cfg, seed, role, stop, interrupted);
  else
    stop.wait(); // until a signal
  if (server) {
    server->shutdown({});
    server->join();
    if (server->dropped() > 0)
      rc = 1; // the drain timeout left clients without their answer
  }
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  // SIGINT and SIGTERM are blocked from the first instruction, before any
  // thread starts (threads inherit the mask), and only ever received by the
  // signal watcher (node/app/signals.hpp): a signal during startup waits
  // for it and is then handled like any other (drain, exit 0).
  auto stop_signals = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Reading a journal starts no node (node/app/journal_tool.hpp).
  if (argc >= 2 && std::string_view{argv[1]} == "journal")
    return run_journal_tool(argc, argv);
  node_config cfg;
  if (auto done = parse_command_line(argc, argv, cfg))
    return *done;
  if (auto problem = configure_logs(cfg.make_log()); !problem.empty()) {
    std::cerr << "order-node: " << problem << '\n';
    return 1;
  }
  auto seed
    = cfg.seed_given() ? static_cast<uint64_t>(cfg.seed) : random_seed();
  opened_journal journal;
  if (std::string error; !open_journal(cfg, journal, error)) {
    std::cerr << "order-node: " << error << '\n';
    return 1;
  }
  if (cfg.role != "single")
    load_cluster_modules(cfg);
  caf::actor_system sys{cfg};
  role_actors role;
  int rc = 1;
  if (start_role(sys, cfg, seed, std::move(journal), role)) {
    rc = cfg.role == "services" ? serve_services()
                                : serve_orders(sys, cfg, seed, role);
    // What the ingress and the REPL no longer wait for (remote clients'
    // orders, those resumed at start) is answered too, or counted.
    if (role.drain(sys, cfg.drain_timeout) > 0)
      rc = 1;
  }
  role.stop();
  node_log().info("order-node stopped");
  flush_logs();
  return rc;
}
