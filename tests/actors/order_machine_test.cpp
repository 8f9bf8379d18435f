// tests/actors/order_machine_test.cpp — the order state machine on its own,
// without an actor system: a fake engine records what the order asks for
// (calls, retries, voids, its result) and the test plays the services.
#include <doctest/doctest.h>

#include <optional>

#include "actors/order/order_machine.hpp"

using namespace order_node;
using namespace std::chrono_literals;

namespace {

struct fake_engine : order_context {
  std::vector<call_ticket> sent;
  std::vector<std::pair<int32_t, order_duration>> retries;
  std::optional<order_result> result;
  size_t instances_of_each = 1;
  bool has_instances = true;

  size_t instances(check, const std::string&) override {
    return has_instances ? instances_of_each : 0;
  }
  bool send(order_machine&, const call_ticket& t) override {
    if (!has_instances)
      return false;
    sent.push_back(t);
    return true;
  }
  void retry_later(order_machine&, int32_t slot, order_duration d) override {
    retries.emplace_back(slot, d);
  }
  void complete(order_machine&, order_result&& r) override {
    REQUIRE_MESSAGE(!result, "an order completes once");
    result = std::move(r);
  }

  // The ticket sent for `service` (the last one).
  const call_ticket& ticket(check service, size_t index = 0) const {
    const call_ticket* found = nullptr;
    size_t seen = 0;
    for (auto& t : sent)
      if (t.service == service && seen++ == index)
        found = &t;
    REQUIRE(found != nullptr);
    return *found;
  }
};

const order_time t0{std::chrono::seconds(1000)};

order_job job_of(const std::string& key = "line:1") {
  order_job job;
  job.order_key = key;
  job.order_id = "ORD_test";
  job.accepted_at = t0;
  job.request = {"user123", "prod456", 2, 99.99, 5.5, "New York"};
  return job;
}

// An order of `kind` on a fake engine, set up (and by default started) at
// t0 with `attempts` tries per call.
struct order_on_fake {
  order_params params;
  order_machine o;
  fake_engine e;

  explicit order_on_fake(int32_t attempts = 3,
                         order_kind kind = order_kind::parallel) {
    params.max_attempts = attempts;
    o.init(kind, job_of(), params);
  }

  order_on_fake& start() {
    o.start(e, t0);
    return *this;
  }
};

// Answers every call of `engine` with a yes, at `at`.
void answer_all(order_machine& o, fake_engine& e, order_time at) {
  auto sent = e.sent;
  for (auto& t : sent) {
    switch (t.service) {
      case check::inventory:
        o.on_answer(e, t.slot, t.attempt, inventory_reply{true, "Main", 2}, at);
        break;
      case check::payment:
        o.on_answer(e, t.slot, t.attempt, payment_reply{true, "tx_1"}, at);
        break;
      case check::fraud:
        o.on_answer(e, t.slot, t.attempt, fraud_reply{10.0, false}, at);
        break;
      case check::shipping:
        o.on_answer(e, t.slot, t.attempt, shipping_quote{*t.instance, 10.0, 3},
                    at);
        break;
    }
  }
}

} // namespace

TEST_CASE("a parallel order sends its six calls at once, attempt 1 each") {
  order_on_fake x;
  x.start();
  auto& [p, o, e] = x;
  REQUIRE(e.sent.size() == 6);
  for (auto& t : e.sent)
    CHECK(t.attempt == 1);
  CHECK(*e.ticket(check::inventory, 0).instance == "Main");
  CHECK(*e.ticket(check::inventory, 1).instance == "Backup");
  CHECK_MESSAGE(e.ticket(check::payment).instance->empty(),
                "payment may go to any instance");
  CHECK_FALSE(e.result);
}

TEST_CASE("the order decides once every reply has arrived") {
  order_on_fake x;
  x.start();
  auto& [p, o, e] = x;
  answer_all(o, e, t0 + 150ms);
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::confirmed);
  CHECK(e.result->order_id == "ORD_test");
  CHECK(e.result->processing_time_ms == 150);
  CHECK(e.result->calls.size() == 6);
  CHECK_FALSE(e.result->voided);
  CHECK(o.decided());
}

TEST_CASE("a transient error is retried after the backoff, doubled per try") {
  order_on_fake x{3};
  x.start();
  auto& [p, o, e] = x;
  auto pay = e.ticket(check::payment);
  o.on_error(e, pay.slot, 1, false, "payment gateway timeout", t0 + 120ms);
  REQUIRE(e.retries.size() == 1);
  CHECK(e.retries[0] == std::pair{pay.slot, order_duration{10ms}});
  o.retry(e, pay.slot, t0 + 130ms);
  CHECK(e.ticket(check::payment, 1).attempt == 2);
  o.on_error(e, pay.slot, 2, false, "payment gateway timeout", t0 + 250ms);
  REQUIRE(e.retries.size() == 2);
  CHECK(e.retries[1].second == order_duration{20ms});
}

