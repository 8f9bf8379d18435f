// node/repl/bench.hpp — the REPL's `bench`: a closed loop that keeps
// `concurrency` orders in flight at a desk until `orders` have answered, then
// reports throughput, latency percentiles and the count of every status.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/interfaces.hpp"
#include "node/repl/command.hpp"

namespace order_node {

struct bench_report {
  int64_t orders = 0;
  int64_t concurrency = 0;
  order_kind mode = order_kind::parallel;
  double latency_scale = 1;
  double seconds = 0;
  std::vector<int64_t> latencies_us;                   // sorted, one per order
  std::vector<std::pair<std::string, int64_t>> counts; // status -> orders
  /// The latencies of the orders sent `steady_after` or later after the
  /// start, sorted: the closed loop without its first waves, which start
  /// all `concurrency` orders at once.
  std::vector<int64_t> steady_us;

  static constexpr std::chrono::seconds steady_after{1};

  /// Nearest-rank percentile in milliseconds (q from 0 to 1) of
  /// latencies_us, or of `xs`.
  double percentile_ms(double q) const;
  static double percentile_ms(const std::vector<int64_t>& xs, double q);
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bench_report& x) {
  return f(caf::meta::type_name("bench_report"), x.orders, x.concurrency,
           x.mode, x.latency_scale, x.seconds, x.latencies_us, x.counts,
           x.steady_us);
}

using bench_actor
  = caf::typed_actor<caf::replies_to<run_atom>::with<bench_report>>;

/// Spawns a driver for `cmd` against `desk`; `run` starts it and answers at
/// the end, or with an error when no order has answered for `order_timeout`.
/// Progress goes to stderr once a second. `latency_scale` is only reported.
bench_actor spawn_bench(caf::actor_system& sys, order_desk_actor desk,
                        bench_command cmd, double latency_scale,
                        caf::timespan order_timeout);

} // namespace order_node
