// node/main.cpp — the order-node program: parse the configuration, start the
// pipeline (single role), run the REPL on stdin, stop.
#include <iostream>
#include <random>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "node/config.hpp"
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
  log.info(
    "order-node started: role=single seed={}{} deadline={}ms "
    "max-attempts={} latency-scale={} max-in-flight={}",
    seed, cfg.seed_given() ? "" : " (random)",
    std::chrono::duration_cast<std::chrono::milliseconds>(cfg.deadline).count(),
    cfg.max_attempts, cfg.latency_scale, cfg.max_in_flight);
  repl_options opts;
  opts.interactive = ::isatty(STDIN_FILENO) != 0;
  opts.order_timeout = cfg.deadline + desk_cfg.grace + std::chrono::seconds(1);
  opts.latency_scale = cfg.latency_scale;
  opts.make_bench_pipeline = [&](double scale) {
    return spawn_pipeline(sys, cfg.make_services(seed, scale), desk_cfg);
  };
  auto input
    = opts.interactive
        ? make_terminal_reader("order-node> ", history_file(), max_line_bytes)
        : make_fd_reader(STDIN_FILENO, max_line_bytes);
  auto rc = run_repl(sys, main_pipeline.desk, *input, opts);
  stop_pipeline(main_pipeline);
  log.info("order-node stopped");
  return rc;
}