TEST_CASE("without retries left a failed payment fails the order") {
  order_on_fake x{1};
  x.start();
  auto& [p, o, e] = x;
  auto pay = e.ticket(check::payment);
  o.on_error(e, pay.slot, 1, false, "payment gateway timeout", t0 + 120ms);
  CHECK(e.retries.empty());
  answer_all(o, e, t0 + 150ms); // the payment answer is not awaited any more
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::failed);
  CHECK(e.result->details
        == "Payment authorization failed: payment gateway timeout");
}

TEST_CASE("a lost node sends the same attempt to the next instance at once") {
  order_on_fake x;
  x.e.instances_of_each = 2;
  x.start();
  auto& [p, o, e] = x;
  auto fraud = e.ticket(check::fraud);
  o.on_error(e, fraud.slot, 1, true, "fraud on node B is unreachable",
             t0 + 50ms);
  auto again = e.ticket(check::fraud, 1);
  CHECK(again.attempt == 1);
  CHECK(again.pick == fraud.pick + 1);
  CHECK(e.retries.empty());
}

TEST_CASE("an answer to an attempt the slot no longer waits for is ignored") {
  order_on_fake x;
  x.start();
  auto& [p, o, e] = x;
  auto pay = e.ticket(check::payment);
  o.on_answer(e, pay.slot, 7, payment_reply{true, "tx_late"}, t0 + 1ms);
  o.on_answer(e, pay.slot + 1, 1, payment_reply{true, "tx_wrong_slot"},
              t0 + 1ms);
  answer_all(o, e, t0 + 150ms);
  REQUIRE(e.result);
  CHECK(e.result->transaction_id == "tx_1");
  CHECK(e.result->calls.size() == 6);
}

TEST_CASE("at the deadline pending calls time out and the order decides") {
  order_on_fake x;
  x.start();
  auto& [p, o, e] = x;
  CHECK(o.deadline() == t0 + 1s);
  o.expire(e, t0 + 1s);
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::timeout);
  CHECK(e.result->calls.size() == 6);
  CHECK(e.result->calls[0].outcome == call_end::timeout);
  auto late = e.ticket(check::fraud);
  o.on_answer(e, late.slot, 1, fraud_reply{1.0, false}, t0 + 2s); // no-op
}

TEST_CASE("a failed order says it voids its authorization") {
  order_on_fake x;
  x.start();
  auto& [p, o, e] = x;
  for (auto& t : std::vector<call_ticket>{e.sent})
    if (t.service == check::fraud)
      o.on_answer(e, t.slot, 1, fraud_reply{90.0, true}, t0 + 150ms);
  answer_all(o, e, t0 + 150ms);
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::failed);
  // The desk sends the void (actors/desk/voids.hpp); the result says so.
  CHECK(e.result->voided);
  CHECK(e.result->transaction_id == "tx_1");
}

TEST_CASE("no instance of a service fails its check at once, naming it") {
  order_on_fake x;
  x.e.has_instances = false;
  x.start();
  auto& [p, o, e] = x;
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::failed);
  CHECK(e.result->details.find("no inventory instance Main available")
        != std::string::npos);
}

TEST_CASE("an order that never started fails every check at its deadline") {
  order_on_fake x; // never started: no routes
  auto& [p, o, e] = x;
  o.expire(e, t0 + 1s);
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::timeout);
  CHECK(e.sent.empty());
}

TEST_CASE("a sequential order calls one stage after the other and stops at "
          "the first failed check") {
  order_on_fake x{3, order_kind::sequential};
  x.start();
  auto& [p, o, e] = x;
  REQUIRE(e.sent.size() == 1);
  CHECK(e.sent[0].service == check::inventory);
  CHECK(*e.sent[0].instance == "Main");
  o.on_answer(e, e.sent[0].slot, 1, inventory_reply{true, "Main", 2},
              t0 + 80ms);
  REQUIRE(e.sent.size() == 2);
  CHECK(e.sent[1].service == check::payment);
  o.on_answer(e, e.sent[1].slot, 1, payment_reply{false, ""}, t0 + 200ms);
  CHECK_MESSAGE(e.sent.size() == 2, "no fraud check after a decline");
  REQUIRE(e.result);
  CHECK(e.result->status == order_status::failed);
  CHECK(e.result->processing_time_ms == 200);
}
