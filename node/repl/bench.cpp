// node/repl/bench.cpp — see bench.hpp.
#include "node/repl/bench.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/errors.hpp"

namespace order_node {

namespace {

// One client actor keeps at most this many orders in flight: CAF 0.17 finds
// the answer to a request among its actor's pending requests by a linear
// search in a flat vector, so one actor with 10,000 requests in flight
// would spend more time there than the desk spends on the orders. At 256
// a worker that search (and the erase behind it) was still 12 % of all
// instructions at 1,000 in flight (callgrind); at 64 it is a quarter of
// that, and 32 a worker did no better at 10,000 in flight.
//
// The requests carry no timeout: in CAF 0.17 each one is an entry in the
// clock's locked map and wakes the clock's thread, which cost a fifth of the
// CPU at 100,000 orders/s. The desk answers every order by its deadline;
// a watchdog in the driver ends a bench that makes no progress instead.
constexpr int64_t in_flight_per_worker = 64;

using bench_impl = bench_actor::extend<caf::reacts_to<tick_atom>>;

// A worker: a closed loop of `concurrency` orders until `orders` answered.
struct worker_state {
  order_desk_actor desk;
  order_submission proto;
  bench_report report; // orders, concurrency, latencies_us and counts
  std::shared_ptr<std::atomic<int64_t>> done_total; // progress, for ticks
  int64_t sent = 0;
  int64_t done = 0;
  caf::actor_clock::time_point start; // of this worker's loop
  caf::typed_response_promise<bench_report> promise;
  static constexpr const char* name = "bench_worker";
};

using worker_self = bench_actor::stateful_pointer<worker_state>;

void count_status(bench_report& rep, const std::string& status, int64_t n = 1) {
  for (auto& kv : rep.counts)
    if (kv.first == status) {
      kv.second += n;
      return;
    }
  rep.counts.emplace_back(status, n);
}

// Sends one order; `now` is its start (the caller's clock reading).
void send_one(worker_self self, caf::actor_clock::time_point now);

void on_done(worker_self self, caf::actor_clock::time_point t0,
             const std::string& status) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto us
    = std::chrono::duration_cast<std::chrono::microseconds>(now - t0).count();
  st.report.latencies_us.push_back(us);
  if (t0 - st.start >= bench_report::steady_after)
    st.report.steady_us.push_back(us);
  count_status(st.report, status);
  ++st.done;
  ++*st.done_total;
  if (st.sent < st.report.orders) {
    send_one(self, now);
    return;
  }
  if (st.done < st.report.orders)
    return;
  st.promise.deliver(std::move(st.report));
  self->quit();
}

void send_one(worker_self self, caf::actor_clock::time_point t0) {
  auto& st = self->state;
  ++st.sent;
  self->request(st.desk, caf::infinite, submit_atom::value, st.proto)
    .then(
      [=](order_result& r) { on_done(self, t0, to_string(r.status)); },
      [=](caf::error& err) { on_done(self, t0, "error: " + error_text(err)); });
}

bench_actor::behavior_type
bench_worker(worker_self self, order_desk_actor desk, order_submission proto,
             int64_t orders, int64_t concurrency,
             std::shared_ptr<std::atomic<int64_t>> done_total) {
  auto& st = self->state;
  st.desk = std::move(desk);
  st.proto = std::move(proto);
  st.done_total = std::move(done_total);
  st.report.orders = orders;
  st.report.concurrency = concurrency;
  st.report.latencies_us.reserve(static_cast<size_t>(orders));
  return {
    [=](run_atom) {
      auto& st = self->state;
      st.promise = self->make_response_promise<bench_report>();
      auto now = self->clock().now();
      st.start = now;
      for (int64_t i = 0; i < std::min(st.report.concurrency, st.report.orders);
           ++i)
        send_one(self, now);
      return st.promise;
    },
  };
}

// The driver: splits the loop over workers, prints progress, merges.
struct bench_state {
  bench_command cmd;
  bench_report report;
  std::shared_ptr<std::atomic<int64_t>> done_total
    = std::make_shared<std::atomic<int64_t>>(0);
  int64_t workers_left = 0;
  int64_t done_at_tick = 0;
  caf::timespan timeout; // without progress for this long: give up
  caf::actor_clock::time_point start;
  caf::actor_clock::time_point last_tick;
  caf::actor_clock::time_point last_progress;
  caf::typed_response_promise<bench_report> promise;
  static constexpr const char* name = "bench";
};

using bench_self = bench_impl::stateful_pointer<bench_state>;

void merge(bench_self self, bench_report& part) {
  auto& st = self->state;
  auto& rep = st.report;
  rep.latencies_us.insert(rep.latencies_us.end(), part.latencies_us.begin(),
                          part.latencies_us.end());
  rep.steady_us.insert(rep.steady_us.end(), part.steady_us.begin(),
                       part.steady_us.end());
  for (auto& kv : part.counts)
    count_status(rep, kv.first, kv.second);
  if (--st.workers_left > 0)
    return;
  rep.seconds
    = std::chrono::duration<double>(self->clock().now() - st.start).count();
  std::sort(rep.latencies_us.begin(), rep.latencies_us.end());
  std::sort(rep.steady_us.begin(), rep.steady_us.end());
  st.promise.deliver(std::move(rep));
  self->quit();
}

void start(bench_self self, const order_desk_actor& desk) {
  auto& st = self->state;
  auto& cmd = st.cmd;
  order_submission proto;
  proto.kind = cmd.mode;
  proto.request
    = order_request{"user123", "prod456", 2, 99.99, 5.5, "New York"};
  auto conc = std::max<int64_t>(1, std::min(cmd.concurrency, cmd.orders));
  auto workers = (conc + in_flight_per_worker - 1) / in_flight_per_worker;
  st.workers_left = workers;
  st.start = st.last_tick = st.last_progress = self->clock().now();
  for (int64_t i = 0; i < workers; ++i) {
    // Share orders and concurrency out as evenly as they divide.
    auto share = [&](int64_t n) { return n / workers + (i < n % workers); };
    // Linked: the workers end with the driver, also when it gives up.
    auto w = self->spawn<caf::linked>(
      bench_worker, desk, proto, share(cmd.orders), share(conc), st.done_total);
    self->request(w, caf::infinite, run_atom::value)
      .then([=](bench_report& part) { merge(self, part); },
            [=](caf::error& err) {
              std::fprintf(stderr, "bench: a worker failed: %s\n",
                           error_text(err).c_str());
              bench_report none;
              merge(self, none);
            });
  }
}

bench_impl::behavior_type bench(bench_self self, const order_desk_actor& desk,
                                bench_command cmd, double latency_scale,
                                caf::timespan timeout) {
  auto& st = self->state;
  st.cmd = cmd;
  st.report.orders = cmd.orders;
  st.report.concurrency = cmd.concurrency;
  st.report.mode = cmd.mode;
  st.report.latency_scale = latency_scale;
  st.report.latencies_us.reserve(static_cast<size_t>(cmd.orders));
  st.timeout = timeout;
  return {
    [=](run_atom) {
      auto& st = self->state;
      st.promise = self->make_response_promise<bench_report>();
      start(self, desk);
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
      return st.promise;
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = self->clock().now();
      auto secs = std::chrono::duration<double>(now - st.last_tick).count();
      auto done = st.done_total->load();
      std::fprintf(stderr, "bench: %lld/%lld orders done, %.0f orders/s\n",
                   static_cast<long long>(done),
                   static_cast<long long>(st.cmd.orders),
                   static_cast<double>(done - st.done_at_tick) / secs);
      if (done != st.done_at_tick) {
        st.last_progress = now;
      } else if (now - st.last_progress >= st.timeout) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(
          now - st.last_progress);
        st.promise.deliver(make_error(
          order_errc::internal, "bench: no order answered for "
                                  + std::to_string(secs.count()) + " s ("
                                  + std::to_string(done) + " of "
                                  + std::to_string(st.cmd.orders) + " done)"));
        self->quit(caf::exit_reason::user_shutdown);
        return;
      }
      st.done_at_tick = done;
      st.last_tick = now;
      self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
    },
  };
}

} // namespace

double bench_report::percentile_ms(double q) const {
  return percentile_ms(latencies_us, q);
}

double bench_report::percentile_ms(const std::vector<int64_t>& xs, double q) {
  if (xs.empty())
    return 0;
  auto n = xs.size();
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  auto i = std::min(n - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(xs[i]) / 1000.0;
}

bench_actor spawn_bench(caf::actor_system& sys, order_desk_actor desk,
                        bench_command cmd, double latency_scale,
                        caf::timespan order_timeout) {
  return sys.spawn(bench, std::move(desk), cmd, latency_scale, order_timeout);
}

} // namespace order_node
