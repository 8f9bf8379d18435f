// actors/desk/deadline_queue.hpp — times at which something of an engine comes
// due (an order's deadline, a batch nobody will answer), without a timer
// each. Every order of a desk has the same deadline offset, so entries come
// due in the order they were pushed: a FIFO whose front is the next one, and
// the desk runs one timer for the front of its engine's queues (order_desk.
// cpp, on_tick()). Entries of orders that finished in time stay until they
// come due and are skipped then: finishing an order costs nothing here.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace order_node {

class deadline_queue {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Adds (at, id); `at` must not be before the last entry's.
  void push(time_point at, uint64_t id) { q_.push_back({at, id}); }

  /// Calls `f(id)` for every entry due at `now`, oldest first, and drops it.
  template <class F>
  void pop_due(time_point now, F&& f) {
    while (!q_.empty() && q_.front().at <= now) {
      auto id = q_.front().id;
      q_.pop_front();
      f(id);
    }
  }

  /// When the oldest entry comes due; none when empty.
  std::optional<time_point> next() const {
    if (q_.empty())
      return std::nullopt;
    return q_.front().at;
  }

  bool empty() const { return q_.empty(); }
  size_t size() const { return q_.size(); }

 private:
  struct entry {
    time_point at;
    uint64_t id;
  };
  std::deque<entry> q_;
};

/// The earlier of two optional times.
inline std::optional<deadline_queue::time_point>
earliest(std::optional<deadline_queue::time_point> a,
         std::optional<deadline_queue::time_point> b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return *a < *b ? a : b;
}

} // namespace order_node
