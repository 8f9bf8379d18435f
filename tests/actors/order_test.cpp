// tests/actors/order_test.cpp — parallel and sequential orders in virtual time:
// timing, deadlines, retries, late replies and voids.
#include <doctest/doctest.h>

#include "actors/desk/batched_engine.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/rules/simulate.hpp"
#include "fixture.hpp"

using namespace order_node;
using namespace order_node::testing;

namespace {

desk_config default_desk() {
  auto d = engine_desk();
  d.seed = 1;
  return d;
}

// The calls of `r` to `service`.
std::vector<call_record> calls_to(const order_result& r,
                                  const std::string& service) {
  std::vector<call_record> out;
  for (auto& c : r.calls)
    if (c.service == service)
      out.push_back(c);
  return out;
}

// A seed whose payment call for `key` errors on attempt 1 and answers
// "authorized" on attempt 2, given `cfg` (found by the pure simulation).
uint64_t seed_retry_then_ok(const payment_config& cfg, const std::string& key) {
  for (uint64_t seed = 1; seed < 100'000; ++seed) {
    auto a1
      = simulate(cfg, seed, payment_request{{key, 1}, 99.99, "USD", "", ""});
    auto a2
      = simulate(cfg, seed, payment_request{{key, 2}, 99.99, "USD", "", ""});
    if (!a1.ok && a2.ok && a2.reply.authorized)
      return seed;
  }
  FAIL("no seed found");
  return 0;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a parallel order completes at virtual 150 ms") {
  auto p = spawn_pipeline(sys, all_yes(), default_desk());
  auto res = submit(p.desk, tutorial_order());
  run_until(149.9);
  CHECK_MESSAGE(!res->has_value(), "fraud answers only at 150 ms");
  run_until(150);
  REQUIRE(res->has_value());
  REQUIRE(**res);
  auto& r = ***res;
  CHECK(r.status == order_status::confirmed);
  CHECK(r.processing_time_ms == 150);
  CHECK(r.details == "Shipping: $9.63 via Economy (7 days)");
  CHECK(r.calls.size() == 6);
  for (auto& c : r.calls)
    CHECK_MESSAGE(c.attempt == 1, c.service << " was asked once");
}

TEST_CASE_FIXTURE(fixture, "the six calls of a parallel order start together") {
  auto p = spawn_pipeline(sys, all_yes(), default_desk());
  auto res = submit(p.desk, tutorial_order());
  run_until(200);
  REQUIRE(res->has_value());
  // Each call's duration equals its service's latency: all were sent at 0.
  for (auto& c : (***res).calls) {
    CAPTURE(c.service);
    auto expected = c.service == "inventory" ? 80.0
                    : c.service == "payment" ? 120.0
                    : c.service == "fraud"   ? 150.0
                                             : 100.0;
    CHECK(c.ms == doctest::Approx(expected));
  }
}

TEST_CASE_FIXTURE(fixture, "a sequential order completes at virtual 450 ms") {
  auto p = spawn_pipeline(sys, all_yes(), default_desk());
  auto res = submit(p.desk, tutorial_order(order_kind::sequential));
  run_until(449.9);
  CHECK(!res->has_value());
  run_until(450);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::confirmed);
  CHECK(r.processing_time_ms == 450);
  CHECK(r.details == "Shipping: $13.75 via Standard (3 days)");
  CHECK(r.calls.size() == 4);
}

TEST_CASE_FIXTURE(fixture, "a sequential order stops at the first failure") {
  auto svc = all_yes();
  svc.payment.authorized_rate = 0;
  auto p = spawn_pipeline(sys, svc, default_desk());
  auto res = submit(p.desk, tutorial_order(order_kind::sequential));
  run_until(1000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::failed);
  CHECK(r.details == "Payment authorization failed");
  CHECK(r.processing_time_ms == 200); // 80 + 120, fraud and shipping skipped
  CHECK(r.calls.size() == 2);
}

