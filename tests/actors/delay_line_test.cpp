// tests/actors/delay_line_test.cpp — replies due in the same tick share one
// timer, and every reply arrives at its due time.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace order_node;
using namespace order_node::testing;

TEST_CASE_FIXTURE(fixture, "calls due in one tick share a single timer") {
  auto svc = all_yes();
  auto routes = spawn_services(sys, svc);
  auto fraud = routes.frauds[0].handle;
  int answers = 0;
  for (int i = 0; i < 100; ++i)
    spawn_fn(sys, [&, i](caf::event_based_actor* self) {
      self
        ->request(fraud, std::chrono::seconds(1), assess_atom::value,
                  fraud_batch{
                    1, {fraud_request{{"k" + std::to_string(i), 1}, "u", 1.0}}})
        .then([&](fraud_outcomes& x) {
          answers += static_cast<int>(x.outcomes.size());
        });
    });
  sched.run();
  // One tick timer for the 100 replies (plus one timeout per request).
  CHECK(clock().schedule().size() == 101);
  run_until(149.9);
  CHECK(answers == 0);
  run_until(150);
  CHECK(answers == 100);
}
