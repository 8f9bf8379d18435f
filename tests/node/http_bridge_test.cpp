// tests/node/http_bridge_test.cpp — the ingress's bridge in virtual time: a
// batch of orders goes to the desk on one ring and comes back as one batch
// of answers; a desk that never answers still gets the client an error.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "node/http/bridge.hpp"
#include "tests/actors/fixture.hpp"

namespace order_node {
namespace {

using namespace http_detail;
using testing::fixture;
using testing::tutorial_order;

constexpr caf::timespan timeout = std::chrono::seconds(3);

// A desk that answers every order at once with its order key as the id, or
// (silent) keeps every order forever.
order_desk_actor::behavior_type fake_desk(order_desk_actor::pointer self,
                                          bool silent) {
  return {
    [=](submit_atom, order_submission& sub) -> caf::result<order_result> {
      if (silent)
        return self->make_response_promise<order_result>();
      order_result r;
      r.order_id = sub.order_key;
      r.status = order_status::confirmed;
      return r;
    },
    [](send_atom, order_submission& sub) {
      return order_accepted{sub.order_key, false};
    },
    [](get_atom, std::string&) { return journal_lookup{}; },
    [](attach_atom, std::string&) { return journal_lookup{}; },
    [](stats_atom) { return desk_stats{}; },
  };
}

struct bridge_fixture : fixture {
  std::shared_ptr<inbox> in = std::make_shared<inbox>();
  std::vector<size_t> batches;      // answers per sink call
  std::vector<std::string> results; // order ids or error texts
  caf::actor bridge;

  explicit bridge_fixture(bool silent = false) {
    auto desk = sys.spawn(fake_desk, silent);
    bridge
      = spawn_bridge(sys, desk, timeout, in, [this](std::vector<answer>&& xs) {
          batches.push_back(xs.size());
          for (auto& x : xs)
            x.done(std::move(x.result));
        });
  }

  ~bridge_fixture() { caf::anon_send_exit(bridge, caf::exit_reason::kill); }

  /// Queues an order with key `key`; true if the bridge must be rung.
  bool push(const std::string& key) {
    auto job = std::make_shared<http_detail::order_job>();
    job->sub = tutorial_order();
    job->sub.order_key = key;
    job->done = [this](caf::expected<order_result> r) {
      results.push_back(r ? r->order_id : error_text(r.error()));
    };
    return in->push(std::move(job));
  }

  void ring() {
    caf::anon_send(bridge, drain_atom::value);
    sched.run();
  }
};

TEST_CASE("the inbox asks for a ring only when it was empty") {
  bridge_fixture f;
  CHECK(f.push("a"));
  CHECK_FALSE(f.push("b"));
  f.ring();
  CHECK_MESSAGE(f.push("c"), "the bridge took everything: empty again");
}

TEST_CASE("orders of one ring reach the desk and come back as one batch") {
  bridge_fixture f;
  f.push("a");
  f.push("b");
  f.push("c");
  f.ring();
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches.front() == 3);
  CHECK(f.results == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("an order the desk never answers gets an error at the timeout") {
  bridge_fixture f{true};
  f.push("a");
  f.ring();
  f.run_until(2999);
  CHECK_MESSAGE(f.results.empty(), "nothing before the timeout");
  f.run_until(3000);
  REQUIRE(f.results.size() == 1);
  CHECK(f.results.front().find("no answer from the order desk within 3000 ms")
        != std::string::npos);
}

TEST_CASE("an answered order no longer holds what its callback held") {
  bridge_fixture f;
  auto session = std::make_shared<int>(0); // stands for the connection
  std::weak_ptr<int> watch = session;
  auto job = std::make_shared<http_detail::order_job>();
  job->sub = tutorial_order();
  job->done = [s = std::move(session)](caf::expected<order_result>) {};
  f.in->push(job);
  f.ring();
  CHECK_MESSAGE(watch.expired(),
                "the job stays in the timeout FIFO or with the test, but its "
                "callback (and the connection) is gone once answered");
}

} // namespace
} // namespace order_node