TEST_CASE_FIXTURE(fixture, "a service that never answers fails the order at "
                           "the deadline, naming the check") {
  auto svc = all_yes();
  svc.fraud.latency = std::chrono::hours(1);
  auto p = spawn_pipeline(sys, svc, default_desk());
  auto res = submit(p.desk, tutorial_order());
  run_until(999.9);
  CHECK(!res->has_value());
  run_until(1000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::timeout);
  CHECK(r.processing_time_ms == 1000);
  CHECK(r.details.rfind("Fraud check failed: no answer within the deadline", 0)
        == 0);
  CHECK(calls_to(r, "fraud").at(0).outcome == call_end::timeout);
}

TEST_CASE_FIXTURE(fixture, "the batched engine forgets a batch that is "
                           "never answered once its orders' deadlines have "
                           "passed") {
  auto svc = all_yes();
  svc.fraud.latency = std::chrono::hours(1); // as good as dead
  desk_config batched;
  batched.engine = order_engine::batched;
  auto p = spawn_pipeline(sys, svc, batched);
  auto* desk = caf::actor_cast<caf::abstract_actor*>(p.desk);
  auto& st
    = dynamic_cast<order_desk_impl::stateful_base<desk_state>&>(*desk).state;
  auto res = submit(p.desk, tutorial_order());
  run_until(500);
  // (The desk made its engine when it started, after the spawn.)
  auto& engine = dynamic_cast<batched_engine&>(*st.engine);
  CHECK_MESSAGE(engine.batches_pending() == 1, "only fraud's batch is pending");
  run_until(999.9);
  CHECK(engine.batches_pending() == 1);
  run_until(1000);
  REQUIRE(res->has_value());
  CHECK((***res).status == order_status::timeout);
  CHECK_MESSAGE(engine.batches_pending() == 0, "the desk keeps no batch for "
                                               "a dead service");
  CHECK(engine.batch_expiries() == 0);
}

TEST_CASE_FIXTURE(fixture, "a late reply after the deadline is ignored") {
  auto svc = all_yes();
  svc.fraud.latency = std::chrono::milliseconds(1500);
  auto p = spawn_pipeline(sys, svc, default_desk());
  auto res = submit(p.desk, tutorial_order());
  run_until(1000);
  REQUIRE(res->has_value());
  auto first = ***res;
  CHECK(first.status == order_status::timeout);
  run_until(2000); // fraud answers at 1500 ms, to an order that has quit
  CHECK((***res).status == order_status::timeout);
  CHECK((***res).calls.size() == first.calls.size());
  desk_stats stats;
  spawn_fn(sys, [&](caf::event_based_actor* self) {
    self->request(p.desk, std::chrono::seconds(1), stats_atom::value)
      .then([&](desk_stats& s) { stats = s; });
  });
  sched.run();
  CHECK(stats.in_flight == 0);
}

TEST_CASE_FIXTURE(fixture, "a transient error is retried after a backoff") {
  auto svc = all_yes();
  svc.payment.error_rate = 0.5;
  auto key = "key:retry-me";
  svc.seed = seed_retry_then_ok(svc.payment, key);
  auto d = default_desk();
  d.seed = svc.seed;
  auto p = spawn_pipeline(sys, svc, d);
  auto res = submit(p.desk, tutorial_order(order_kind::parallel, "retry-me"));
  run_until(1000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::confirmed);
  auto pay = calls_to(r, "payment");
  REQUIRE(pay.size() == 2);
  CHECK(outcome_text(pay[0]) == "error: payment gateway timeout");
  CHECK(pay[1].attempt == 2);
  // 120 ms, 10 ms backoff, 120 ms again.
  CHECK(r.processing_time_ms == 250);
}

TEST_CASE_FIXTURE(fixture, "with max-attempts=1 a transient error is final") {
  auto svc = all_yes();
  svc.payment.error_rate = 1;
  auto d = default_desk();
  d.order.max_attempts = 1;
  auto p = spawn_pipeline(sys, svc, d);
  auto res = submit(p.desk, tutorial_order());
  run_until(1000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::failed);
  CHECK(r.details == "Payment authorization failed: payment gateway timeout");
  CHECK(calls_to(r, "payment").size() == 1);
  CHECK(r.processing_time_ms == 150);
}

