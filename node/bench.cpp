// node/bench.cpp — see bench.hpp.
#include "node/bench.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/errors.hpp"

namespace order_node {

namespace {

using bench_impl = bench_actor::extend<caf::reacts_to<tick_atom>>;

struct bench_state {
  bench_command cmd;
  order_desk_actor desk;
  caf::timespan timeout;
  order_submission proto;
  bench_report report;
  int64_t sent = 0;
  int64_t done = 0;
  int64_t done_at_tick = 0;
  caf::actor_clock::time_point start;
  caf::actor_clock::time_point last_tick;
  caf::typed_response_promise<bench_report> promise;
  static constexpr const char* name = "bench";
};

using bench_self = bench_impl::stateful_pointer<bench_state>;

void count_status(bench_report& rep, const std::string& status) {
  for (auto& kv : rep.counts)
    if (kv.first == status) {
      ++kv.second;
      return;
    }
  rep.counts.emplace_back(status, 1);
}

void send_one(bench_self self);

void on_done(bench_self self, caf::actor_clock::time_point t0,
             const std::string& status) {
  auto& st = self->state;
  auto now = self->clock().now();
  st.report.latencies_us.push_back(
    std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count());
  count_status(st.report, status);
  ++st.done;
  if (st.sent < st.cmd.orders) {
    send_one(self);
    return;
  }
  if (st.done < st.cmd.orders)
    return;
  auto& rep = st.report;
  rep.seconds = std::chrono::duration<double>(now - st.start).count();
  std::sort(rep.latencies_us.begin(), rep.latencies_us.end());
  st.promise.deliver(std::move(rep));
  self->quit();
}

void send_one(bench_self self) {
  auto& st = self->state;
  ++st.sent;
  auto t0 = self->clock().now();
  self->request(st.desk, st.timeout, submit_atom::value, st.proto)
    .then(
      [=](order_result& r) { on_done(self, t0, r.status); },
      [=](caf::error& err) { on_done(self, t0, "error: " + error_text(err)); });
}

bench_impl::behavior_type bench(bench_self self, order_desk_actor desk,
                                bench_command cmd, double latency_scale,
                                caf::timespan timeout) {
  auto& st = self->state;
  st.cmd = cmd;
  st.desk = std::move(desk);
  st.timeout = timeout;
  st.proto.kind = cmd.mode;
  st.proto.request
    = order_request{"user123", "prod456", 2, 99.99, 5.5, "New York"};
  st.report.orders = cmd.orders;
  st.report.concurrency = cmd.concurrency;
  st.report.mode = cmd.mode;
  st.report.latency_scale = latency_scale;
  st.report.latencies_us.reserve(static_cast<size_t>(cmd.orders));
  return {
    [=](run_atom) {
      auto& st = self->state;
      st.promise = self->make_response_promise<bench_report>();
      st.start = st.last_tick = self->clock().now();
      auto first = std::min(st.cmd.concurrency, st.cmd.orders);
      for (int64_t i = 0; i < first; ++i)
        send_one(self);
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
      return st.promise;
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      auto secs = std::chrono::duration<double>(now - st.last_tick).count();
      std::fprintf(stderr, "bench: %lld/%lld orders done, %.0f orders/s\n",
                   static_cast<long long>(st.done),
                   static_cast<long long>(st.cmd.orders),
                   static_cast<double>(st.done - st.done_at_tick) / secs);
      st.done_at_tick = st.done;
      st.last_tick = now;
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
    },
  };
}

} // namespace

double bench_report::percentile_ms(double q) const {
  if (latencies_us.empty())
    return 0;
  auto n = latencies_us.size();
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  auto i = std::min(n - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(latencies_us[i]) / 1000.0;
}

bench_actor spawn_bench(caf::actor_system& sys, order_desk_actor desk,
                        bench_command cmd, double latency_scale,
                        caf::timespan order_timeout) {
  return sys.spawn(bench, std::move(desk), cmd, latency_scale, order_timeout);
}

} // namespace order_node
