// tests/actors/link_test.cpp — calls to another node's instances, in virtual
// time: a front's stand-ins and link, a services node's dispatcher (in one
// actor system here; the cluster e2e tests put them in separate processes).
// The calls of one round leave together, the answers of one round come back
// together, and a lost node fails exactly what was pending on it.
#include <doctest/doctest.h>

#include "actors/cluster/dispatcher.hpp"
#include "actors/cluster/link.hpp"
#include "actors/desk/order_desk.hpp"
#include "fixture.hpp"

using namespace order_node;
using namespace order_node::testing;

namespace {

using seen_ptr = std::shared_ptr<std::vector<size_t>>;

// Stands between a link and the dispatcher and counts the calls of each
// message; killing it is losing the node.
dispatcher_actor spawn_tap(fixture& f, dispatcher_actor real, seen_ptr seen) {
  return f.sys.spawn(
    [](dispatcher_actor::pointer self, dispatcher_actor real,
       seen_ptr seen) -> dispatcher_actor::behavior_type {
      return {[=](wire_atom atom, wire_calls& calls) {
        seen->push_back(calls.size());
        return self->delegate(real, atom, std::move(calls));
      }};
    },
    std::move(real), std::move(seen));
}

// A services node (its instances and dispatcher) behind a link, with a
// stand-in for each instance.
struct wired {
  service_routes instances; // on the "services node"
  service_routes stand_ins; // on the "front": what orders call
  std::vector<link_slot> slots;
  link_ref link;
  dispatcher_actor tap;
  seen_ptr sent = std::make_shared<std::vector<size_t>>();
  relay_counters_ptr counters = std::make_shared<relay_counters>();

