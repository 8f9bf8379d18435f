// node/main.cpp — the order-node program: parse the configuration, start the
// pipeline (single role), the HTTP ingress and the REPL; on the end of input,
// `quit`, SIGTERM or SIGINT, drain what is in flight and stop.
#include <iostream>
#include <random>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "node/config.hpp"
#include "node/http_server.hpp"
#include "node/repl.hpp"

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

} // namespace

int main(int argc, char** argv) {
  node_config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "-?" || arg == "--help") {
      std::cout << cfg.usage();
      return 0;
    }
  }
  if (auto err = cfg.parse(argc, argv, "order-node.ini")) {
    std::cerr << "order-node: " << caf::actor_system_config::render(err)
              << " (see --help)\n";
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (auto problem = cfg.check(); !problem.empty()) {
    std::cerr << "order-node: " << problem << " (see --help)\n";
    return 2;
  }
  auto& log = node_log();
  log.set_level(spdlog::level::from_str(cfg.log_level));
  auto seed
    = cfg.seed_given() ? static_cast<uint64_t>(cfg.seed) : random_seed();
  caf::actor_system sys{cfg};
  auto desk_cfg = cfg.make_desk(seed);
  auto main_pipeline
    = spawn_pipeline(sys, cfg.make_services(seed, cfg.latency_scale), desk_cfg);
  log.info("order-node started: role=single seed={}{} deadline={}ms "
           "max-attempts={} latency-scale={} max-in-flight={}",
           seed, cfg.seed_given() ? "" : " (random)",
           to_ms(cfg.deadline).count(), cfg.max_attempts, cfg.latency_scale,
           cfg.max_in_flight);
  auto order_timeout = cfg.deadline + desk_cfg.grace + std::chrono::seconds(1);
  wake_pipe stop;
  std::unique_ptr<http_server> server;
  if (cfg.http != "off") {
    http_options hopts;
    parse_host_port(cfg.http, hopts.host, hopts.port);
    hopts.idle_timeout = to_ms(cfg.idle_timeout);
    hopts.drain_timeout = to_ms(cfg.drain_timeout);
    hopts.order_timeout = to_ms(order_timeout);
    std::string error;
    server = http_server::start(sys, main_pipeline.desk, hopts, error);
    if (!server) {
      log.error("{}", error);
      stop_pipeline(main_pipeline);
      return 1;
    }
    log.info("http: listening on {}:{}", hopts.host, server->port());
    auto* srv = server.get();
    server->on_signal([srv, &stop, &log](int signo) {
      log.info("signal {}: stop accepting, drain, exit", signo);
      srv->shutdown([&stop] { stop.wake(); });
    });
  }
  int rc = 0;
  if (cfg.repl == "on") {
    repl_options opts;
    opts.interactive = ::isatty(STDIN_FILENO) != 0;
    opts.order_timeout = order_timeout;
    opts.latency_scale = cfg.latency_scale;
    opts.make_bench_pipeline = [&](double scale) {
      return spawn_pipeline(sys, cfg.make_services(seed, scale), desk_cfg);
    };
    auto input = opts.interactive
                   ? make_terminal_reader("order-node> ", history_file(),
                                          max_line_bytes, stop.fds[0])
                   : make_fd_reader(STDIN_FILENO, max_line_bytes, stop.fds[0]);
    rc = run_repl(sys, main_pipeline.desk, *input, opts);
  } else {
    stop.wait(); // until a signal has drained the ingress
  }
  if (server) {
    server->shutdown({});
    server->join();
  }
  stop_pipeline(main_pipeline);
  log.info("order-node stopped");
  return rc;
}
