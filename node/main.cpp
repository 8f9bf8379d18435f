// node/main.cpp — the order-node program: parse the configuration, start the
// role's actors (single: the whole pipeline; services: service instances
// published on --listen; front: desk and peer manager; client: a relay to a
// remote front's desk), the HTTP ingress and the REPL; on the end of input,
// `quit`, SIGTERM or SIGINT, drain what is in flight and stop.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/cluster/node_actor.hpp"
#include "actors/desk/desk_router.hpp"
#include "actors/services/directory.hpp"
#include "actors/services/services.hpp"
#include "actors/support/log.hpp"
#include "messages/registry.hpp"
#include "node/cluster.hpp"
#include "node/config.hpp"
#include "node/http_server.hpp"
#include "node/repl.hpp"
#include "node/signals.hpp"

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

std::chrono::milliseconds to_ms(caf::timespan x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x);
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

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

// Publishes `node` on --listen; the address it is reachable at, or empty
// (logged) if the port cannot be bound.
std::string publish(caf::actor_system& sys, const node_config& cfg,
                    const node_actor& node) {
  auto port = publish_node(sys, cfg, node);
  if (!port) {
    node_log().error("cannot listen on {}: {}", cfg.listen_address(),
                     sys.render(port.error()));
    return {};
  }
  std::string host;
  uint16_t ignored = 0;
  parse_host_port(cfg.listen_address(), host, ignored);
  auto address = host + ":" + std::to_string(*port);
  node_log().info("cluster: listening on {}{}", address,
                  cfg.tls() ? " (TLS)" : "");
  return address;
}

