// tests/actors/order_table_test.cpp — the desk's slab of running orders:
// ids stay unique when slots are reused, and a finished order's id never
// finds the order that took its slot.
#include <set>

#include <doctest/doctest.h>

#include "actors/desk/order_table.hpp"

using namespace order_node;

TEST_CASE("an order table hands out unique ids and finds what it holds") {
  order_table t;
  auto& a = t.add();
  auto& b = t.add();
  CHECK(a.id != 0);
  CHECK(b.id != 0);
  CHECK(a.id != b.id);
  CHECK(t.size() == 2);
  CHECK(t.find(a.id) == &a);
  CHECK(t.find(b.id) == &b);
  CHECK(t.find(0) == nullptr);
  CHECK(t.find(b.id + 1000) == nullptr);
}

TEST_CASE("a finished order's id does not find the next order in its slot") {
  order_table t;
  auto& a = t.add();
  auto old_id = a.id;
  static const order_params params;
  order_job job;
  job.order_id = "ORD_1";
  job.order_key = "line:1";
  a.init(order_kind::parallel, std::move(job), params);
  REQUIRE(a.replies().warehouses.size() == 2);
  t.erase(old_id);
  CHECK(t.size() == 0);
  CHECK(t.find(old_id) == nullptr);
  t.erase(old_id); // twice: nothing happens
  CHECK(t.size() == 0);
  auto& b = t.add(); // takes the freed slot
  CHECK(&b == &a);
  CHECK(b.id != old_id);
  CHECK(t.find(old_id) == nullptr);
  CHECK(t.find(b.id) == &b);
  // Cleared for the new order, but the slot vectors keep their capacity.
  CHECK(b.job().order_id.empty());
  CHECK(b.replies().warehouses.empty());
  CHECK(b.replies().warehouses.capacity() >= 2);
  CHECK_FALSE(b.started());
  CHECK_FALSE(b.decided());
}

TEST_CASE("ids stay unique over many orders and reused slots") {
  order_table t;
  std::set<uint64_t> seen;
  std::vector<uint64_t> live;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 10; ++i) {
      auto id = t.add().id;
      CHECK(seen.insert(id).second);
      live.push_back(id);
    }
    // Finish every other one, oldest first.
    for (size_t i = 0; i < live.size(); i += 2)
      t.erase(live[i]);
    std::vector<uint64_t> still;
    for (size_t i = 1; i < live.size(); i += 2)
      still.push_back(live[i]);
    live = std::move(still);
    CHECK(t.size() == live.size());
    for (auto id : live)
      CHECK(t.find(id) != nullptr);
  }
}
