// node/repl.hpp — the REPL and script runner: reads commands from stdin on the
// calling thread, hands orders to the desk without waiting (results print as
// they complete, one JSON line each) and returns once input has ended and
// every order has answered.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/pipeline.hpp"
#include "node/command.hpp"
#include "node/line_reader.hpp"

namespace order_node {

struct repl_options {
  bool interactive = false; // terminal: prompt, banner, plain-text help
  /// The longest an order can take, for waiting on answers at the end.
  caf::timespan order_timeout = std::chrono::seconds(2);
  /// Builds a pipeline for `bench latency-scale=X`; the REPL stops it after.
  /// Unset where the services are not local (front, client roles).
  std::function<pipeline(double)> make_bench_pipeline;
  double latency_scale = 1; // of the node's own services
  /// The node's peer manager (front, client); invalid: `nodes` lists none.
  peers_actor peers;
};

/// Runs until the end of input or `quit`. Returns the exit status (0).
int run_repl(caf::actor_system& sys, order_desk_actor desk, line_reader& input,
             const repl_options& opts);

} // namespace order_node