// role=services: hosts the instances, publishes them, waits for SIGTERM or
// SIGINT.
int run_services(caf::actor_system& sys, const node_config& cfg,
                 uint64_t seed) {
  auto svc = cfg.make_services(seed, cfg.latency_scale);
  node_info info;
  info.role = "services";
  info.routes = spawn_services(sys, svc);
  auto node = spawn_node_actor(sys, info, protocol_fingerprint());
  auto address = publish(sys, cfg, node);
  if (address.empty()) {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    stop_services(info.routes);
    return 1;
  }
  caf::anon_send(node, name_atom::value, "services@" + address);
  node_log().info("order-node started: role=services seed={} hosts={}", seed,
                  join(svc.hosts.empty() ? instance_names(svc) : svc.hosts));
  wake_pipe stop;
  {
    signal_watcher signals{[&stop](int signo) {
      node_log().info("signal {}: stop", signo);
      stop.wake();
    }};
    stop.wait();
  }
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  stop_services(info.routes);
  node_log().info("order-node stopped");
  flush_logs();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // SIGINT and SIGTERM are blocked from the first instruction, before any
  // thread starts (threads inherit the mask), and only ever received by the
  // signal watcher (node/signals.hpp): a signal during startup waits for it
  // and is then handled like any other (drain, exit 0).
  auto stop_signals = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  node_config cfg;
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
  auto& log = node_log();
  log.set_level(spdlog::level::from_str(cfg.log_level));
  auto seed
    = cfg.seed_given() ? static_cast<uint64_t>(cfg.seed) : random_seed();
  auto role = cfg.role;
  if (role != "single")
    load_cluster_modules(cfg);
  bool ingress = cfg.http != "off" && role != "client";
  caf::actor_system sys{cfg};
  if (role == "services")
    return run_services(sys, cfg, seed);
  auto desk_cfg = cfg.make_desk(seed);
  // The desk answers every order by its deadline; the margin only bounds a
  // desk that stopped answering.
  auto order_timeout = cfg.deadline + std::chrono::seconds(2);
  // The desk orders go to, and what stops with it.
  pipeline main_pipeline;
  peers_actor peers;
  node_actor published;
  order_desk_actor desk;
  if (role == "single") {
    main_pipeline = spawn_pipeline(
      sys, cfg.make_services(seed, cfg.latency_scale), desk_cfg);
    desk = main_pipeline.desk;
  } else if (role == "front") {
    main_pipeline.directory = sys.spawn(directory, service_routes{});
    main_pipeline.desk = spawn_desk(sys, main_pipeline.directory, desk_cfg);
    desk = main_pipeline.desk;
    auto pc = make_peers_config(sys, cfg);
    pc.directory = main_pipeline.directory;
    peers = spawn_peers(sys, std::move(pc));
    if (!cfg.listen.empty()) {
      node_info info;
      info.role = "front";
      info.desk = desk;
      auto node
        = spawn_node_actor(sys, std::move(info), protocol_fingerprint());
      published = node;
      auto address = publish(sys, cfg, published);
      if (address.empty()) {
        caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
        caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
        stop_pipeline(main_pipeline);
        return 1;
      }
      caf::anon_send(node, name_atom::value, "front@" + address);
    }
  } else { // client
    auto pc = make_peers_config(sys, cfg);
    // The front answers every order by its own deadline; this
    // only bounds a front that stops answering without dropping the line.
    order_timeout = std::chrono::minutes(1) + cfg.deadline;
    auto relay
      = sys.spawn(desk_relay, relay_args{"the front at " + cfg.connect,
                                         std::make_shared<relay_counters>()});
    pc.desk = relay;
    peers = spawn_peers(sys, std::move(pc));
    desk = relay;
    main_pipeline.desk = relay; // stopped with the pipeline
  }
  if (peers) {
    // Scripts expect the cluster to be there: wait until every peer is up
    // or has failed its first attempt (bounded by the connect timeout).
    caf::scoped_actor self{sys};
    int32_t up = -1;
    self
      ->request(peers, 2 * cfg.connect_timeout + std::chrono::seconds(1),
                ready_atom::value)
      .receive([&](int32_t n) { up = n; }, [](caf::error&) {});
    auto total = cfg.peer_list().size();
    log.info("cluster: {} of {} peers up", std::max(up, 0), total);
    if (role == "client" && up < 1) {
      log.error("cannot reach the front at {} (see the warnings above); "
                "exiting",
                cfg.connect);
      caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
      stop_pipeline(main_pipeline);
      return 1;
    }
  }
  if (role == "client")
    log.info("order-node started: role=client front={}", cfg.connect);
  else
    log.info("order-node started: role={} engine={} seed={}{} deadline={}ms "
             "max-attempts={} latency-scale={} max-in-flight={}",
             role, cfg.engine, seed, cfg.seed_given() ? "" : " (random)",
             to_ms(cfg.deadline).count(), cfg.max_attempts, cfg.latency_scale,
             cfg.max_in_flight);
  wake_pipe stop;
  std::unique_ptr<http_server> server;
  if (ingress) {
    http_options hopts;
    parse_host_port(cfg.http, hopts.host, hopts.port);
    hopts.idle_timeout = to_ms(cfg.idle_timeout);
    hopts.drain_timeout = to_ms(cfg.drain_timeout);
    hopts.io_threads = cfg.io_threads > 0
                         ? static_cast<int>(cfg.io_threads)
                         : static_cast<int>(std::clamp(
                           std::thread::hardware_concurrency(), 1u, 8u));
    hopts.order_timeout = to_ms(order_timeout);
    hopts.role = role;
    std::string error;
    server = http_server::start(sys, desk, hopts, error);
    if (!server) {
      log.error("{}; another order-node may hold the port: stop it, or "
                "pass another --http=HOST:PORT, or --http=off for scripts",
                error);
      if (peers)
        caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
      if (published)
        caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
      stop_pipeline(main_pipeline);
      return 1;
    }
    log.info("http: listening on {}:{}", hopts.host, server->port());
  }
  // The first SIGINT or SIGTERM stops the input and the ingress; what is in
  // flight is answered (bounded by --ingress.drain-timeout), then the node
  // exits 0. A second one exits at once.
  std::atomic<bool> interrupted{false};
  signal_watcher signals{[&](int signo) {
    log.info("signal {}: stop reading input and accepting orders, answer the "
             "orders in flight, exit",
             signo);
    interrupted = true;
    if (server)
      server->shutdown({});
    stop.wake();
  }};
  int rc = 0;
  if (cfg.repl == "on") {
    repl_options opts;
    opts.interactive = ::isatty(STDIN_FILENO) != 0;
    opts.order_timeout = order_timeout;
    opts.latency_scale = cfg.latency_scale;
    opts.peers = peers;
    opts.interrupted = &interrupted;
    opts.drain_timeout = cfg.drain_timeout;
    if (role == "single")
      opts.make_bench_pipeline = [&](double scale) {
        return spawn_pipeline(sys, cfg.make_services(seed, scale), desk_cfg);
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
    rc = run_repl(sys, desk, *input, opts);
  } else {
    stop.wait(); // until a signal
  }
  if (server) {
    server->shutdown({});
    server->join();
  }
  if (peers)
    caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
  if (published)
    caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
  stop_pipeline(main_pipeline);
  log.info("order-node stopped");
  flush_logs();
  return rc;
}
