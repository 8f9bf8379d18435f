// tests/actors/relay_test.cpp — relays to instances on other nodes, in
// virtual time: forwarding, failing pending batches when the target goes away,
// and orders failing over to another instance of the service.
#include <doctest/doctest.h>

#include "actors/cluster/relay.hpp"
#include "actors/desk/order_desk.hpp"
#include "messages/service_table.hpp"
#include "fixture.hpp"

using namespace order_node;
using namespace order_node::testing;

namespace {

relay_args args_for(const std::string& what) {
  return relay_args{what, std::make_shared<relay_counters>()};
}

// Asks `payment` for an authorization (a batch of one); the outcome lands
// in the slot.
std::shared_ptr<std::optional<call_outcome<payment_reply>>>
authorize(fixture& f, const payment_actor& payment, const std::string& key) {
  auto out = std::make_shared<std::optional<call_outcome<payment_reply>>>();
  // Filled by push_back: GCC 12 warns (wrongly) that a string of a request
  // in an initializer list may be used uninitialized.
  payment_batch batch{7, {}};
  batch.calls.push_back(payment_request{call_id{key, 1}, 10.0, "USD", "", ""});
  spawn_fn(f.sys, [=](caf::event_based_actor* self) {
    self
      ->request(payment, std::chrono::seconds(3600), authorize_atom::value,
                batch)
      .then(
        [=](payment_outcomes& r) {
          CHECK(r.id == 7);
          REQUIRE(r.outcomes.size() == 1);
          *out = std::move(r.outcomes[0]);
        },
        [=](caf::error& err) { FAIL("unexpected error: " << to_string(err)); });
  });
  f.sched.run();
  return out;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a relay forwards calls and their answers") {
  auto svc = spawn_services(sys, all_yes());
  auto args = args_for("payment on test");
  auto counters = args.counters;
  auto relay = sys.spawn(service_relay<service<check::payment>>, args);
  caf::anon_send(relay, target_atom::value, svc.payments.front().handle);
  sched.run();
  auto res = authorize(*this, relay, "k1");
  CHECK(counters->in_flight == 1);
  run_until(120);
  REQUIRE(res->has_value());
  CHECK((*res)->status == call_status::ok);
  CHECK((*res)->reply.authorized);
  CHECK(counters->in_flight == 0);
  CHECK(counters->calls == 1);
}

TEST_CASE_FIXTURE(fixture, "a relay fails pending batches at once when its "
                           "target goes away, and refuses new ones") {
  auto svc = spawn_services(sys, all_yes());
  auto relay = sys.spawn(service_relay<service<check::payment>>,
                         args_for("payment on test"));
  auto target = svc.payments.front().handle;
  caf::anon_send(relay, target_atom::value, target);
  sched.run();
  auto pending = authorize(*this, relay, "k1");
  run_until(50);
  CHECK(!pending->has_value());
  // The node is lost: the remote actor's proxy dies (here: the actor).
  caf::anon_send_exit(target, caf::exit_reason::kill);
  run_until(51);
  REQUIRE(pending->has_value());
  CHECK((*pending)->status == call_status::node_lost);
  CHECK((*pending)->error == "payment on test is unreachable");
  auto later = authorize(*this, relay, "k2");
  REQUIRE(later->has_value());
  CHECK((*later)->status == call_status::node_lost);
}

TEST_CASE_FIXTURE(fixture, "an order fails over from a lost instance to "
                           "another one without losing time or attempts") {
  auto svc = spawn_services(sys, all_yes());
  // Two instances of every service: a relay to a lost node, then the live
  // one. Keys pick one; those that pick the lost one fail over.
  auto dead = sys.spawn(service_relay<service<check::payment>>,
                        args_for("payment on lost"));
  auto routes = svc;
  routes.payments.insert(routes.payments.begin(), {"payment", dead});
  auto dir = sys.spawn(directory, routes);
  auto d = engine_desk();
  d.seed = 1;
  d.order.max_attempts = 1;
  auto desk = sys.spawn(order_desk, dir, d);
  std::vector<decltype(submit(desk, tutorial_order()))> results;
  for (int i = 0; i < 16; ++i)
    results.push_back(submit(
      desk, tutorial_order(order_kind::parallel, "k" + std::to_string(i))));
  run_until(150);
  int failed_over = 0;
  for (auto& res : results) {
    REQUIRE(res->has_value());
    REQUIRE(**res);
    auto& r = ***res;
    CHECK(r.status == order_status::confirmed);
    CHECK(r.processing_time_ms == 150);
    for (auto& c : r.calls)
      if (outcome_text(c) == "error: payment on lost is unreachable") {
        ++failed_over;
        CHECK(c.attempt == 1);
      }
  }
  // Keys spread over both instances.
  CHECK(failed_over > 0);
  CHECK(failed_over < 16);
}