  wired(fixture& f, const services_config& cfg, const std::string& where)
      : instances(spawn_services(f.sys, cfg)) {
    tap = spawn_tap(f, spawn_dispatcher(f.sys, instances), sent);
    link = spawn_link(f.sys, counters);
    for_each_service([&](auto row) {
      auto& hosted = row.routes(instances);
      for (size_t k = 0; k < hosted.size(); ++k) {
        auto slot = static_cast<uint32_t>(slots.size());
        slots.push_back(
          {hosted[k].instance + " (" + decltype(row)::role + ") on " + where,
           static_cast<int32_t>(k)});
        row.routes(stand_ins).push_back(
          {hosted[k].instance,
           spawn_stand_in<decltype(row)>(f.sys, link, slot)});
      }
    });
    caf::anon_send(link.actor, target_atom::value, tap, slots);
    f.sched.run();
  }
};

template <class T>
using slot_of = std::shared_ptr<std::optional<caf::expected<T>>>;

// Asks `h` (atom, req) from an actor of its own; the answer lands in the slot.
template <class Reply, class Handle, class Atom, class Request>
slot_of<Reply> call(fixture& f, const Handle& h, Atom atom, Request req) {
  auto out = std::make_shared<std::optional<caf::expected<Reply>>>();
  spawn_fn(f.sys, [=](caf::event_based_actor* self) {
    self->request(h, std::chrono::seconds(3600), atom, req)
      .then([=](Reply& r) { *out = std::move(r); },
            [=](caf::error& err) { *out = std::move(err); });
  });
  return out;
}

payment_request payment_call(const std::string& key) {
  return payment_request{call_id{key, 1}, 10.0, "USD", "", ""};
}

payment_batch payment_calls(uint64_t id, std::vector<std::string> keys) {
  payment_batch b;
  b.id = id;
  for (auto& k : keys)
    b.calls.push_back(payment_call(k));
  return b;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a link sends the calls of one round to its node "
                           "in one message, and each caller gets its answer") {
  wired w{*this, all_yes(), "test"};
  auto& s = w.stand_ins;
  call_id id{"k1", 1};
  auto main
    = call<inventory_reply>(*this, s.warehouses[0].handle, check_atom::value,
                            inventory_request{id, "prod456", 2});
  auto backup
    = call<inventory_reply>(*this, s.warehouses[1].handle, check_atom::value,
                            inventory_request{id, "prod456", 2});
  auto pay = call<payment_reply>(*this, s.payments[0].handle,
                                 authorize_atom::value, payment_call("k1"));
  auto fraud = call<fraud_reply>(*this, s.frauds[0].handle, assess_atom::value,
                                 fraud_request{id, "user123", 99.99});
  auto quote
    = call<shipping_quote>(*this, s.carriers[1].handle, quote_atom::value,
                           shipping_request{id, 5.5, "New York"});
  run_until(1);
  CHECK_MESSAGE(*w.sent == std::vector<size_t>{5},
                "five calls of one round, one message");
  CHECK(w.counters->in_flight == 5);
  run_until(200);
  REQUIRE(main->has_value());
  REQUIRE(**main);
  CHECK((**main)->warehouse == s.warehouses[0].instance);
  REQUIRE(backup->has_value());
  REQUIRE(**backup);
  CHECK((**backup)->warehouse == s.warehouses[1].instance);
  REQUIRE(pay->has_value());
  REQUIRE(**pay);
  CHECK((**pay)->authorized);
  REQUIRE(fraud->has_value());
  CHECK(**fraud);
  REQUIRE(quote->has_value());
  REQUIRE(**quote);
  CHECK((**quote)->carrier == s.carriers[1].instance);
  CHECK(w.counters->in_flight == 0);
  CHECK(w.counters->calls == 5);
}

TEST_CASE_FIXTURE(fixture, "a dispatcher sends the answers of one round to "
                           "their front in one message") {
  auto cfg = all_yes();
  for (auto& x : cfg.warehouses)
    x.latency = std::chrono::milliseconds(50);
  cfg.payment.latency = std::chrono::milliseconds(50);
  auto instances = spawn_services(sys, cfg);
  auto dispatcher = spawn_dispatcher(sys, instances);
  auto got = std::make_shared<std::vector<wire_answers>>();
  spawn_fn(sys, [=](caf::event_based_actor* self) {
    wire_calls calls;
    auto& inv = calls.rows.of(service<check::inventory>{});
    inv.single.push_back({1, 0, inventory_request{{"k1", 1}, "prod456", 2}});
    inv.single.push_back({2, 1, inventory_request{{"k1", 1}, "prod456", 2}});
    calls.rows.of(service<check::payment>{})
      .batches.push_back({3, 0, payment_calls(0, {"k1", "k2"}).calls});
    self->send(dispatcher, wire_atom::value, std::move(calls));
    return caf::behavior{
      [=](wire_atom, wire_answers& a) { got->push_back(std::move(a)); }};
  });
  run_until(49);
  CHECK(got->empty());
  // The three instances' timers fire together (run_until would run each
  // one's answer to the end before the next timer).
  clock().current_time = t0 + std::chrono::milliseconds(50);
  clock().trigger_timeouts();
  sched.run();
  REQUIRE_MESSAGE(got->size() == 1, "three instances answered in one tick");
  auto& a = got->front();
  auto& inv = a.rows.of(service<check::inventory>{}).single;
  REQUIRE(inv.size() == 2);
  CHECK(inv[0].id + inv[1].id == 3);
  auto& pay = a.rows.of(service<check::payment>{}).batches;
  REQUIRE(pay.size() == 1);
  CHECK(pay[0].id == 3);
  CHECK(pay[0].payload.size() == 2);
  CHECK(a.failed.empty());
}

TEST_CASE_FIXTURE(fixture, "a lost node fails exactly the calls pending on "
                           "it with node_lost, and new ones at once") {
  wired w{*this, all_yes(), "test"};
  auto payment = w.stand_ins.payments[0].handle;
  auto one = call<payment_reply>(*this, payment, authorize_atom::value,
                                 payment_call("k1"));
  auto batch = call<payment_outcomes>(*this, payment, authorize_atom::value,
                                      payment_calls(7, {"k2", "k3"}));
  run_until(50);
  CHECK(!one->has_value());
  CHECK(w.counters->in_flight == 3);
  caf::anon_send_exit(w.tap, caf::exit_reason::kill); // the node is lost
  run_until(51);
  REQUIRE(one->has_value());
  REQUIRE(!**one);
  CHECK(is_error((*one)->error(), order_errc::node_lost));
  CHECK(error_text((*one)->error())
        == "payment (payment) on test is unreachable");
  REQUIRE(batch->has_value());
  REQUIRE(**batch);
  CHECK((**batch)->id == 7);
  REQUIRE((**batch)->outcomes.size() == 2);
  for (auto& o : (**batch)->outcomes) {
    CHECK(o.status == call_status::node_lost);
    CHECK(o.error == "payment (payment) on test is unreachable");
  }
  CHECK(w.counters->in_flight == 0);
  auto later = call<payment_reply>(*this, payment, authorize_atom::value,
                                   payment_call("k4"));
  auto later_batch = call<payment_outcomes>(
    *this, payment, authorize_atom::value, payment_calls(8, {"k5"}));
  run_until(52);
  REQUIRE(later->has_value());
  CHECK(is_error((*later)->error(), order_errc::node_lost));
  REQUIRE(later_batch->has_value());
  REQUIRE(**later_batch);
  CHECK((**later_batch)->id == 8);
  REQUIRE((**later_batch)->outcomes.size() == 1);
  CHECK((**later_batch)->outcomes[0].status == call_status::node_lost);
  run_until(300); // the instance's late answers change nothing
  CHECK(w.counters->in_flight == 0);
  CHECK(w.counters->calls == 3);
}

TEST_CASE_FIXTURE(fixture, "a link retargeted to nothing (its peer's "
                           "heartbeats went silent) fails its pending calls") {
  wired w{*this, all_yes(), "test"};
  auto fraud
    = call<fraud_reply>(*this, w.stand_ins.frauds[0].handle, assess_atom::value,
                        fraud_request{{"k1", 1}, "user123", 1.0});
  run_until(10);
  caf::anon_send(w.link.actor, target_atom::value, dispatcher_actor{}, w.slots);
  run_until(11);
  REQUIRE(fraud->has_value());
  CHECK(is_error((*fraud)->error(), order_errc::node_lost));
  // Back: calls go through again.
  caf::anon_send(w.link.actor, target_atom::value, w.tap, w.slots);
  auto again
    = call<fraud_reply>(*this, w.stand_ins.frauds[0].handle, assess_atom::value,
                        fraud_request{{"k2", 1}, "user123", 1.0});
  run_until(300);
  REQUIRE(again->has_value());
  CHECK(**again);
}

TEST_CASE_FIXTURE(fixture, "a call for an instance its node does not host is "
                           "answered node_lost by the node") {
  wired w{*this, all_yes(), "test"};
  auto slots = w.slots;
  for (auto& s : slots)
    s.index = 7;
  caf::anon_send(w.link.actor, target_atom::value, w.tap, slots);
  auto pay = call<payment_reply>(*this, w.stand_ins.payments[0].handle,
                                 authorize_atom::value, payment_call("k1"));
  run_until(1);
  REQUIRE(pay->has_value());
  CHECK(is_error((*pay)->error(), order_errc::node_lost));
  CHECK(error_text((*pay)->error()) == "this node hosts no payment number 7");
}

TEST_CASE_FIXTURE(fixture, "a stand-in its link was not told about is "
                           "answered node_lost at once, not left waiting") {
  wired w{*this, all_yes(), "test"};
  auto stray = spawn_stand_in<service<check::fraud>>(sys, w.link, 99);
  auto one = call<fraud_reply>(*this, stray, assess_atom::value,
                               fraud_request{{"k1", 1}, "user123", 1.0});
  fraud_batch b;
  b.id = 4;
  b.calls.push_back(fraud_request{{"k2", 1}, "user123", 1.0});
  auto batch = call<fraud_outcomes>(*this, stray, assess_atom::value, b);
  run_until(1);
  REQUIRE(one->has_value());
  CHECK(is_error((*one)->error(), order_errc::node_lost));
  REQUIRE(batch->has_value());
  REQUIRE(**batch);
  CHECK((**batch)->id == 4);
  REQUIRE((**batch)->outcomes.size() == 1);
  CHECK((**batch)->outcomes[0].status == call_status::node_lost);
  CHECK(w.sent->empty());
}

TEST_CASE_FIXTURE(fixture, "a service's error crosses the link as the "
                           "instance gave it") {
  auto cfg = all_yes();
  cfg.payment.error_rate = 1;
  wired w{*this, cfg, "test"};
  auto direct = call<payment_reply>(*this, w.instances.payments[0].handle,
                                    authorize_atom::value, payment_call("k1"));
  auto linked = call<payment_reply>(*this, w.stand_ins.payments[0].handle,
                                    authorize_atom::value, payment_call("k1"));
  run_until(300);
  REQUIRE(direct->has_value());
  REQUIRE(linked->has_value());
  REQUIRE(!**direct);
  REQUIRE(!**linked);
  CHECK(is_error((*linked)->error(), order_errc::transient));
  CHECK(error_text((*linked)->error()) == error_text((*direct)->error()));
}

TEST_CASE_FIXTURE(fixture, "orders through a link decide as on one node, and "
                           "their calls share messages") {
  auto engine = each_engine();
  wired w{*this, all_yes(), "test"};
  auto d = desk_config{};
  d.engine = engine;
  d.seed = 1;
  d.order.max_attempts = 1;
  auto desk = sys.spawn(order_desk, sys.spawn(directory, w.stand_ins), d);
  sched.run();
  std::vector<slot_of<order_result>> results;
  for (int i = 0; i < 16; ++i) // all at once
    results.push_back(call<order_result>(
      *this, desk, submit_atom::value,
      tutorial_order(order_kind::parallel, "k" + std::to_string(i))));
  run_until(150);
  for (auto& res : results) {
    REQUIRE(res->has_value());
    REQUIRE(**res);
    CHECK((***res).status == order_status::confirmed);
    CHECK((***res).processing_time_ms == 150);
  }
  size_t calls = 0;
  for (auto n : *w.sent)
    calls += n;
  CHECK(calls <= 16 * 6);
  CHECK_MESSAGE(w.sent->size() < 16, "16 orders' calls in fewer messages");
}

TEST_CASE_FIXTURE(fixture, "an order fails over from a lost instance to "
                           "another one without losing time or attempts") {
  auto svc = spawn_services(sys, all_yes());
  // A link to a node that is down, with one payment instance: its stand-in
  // comes first in the routes, then the live instance. Keys pick one;
  // those that pick the lost one fail over.
  auto link = spawn_link(sys, std::make_shared<relay_counters>());
  caf::anon_send(link.actor, target_atom::value, dispatcher_actor{},
                 std::vector<link_slot>{{"payment on lost", 0}});
  auto dead = spawn_stand_in<service<check::payment>>(sys, link, 0);
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
