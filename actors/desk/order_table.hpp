// actors/desk/order_table.hpp — the orders a desk runs, by id: a slab of
// order_run slots that finished orders hand on to new ones. An order costs
// no node allocation and no hashing, and its vectors keep their capacity for
// the next order in the same slot. An id names the slot and how many orders
// it has held, so the id of a finished order (in a late reply, a retry, a
// deadline) never finds the slot's next order.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "actors/desk/desk_actor.hpp"
#include "actors/order/order_machine.hpp"

namespace order_node {

/// An order in flight in the table: the order itself and who waits for it.
struct order_run : order_machine {
  order_client client;

  /// Clears it for the next order (the table reuses its slots).
  void clear() {
    reset();
    client.dedup_key.clear();
    client.promise = caf::typed_response_promise<order_result>{};
  }
};

class order_table {
 public:
  /// A cleared order with a new id; the reference stays valid until the
  /// order is erased (slots live in a deque and are never moved).
  order_run& add() {
    uint32_t index;
    if (free_.empty()) {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      index = free_.back();
      free_.pop_back();
    }
    auto& s = slots_[index];
    // Starts at 1 and skips 0 when it wraps: no id is 0 (a cleared slot).
    if (++s.generation == 0)
      s.generation = 1;
    s.run.id = (uint64_t{s.generation} << 32) | index;
    ++size_;
    return s.run;
  }

  /// The order with `id`, or nullptr when it has finished.
  order_run* find(uint64_t id) {
    auto index = static_cast<size_t>(id & 0xffff'ffffu);
    if (index >= slots_.size() || slots_[index].run.id != id)
      return nullptr;
    return &slots_[index].run;
  }

  bool contains(uint64_t id) const {
    auto index = static_cast<size_t>(id & 0xffff'ffffu);
    return index < slots_.size() && slots_[index].run.id == id;
  }

  /// Forgets order `id` and clears its slot for the next order.
  void erase(uint64_t id) {
    auto* o = find(id);
    if (o == nullptr)
      return;
    recycle(*o);
    free_.push_back(static_cast<uint32_t>(id & 0xffff'ffffu));
    --size_;
  }

  size_t size() const { return size_; }

  /// Calls `f(order_run&)` for every order in the table.
  template <class F>
  void each(F f) {
    for (auto& s : slots_)
      if (s.run.id != 0)
        f(s.run);
  }

 private:
  // Resets every field (id 0: free), keeping the capacity of the vectors
  // that every order fills the same way.
  static void recycle(order_run& o) { o.clear(); }

  struct slot {
    order_run run;
    uint32_t generation = 0;
  };
  std::deque<slot> slots_;
  std::vector<uint32_t> free_;
  size_t size_ = 0;
};

} // namespace order_node