TEST_CASE_FIXTURE(fixture, "retries stop at max-attempts") {
  auto svc = all_yes();
  svc.payment.error_rate = 1;
  auto p = spawn_pipeline(sys, svc, default_desk()); // 3 attempts
  auto res = submit(p.desk, tutorial_order());
  run_until(1000);
  REQUIRE(res->has_value());
  CHECK(calls_to(***res, "payment").size() == 3);
  // 120 + 10 + 120 + 20 + 120
  CHECK((***res).processing_time_ms == 390);
}

namespace {

// The result of an order whose warehouse number `failing` always errs while
// the other one answers "available" first (after 40 ms).
order_result with_failing_warehouse(fixture& fx, size_t failing) {
  auto svc = all_yes();
  svc.warehouses[failing].error_rate = 1;
  svc.warehouses[1 - failing].latency = std::chrono::milliseconds(40);
  auto p = spawn_pipeline(fx.sys, svc, default_desk());
  auto res = fx.submit(p.desk, tutorial_order());
  fx.run_until(1000);
  REQUIRE(res->has_value());
  REQUIRE(**res);
  return ***res;
}

// A payment gateway that authorizes everything as tx_feedbeef and counts
// the voids it is sent (each must name that transaction).
payment_actor counting_gateway(caf::actor_system& sys, int& voids) {
  return spawn_fn(
    sys, [&voids](payment_actor::pointer) -> payment_actor::behavior_type {
      return {
        [](authorize_atom, const payment_request&) {
          return payment_reply{true, "tx_feedbeef"};
        },
        [](authorize_atom, const payment_batch& b) {
          return always_authorized(b);
        },
        [&voids](void_atom, const void_request& req) {
          CHECK(req.transaction_id == "tx_feedbeef");
          ++voids;
          return true;
        },
      };
    });
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a Backup warehouse error is not retried when "
                           "Main has stock") {
  auto r = with_failing_warehouse(*this, 1);
  CHECK(r.status == order_status::confirmed);
  CHECK(r.warehouse == "Main");
  CHECK_MESSAGE(calls_to(r, "inventory").size() == 2,
                "Main's stock makes Backup's answer irrelevant");
}

TEST_CASE_FIXTURE(fixture, "a Main warehouse error is retried although "
                           "Backup has stock") {
  auto r = with_failing_warehouse(*this, 0);
  CHECK(r.status == order_status::confirmed);
  CHECK(r.warehouse == "Backup");
  CHECK_MESSAGE(calls_to(r, "inventory").size() == 4,
                "Main is preferred: its three attempts, then Backup");
}

TEST_CASE_FIXTURE(fixture, "a failed order after authorization voids it "
                           "exactly once") {
  int voids = 0;
  auto svc = all_yes();
  for (auto& w : svc.warehouses)
    w.available_rate = 0; // no stock: the order fails after payment
  auto routes = spawn_services(sys, svc);
  // Replace the payment gateway by one that counts voids.
  routes.payments[0].handle = counting_gateway(sys, voids);
  auto dir = sys.spawn(directory, routes);
  auto desk = sys.spawn(order_desk, dir, default_desk());
  auto res = submit(desk, tutorial_order());
  run_until(2000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.status == order_status::failed);
  CHECK(r.voided);
  CHECK(r.details
        == "Product not available in any warehouse; payment authorization "
           "tx_feedbeef voided");
  CHECK(voids == 1);
}

TEST_CASE_FIXTURE(fixture, "a confirmed order voids nothing") {
  int voids = 0;
  auto routes = spawn_services(sys, all_yes());
  routes.payments[0].handle = counting_gateway(sys, voids);
  auto desk
    = sys.spawn(order_desk, sys.spawn(directory, routes), default_desk());
  auto res = submit(desk, tutorial_order());
  run_until(2000);
  REQUIRE(res->has_value());
  CHECK((***res).status == order_status::confirmed);
  CHECK(voids == 0);
}

TEST_CASE_FIXTURE(fixture, "a missing service instance fails the order "
                           "naming it") {
  auto routes = spawn_services(sys, all_yes());
  routes.frauds.clear();
  auto desk
    = sys.spawn(order_desk, sys.spawn(directory, routes), default_desk());
  auto res = submit(desk, tutorial_order());
  run_until(1000);
  REQUIRE(res->has_value());
  CHECK((***res).details.rfind(
          "Fraud check failed: no fraud instance fraud available", 0)
        == 0);
}

TEST_CASE_FIXTURE(fixture, "FastShip joins the fan-out when enabled") {
  auto d = default_desk();
  d.order.carriers.push_back("FastShip");
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto res = submit(p.desk, tutorial_order());
  run_until(1000);
  REQUIRE(res->has_value());
  CHECK(calls_to(***res, "shipping").size() == 3);
  CHECK((***res).carrier == "Economy"); // still the cheapest
}

TEST_CASE_FIXTURE(fixture, "a directory that never answers fails the order "
                           "at the deadline") {
  auto silent = spawn_fn(
    sys, [](directory_actor::pointer) -> directory_actor::behavior_type {
      return {
        [](watch_atom, routes_watcher&) {}, // never sends routes
        [](routes_atom, service_routes_ptr&) {},
      };
    });
  auto desk = sys.spawn(order_desk, silent, default_desk());
  auto res = submit(desk, tutorial_order());
  run_until(999.9);
  CHECK(!res->has_value());
  run_until(1000);
  REQUIRE(res->has_value());
  CHECK((***res).status == order_status::timeout);
  CHECK((***res).calls.empty());
}

TEST_CASE_FIXTURE(fixture, "the batched engine sends the calls of orders "
                           "accepted together in one batch per instance") {
  std::vector<size_t> batch_sizes;
  auto routes = spawn_services(sys, all_yes());
  routes.frauds[0].handle
    = spawn_fn(sys, [&](fraud_actor::pointer) -> fraud_actor::behavior_type {
        return {
          [](assess_atom, const fraud_request&) { return fraud_reply{}; },
          [&](assess_atom, const fraud_batch& b) {
            batch_sizes.push_back(b.calls.size());
            fraud_outcomes out;
            out.id = b.id;
            out.outcomes.resize(b.calls.size()); // risk 0 each
            return out;
          },
        };
      });
  desk_config batched;
  batched.seed = 1;
  batched.engine = order_engine::batched;
  auto desk = sys.spawn(order_desk, sys.spawn(directory, routes), batched);
  sched.run();
  // Ten clients submit before the desk runs: it accepts all ten orders
  // before it gets to its flush.
  int confirmed = 0;
  for (int i = 0; i < 10; ++i)
    spawn_fn(sys, [&, i](caf::event_based_actor* self) {
      self
        ->request(desk, std::chrono::seconds(3600), submit_atom::value,
                  tutorial_order(order_kind::parallel, "b" + std::to_string(i)))
        .then([&](order_result& r) {
          confirmed += r.status == order_status::confirmed;
        });
    });
  run_until(200);
  CHECK(batch_sizes == std::vector<size_t>{10});
  CHECK(confirmed == 10);
}

TEST_CASE_FIXTURE(fixture, "the clients of an order actor that died get an "
                           "error one deadline after its own") {
  auto routes = spawn_services(sys, all_yes());
  // A fraud service that kills whoever asks it (an order actor's crash).
  routes.frauds[0].handle = spawn_fn(
    sys, [](fraud_actor::pointer self) -> fraud_actor::behavior_type {
      return {
        [=](assess_atom, const fraud_request&) -> fraud_reply {
          self->send_exit(caf::actor_cast<caf::actor>(self->current_sender()),
                          caf::exit_reason::kill);
          return {};
        },
        [](assess_atom, const fraud_batch&) { return fraud_outcomes{}; },
      };
    });
  desk_config d; // the actor engine
  auto desk = sys.spawn(order_desk, sys.spawn(directory, routes), d);
  auto res = submit(desk, tutorial_order());
  run_until(1999);
  CHECK_MESSAGE(!res->has_value(), "no result from a dead order");
  run_until(2000);
  REQUIRE(res->has_value());
  REQUIRE_FALSE(**res);
  CHECK(error_text((*res)->error())
        == "the order's actor stopped without a result");
}
