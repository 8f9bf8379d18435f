// tests/actors/partitions_test.cpp — a desk on a shared journal's partitions
// (issue #28; actors/desk/admission.cpp, recovery.cpp), in virtual time and
// for both engines: it runs the orders of the partitions it owns only; a
// lost partition's orders stop without a decision and their clients get
// not_owner; a keyless order takes an owned partition; the orders of a
// partition it takes resume, and their keys answer with them.
#include <doctest/doctest.h>

#include <caf/send.hpp>

#include "actors/journal/partition_epochs.hpp"
#include "fixture.hpp"
#include "messages/errors.hpp"
#include "messages/partition.hpp"

using namespace order_node;
using namespace order_node::testing;

namespace {

// A key whose partition of `n` is `part`.
std::string key_in(int32_t part, int32_t n) {
  for (int i = 0;; ++i) {
    auto key = "key-" + std::to_string(i);
    if (partition_of(key, n) == part)
      return key;
  }
}

bool not_owner(
  const std::shared_ptr<std::optional<caf::expected<order_result>>>& x) {
  return x->has_value() && !x->value()
         && is_error(x->value().error(), order_errc::not_owner);
}

} // namespace

TEST_CASE_FIXTURE(fixture, "partitions: a desk runs its partitions' orders "
                           "only; a lost one's stop with not_owner, a taken "
                           "one's resume") {
  constexpr int32_t n = 4;
  auto parts = std::make_shared<partition_epochs>(n);
  for (int32_t p = 0; p < n; ++p)
    parts->set(p, 1);
  auto d = engine_desk();
  d.partitions = parts;
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto desk = caf::actor_cast<partition_desk_actor>(p.desk);
  auto k0 = key_in(0, n);
  auto k1 = key_in(1, n);
  auto a = submit(p.desk, tutorial_order(order_kind::parallel, k0));
  auto b = submit(p.desk, tutorial_order(order_kind::parallel, k1));
  run_until(50); // both in flight
  REQUIRE_FALSE(a->has_value());
  parts->set(0, 0);
  caf::anon_send(desk, drop_atom::value, std::vector<int32_t>{0});
  run_until(60);
  CHECK_MESSAGE(not_owner(a), "a lost partition's order stops here");
  run_until(300);
  REQUIRE(b->has_value());
  CHECK((***b).status == order_status::confirmed);
  // New orders of the lost partition are refused; keyless ones take an
  // owned partition.
  auto c = submit(p.desk, tutorial_order(order_kind::parallel, k0));
  auto e = submit(p.desk, tutorial_order());
  run_until(600);
  CHECK(not_owner(c));
  REQUIRE(e->has_value());
  CHECK((***e).status == order_status::confirmed);
  CHECK(partition_of((***e).order_id, n) != 0);
  // Taken back (another epoch): its unfinished order resumes here, and its
  // key answers with that order's result.
  parts->set(0, 2);
  journaled_order o;
  o.accepted.seq = 77;
  o.accepted.order_id = "ORD_taken";
  o.accepted.order_key = "key:" + k0;
  o.accepted.idempotency_key = k0;
  o.accepted.request = tutorial_order().request;
  caf::anon_send(desk, resume_atom::value, std::vector<journaled_order>{o},
                 std::vector<journal_void>{});
  run_until(610);
  auto again = submit(p.desk, tutorial_order(order_kind::parallel, k0));
  run_until(1'000);
  REQUIRE(again->has_value());
  CHECK((***again).order_id == "ORD_taken");
  CHECK((***again).resumed);
}
