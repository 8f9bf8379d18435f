// tests/actors/fixture.hpp — an actor system on CAF's test coordinator: every
// actor runs on the test's thread and time is virtual, so tests of latencies,
// deadlines and retries never sleep.
#pragma once

#include <optional>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/desk/pipeline.hpp"
#include "actors/rules/outcome.hpp"
#include "actors/services/directory.hpp"
#include "actors/services/services.hpp"
#include "messages/errors.hpp"
#include "messages/registry.hpp"

namespace order_node::testing {

/// Spawns the function actor `f`, whose one parameter is its self pointer.
/// CAF 0.17 binds a reference to its null argument tuple when a function
/// actor takes no arguments (UBSan: caf/detail/init_fun_factory.hpp:93,
/// which halts the ASan+UBSan suite); one ignored argument avoids it.
template <class F>
auto spawn_fn(caf::actor_system& sys, F f) {
  using self_t = caf::detail::tl_head_t<
    typename caf::detail::get_callable_trait<F>::arg_types>;
  return sys.spawn(
    [f](self_t self, int) mutable -> decltype(f(self)) { return f(self); }, 0);
}

struct test_config : caf::actor_system_config {
  test_config() {
    register_types(*this);
    set("scheduler.policy", caf::atom("testing"));
  }
};

/// Services that never fail and always say yes, with the tutorial's
/// latencies, so that an order's timing is exact.
inline services_config all_yes(uint64_t seed = 1) {
  auto cfg = tutorial_services(seed);
  for (auto& w : cfg.warehouses) {
    w.error_rate = 0;
    w.available_rate = 1;
  }
  cfg.payment.error_rate = 0;
  cfg.payment.authorized_rate = 1;
  cfg.fraud.high_risk_rate = 0;
  return cfg;
}

/// A payment gateway's answer that authorizes every call of `b` at once.
inline payment_outcomes always_authorized(const payment_batch& b) {
  payment_outcomes out;
  out.id = b.id;
  out.outcomes.resize(b.calls.size());
  for (auto& o : out.outcomes)
    o.reply = payment_reply{true, "tx_feedbeef"};
  return out;
}

/// The engine of this run of the calling test: a test that calls this runs
/// once per engine (two doctest subcases, each with a fresh fixture), so the
/// virtual-time tests hold for both.
inline order_engine each_engine() {
  auto engine = order_engine::actor;
  SUBCASE("engine=actor") {
    engine = order_engine::actor;
  }
  SUBCASE("engine=batched") {
    engine = order_engine::batched;
  }
  return engine;
}

/// A desk configuration for this run's engine (each_engine()).
inline desk_config engine_desk() {
  desk_config d;
  d.engine = each_engine();
  return d;
}

struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched;

  caf::actor_clock::time_point t0;

  fixture()
      : sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
        t0() {
    // Start at time zero, so that service ticks (multiples of the timer
    // resolution) fall exactly on the latencies.
    sched.clock().current_time = t0;
    // Services live for the whole test; do not wait for them at the end.
    sys.await_actors_before_shutdown(false);
  }

  ~fixture() { sched.run(); }

  caf::detail::test_actor_clock& clock() { return sched.clock(); }

  /// Virtual time since the fixture started, in milliseconds.
  double now_ms() {
    return std::chrono::duration<double, std::milli>(clock().current_time - t0)
      .count();
  }

  /// Runs every message and every timeout due up to `ms` (virtual, since the
  /// fixture started), in time order, so that timers set on the way fire in
  /// order.
  void run_until(double ms) {
    auto target = t0
                  + std::chrono::duration_cast<caf::timespan>(
                    std::chrono::duration<double, std::milli>(ms));
    sched.run();
    while (clock().has_pending_timeout()
           && clock().schedule().begin()->first <= target) {
      clock().trigger_timeout();
      sched.run();
    }
    if (clock().current_time < target)
      clock().current_time = target;
  }

  /// Asks `desk` (atom, arg) from a client of its own; the answer lands in
  /// the returned slot.
  template <class Reply, class Atom, class Arg>
  std::shared_ptr<std::optional<caf::expected<Reply>>>
  ask(const order_desk_actor& desk, Atom atom, Arg arg) {
    auto out = std::make_shared<std::optional<caf::expected<Reply>>>();
    spawn_fn(sys, [=](caf::event_based_actor* self) {
      self->request(desk, std::chrono::seconds(3600), atom, arg)
        .then([=](Reply& r) { *out = std::move(r); },
              [=](caf::error& err) { *out = std::move(err); });
    });
    sched.run();
    return out;
  }

  /// Submits an order to `desk`; the result lands in the returned slot.
  std::shared_ptr<std::optional<caf::expected<order_result>>>
  submit(const order_desk_actor& desk, order_submission sub) {
    return ask<order_result>(desk, submit_atom::value, std::move(sub));
  }
};

/// The desk's counters, asked from a client of its own.
inline desk_stats stats_of(fixture& fx, const order_desk_actor& desk) {
  desk_stats out;
  spawn_fn(fx.sys, [&](caf::event_based_actor* self) {
    self->request(desk, std::chrono::seconds(1), stats_atom::value)
      .then([&](desk_stats& s) { out = s; });
  });
  fx.sched.run();
  return out;
}

/// Orders counted in `s`, of every kind and status.
inline uint64_t orders_counted(const desk_stats& s) {
  uint64_t n = 0;
  for (auto& x : s.orders)
    n += x.latency.count;
  return n;
}

/// The tutorial's order.
inline order_submission tutorial_order(order_kind kind = order_kind::parallel,
                                       std::string key = "") {
  order_submission sub;
  sub.kind = kind;
  sub.request = order_request{"user123", "prod456", 2, 99.99, 5.5, "New York"};
  sub.idempotency_key = std::move(key);
  return sub;
}

} // namespace order_node::testing
