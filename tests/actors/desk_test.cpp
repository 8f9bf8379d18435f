// tests/actors/desk_test.cpp — the order desk: overload, deduplication,
// validation, ids and statistics, in virtual time.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace order_node;
using namespace order_node::testing;

TEST_CASE_FIXTURE(fixture, "the desk answers overloaded past its bound") {
  auto d = engine_desk();
  d.max_in_flight = 2;
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto a = submit(p.desk, tutorial_order());
  auto b = submit(p.desk, tutorial_order());
  auto c = submit(p.desk, tutorial_order());
  REQUIRE_MESSAGE(c->has_value(), "overload is answered at once");
  CHECK((***c).status == order_status::overloaded);
  CHECK((***c).details
        == "Order desk at capacity (2 orders in flight); retry later");
  CHECK(!a->has_value());
  run_until(200);
  CHECK((***a).status == order_status::confirmed);
  CHECK((***b).status == order_status::confirmed);
  auto after = submit(p.desk, tutorial_order());
  run_until(400);
  CHECK_MESSAGE((***after).status == order_status::confirmed,
                "the bound frees up as orders finish");
}

TEST_CASE_FIXTURE(fixture, "the same idempotency key in flight runs one "
                           "order") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto a = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  auto b = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(200);
  REQUIRE(a->has_value());
  REQUIRE(b->has_value());
  CHECK((***a).order_id == (***b).order_id);
  CHECK((***a).calls.size() == (***b).calls.size());
  auto s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 1);
  CHECK(s.deduplicated == 1);
}

TEST_CASE_FIXTURE(fixture, "a finished key returns the same result within "
                           "the window, a new order after it") {
  auto d = engine_desk();
  d.dedup_window = std::chrono::seconds(10);
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto a = submit(p.desk, tutorial_order(order_kind::parallel, "k2"));
  run_until(200);
  auto b = submit(p.desk, tutorial_order(order_kind::parallel, "k2"));
  REQUIRE_MESSAGE(b->has_value(), "a known key is answered at once");
  CHECK((***b).order_id == (***a).order_id);
  CHECK((***b).processing_time_us == (***a).processing_time_us);
  run_until(10'300);
  auto c = submit(p.desk, tutorial_order(order_kind::parallel, "k2"));
  CHECK_MESSAGE(!c->has_value(), "after the window the key runs again");
  run_until(10'600);
  REQUIRE(c->has_value());
  CHECK(orders_counted(stats_of(*this, p.desk)) == 2);
}

TEST_CASE_FIXTURE(fixture, "beyond its capacity a desk forgets the oldest "
                           "finished key") {
  auto d = engine_desk();
  d.dedup_capacity = 1;
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto a = submit(p.desk, tutorial_order(order_kind::parallel, "c1"));
  auto b = submit(p.desk, tutorial_order(order_kind::parallel, "c2"));
  run_until(200);
  REQUIRE(a->has_value());
  REQUIRE(b->has_value());
  auto b_again = submit(p.desk, tutorial_order(order_kind::parallel, "c2"));
  REQUIRE_MESSAGE(b_again->has_value(), "the newest key is remembered");
  CHECK((***b_again).order_id == (***b).order_id);
  auto a_again = submit(p.desk, tutorial_order(order_kind::parallel, "c1"));
  CHECK_MESSAGE(!a_again->has_value(), "the oldest key runs again");
  run_until(400);
  REQUIRE(a_again->has_value());
  auto s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 3);
  CHECK(s.deduplicated == 1);
}

TEST_CASE_FIXTURE(fixture, "the shards of a desk share the node's key "
                           "capacity") {
  // Three keys that the router sends to the same one of two shards (it
  // picks by the key's hash), with room for two keys in the node: one
  // each.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 3; ++i) {
    auto key = "s" + std::to_string(i);
    if (std::hash<std::string>{}(key) % 2 == 0)
      keys.push_back(key);
  }
  auto d = engine_desk();
  d.shards = 2;
  d.dedup_capacity = 2;
  auto p = spawn_pipeline(sys, all_yes(), d);
  for (auto& key : keys) {
    auto r = submit(p.desk, tutorial_order(order_kind::parallel, key));
    run_until(now_ms() + 200);
    REQUIRE(r->has_value());
  }
  auto last = submit(p.desk, tutorial_order(order_kind::parallel, keys[2]));
  CHECK_MESSAGE(last->has_value(), "the newest key is remembered");
  auto middle = submit(p.desk, tutorial_order(order_kind::parallel, keys[1]));
  CHECK_MESSAGE(!middle->has_value(), "its shard keeps one key, not two");
  run_until(now_ms() + 200);
  CHECK(orders_counted(stats_of(*this, p.desk)) == 4);
}

TEST_CASE_FIXTURE(fixture, "a key with another body is refused, in flight "
                           "and after") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto first = submit(p.desk, tutorial_order(order_kind::parallel, "k9"));
  auto other = tutorial_order(order_kind::parallel, "k9");
  other.request.quantity = 3;
  auto in_flight = submit(p.desk, other);
  REQUIRE(in_flight->has_value());
  REQUIRE_FALSE(in_flight->value());
  CHECK(in_flight->value().error().code()
        == static_cast<uint8_t>(order_errc::key_conflict));
  run_until(200);
  REQUIRE(first->has_value());
  auto after = submit(p.desk, other);
  REQUIRE(after->has_value());
  CHECK_FALSE(after->value());
  CHECK(error_text(after->value().error())
        == "idempotency key k9 was used for another order (another body); a "
           "new order needs a new key");
  auto same = submit(p.desk, tutorial_order(order_kind::parallel, "k9"));
  REQUIRE(same->has_value());
  CHECK((***same).order_id == (***first).order_id);
  CHECK(orders_counted(stats_of(*this, p.desk)) == 1);
}

