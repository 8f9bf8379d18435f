// node/repl/repl.hpp — the REPL and script runner: reads commands from stdin on
// the calling thread, hands orders to the desk without waiting (results print
// as they complete, one JSON line each) and returns once input has ended and
// every order has answered.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"
#include "node/repl/command.hpp"
#include "node/repl/line_reader.hpp"

namespace order_node {

/// A desk of its own for `bench latency-scale=X` (with services at that
/// scale), and how to stop it.
struct bench_desk {
  order_desk_actor desk;
  std::function<void()> stop;
};

struct repl_options {
  bool interactive = false; // terminal: prompt, banner, plain-text help
  /// The longest an order can take, for waiting on answers at the end.
  caf::timespan order_timeout = std::chrono::seconds(2);
  /// Builds a desk for `bench latency-scale=X`; the REPL stops it after.
  /// Unset where the services are not local (front, client roles).
  std::function<bench_desk(double)> make_bench_desk;
  double latency_scale = 1; // of the node's own services
  /// The node's peer manager (front, client); invalid: `nodes` lists none.
  peers_actor peers;
  /// Where every line goes (held by a terminal reader while it prompts).
  std::shared_ptr<output_lines> out = std::make_shared<output_lines>();
  /// Results as JSON lines (a pipe) or one short line each (a terminal).
  bool json_results = true;
  /// Set when a signal ended the input: the wait for the orders in flight
  /// is then bounded by drain_timeout.
  const std::atomic<bool>* interrupted = nullptr;
  caf::timespan drain_timeout = std::chrono::seconds(10);
};

/// Runs until the end of input, `quit` or a signal, then waits for the
/// orders in flight. Returns the exit status: 0, or 1 if the wait ran out
/// after a signal or, in a script (not interactive), any line got an error
/// instead of a result (a malformed line, an order refused as overloaded).
int run_repl(caf::actor_system& sys, order_desk_actor desk, line_reader& input,
             const repl_options& opts);

} // namespace order_node