TEST_CASE_FIXTURE(fixture, "keys are per kind: slow and order do not share "
                           "results") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto a = submit(p.desk, tutorial_order(order_kind::parallel, "k3"));
  auto b = submit(p.desk, tutorial_order(order_kind::sequential, "k3"));
  run_until(600);
  CHECK((***a).processing_time_ms == 150);
  CHECK((***b).processing_time_ms == 450);
  CHECK_MESSAGE((***a).order_id != (***b).order_id,
                "two orders never share an order id");
  CHECK_MESSAGE((***a).transaction_id != (***b).transaction_id,
                "nor a payment authorization: the kind is in every outcome");
}

TEST_CASE_FIXTURE(fixture, "the desk rejects an invalid request by field") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto sub = tutorial_order();
  sub.request.quantity = 0;
  auto res = submit(p.desk, sub);
  REQUIRE(res->has_value());
  REQUIRE_FALSE(**res);
  CHECK(error_text((**res).error())
        == "quantity must be an integer from 1 to 10000, got 0");
}

TEST_CASE_FIXTURE(fixture, "order ids derive from seed and order key") {
  auto d = engine_desk();
  d.seed = 7;
  auto p = spawn_pipeline(sys, all_yes(7), d);
  auto sub = tutorial_order();
  sub.order_key = "line:1";
  auto a = submit(p.desk, sub);
  auto b = submit(p.desk, sub);
  auto c = submit(p.desk, tutorial_order()); // desk assigns seq:1
  run_until(200);
  CHECK((***a).order_id == (***b).order_id);
  CHECK((***a).order_id == make_order_id(7, "line:1"));
  CHECK((***c).order_id == make_order_id(7, "seq:1"));
}

TEST_CASE_FIXTURE(fixture, "the desk counts orders per kind and status") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  submit(p.desk, tutorial_order());
  submit(p.desk, tutorial_order());
  submit(p.desk, tutorial_order(order_kind::sequential));
  run_until(1000);
  auto s = stats_of(*this, p.desk);
  CHECK(s.in_flight == 0);
  REQUIRE(s.orders.size() == 2);
  for (auto& x : s.orders) {
    CHECK(x.status == order_status::confirmed);
    CHECK(x.latency.count == (x.kind == order_kind::parallel ? 2u : 1u));
  }
}

TEST_CASE_FIXTURE(fixture, "a desk of three shards gives the ids, the "
                           "deduplication and the counts of one desk") {
  auto d = engine_desk();
  d.seed = 7;
  d.shards = 3;
  auto p = spawn_pipeline(sys, all_yes(7), d);
  std::vector<decltype(submit(p.desk, tutorial_order()))> plain;
  for (int i = 0; i < 6; ++i)
    plain.push_back(submit(p.desk, tutorial_order())); // seq:1 .. seq:6
  auto bad = tutorial_order();
  bad.request.quantity = 0;
  auto rejected = submit(p.desk, bad); // takes no seq number
  auto k1 = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  auto k1_again = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(200);
  for (size_t i = 0; i < plain.size(); ++i) {
    REQUIRE(plain[i]->has_value());
    CHECK((***plain[i]).status == order_status::confirmed);
    CHECK((***plain[i]).order_id
          == make_order_id(7, "seq:" + std::to_string(i + 1)));
  }
  REQUIRE(rejected->has_value());
  CHECK_FALSE(**rejected);
  CHECK((***k1).order_id == (***k1_again).order_id);
  auto s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 7);
  CHECK(s.deduplicated == 1);
  CHECK(s.in_flight == 0);
  REQUIRE(s.calls.size() == 6); // one row per service instance
  for (auto& c : s.calls)
    CHECK(c.latency.count == 7);
}

TEST_CASE_FIXTURE(fixture, "each shard bounds its share of the orders in "
                           "flight") {
  auto d = engine_desk();
  d.max_in_flight = 4;
  d.shards = 2; // two each, round robin
  auto p = spawn_pipeline(sys, all_yes(), d);
  int overloaded = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = submit(p.desk, tutorial_order());
    if (r->has_value() && (***r).status == order_status::overloaded) {
      ++overloaded;
      CHECK((***r).details
            == "Order desk at capacity (4 orders in flight); retry later");
    }
  }
  CHECK(overloaded == 2);
  run_until(200);
}

TEST_CASE_FIXTURE(fixture, "with metrics off the desk runs orders and counts "
                           "nothing") {
  auto d = engine_desk();
  d.metrics = false;
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto res = submit(p.desk, tutorial_order());
  run_until(200);
  REQUIRE(res->has_value());
  CHECK((***res).status == order_status::confirmed);
  auto s = stats_of(*this, p.desk);
  CHECK(s.orders.empty());
  CHECK(s.calls.empty());
  CHECK(s.in_flight == 0);
}

TEST_CASE_FIXTURE(fixture, "a weight of -0 is 0: quotes read $0.00, not "
                           "$-0.00") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto sub = tutorial_order();
  sub.request.weight = -0.0;
  auto r = submit(p.desk, sub);
  run_until(200);
  REQUIRE(r->has_value());
  REQUIRE(r->value());
  CHECK((***r).status == order_status::confirmed);
  CHECK((***r).details.find("-0") == std::string::npos);
  CHECK((***r).details == "Shipping: $0.00 via Standard (3 days)");
}
