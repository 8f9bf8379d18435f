// actors/desk/outbox.hpp — service calls waiting to go out, per destination:
// the calls a desk makes to one service instance while it works through its
// mailbox leave together, as one call_batch (messages/service_types.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace order_node {

/// Which call of which order an outcome answers.
struct call_tag {
  uint64_t order = 0;
  int32_t slot = 0;
  int32_t attempt = 0;
};

template <class Handle, class Request>
class outbox {
 public:
  void add(const Handle& to, Request req, call_tag tag) {
    auto i = std::find_if(dests_.begin(), dests_.end(),
                          [&](const dest& d) { return d.to == to; });
    auto& d = i != dests_.end() ? *i : dests_.emplace_back(dest{to, {}, {}, 0});
    if (d.calls.empty()) {
      // As many as last time: under steady load, no reallocation.
      d.calls.reserve(d.last);
      d.tags.reserve(d.last);
    }
    d.calls.push_back(std::move(req));
    d.tags.push_back(tag);
  }

  /// Calls `send(to, calls, tags)` once per destination with calls and
  /// forgets them; a destination without calls since the last flush goes.
  template <class F>
  void flush(F&& send) {
    auto idle = [](const dest& d) { return d.calls.empty(); };
    dests_.erase(std::remove_if(dests_.begin(), dests_.end(), idle),
                 dests_.end());
    for (auto& d : dests_) {
      d.last = d.calls.size();
      send(d.to, std::move(d.calls), std::move(d.tags));
      d.calls.clear(); // moved from: valid, now certainly empty
      d.tags.clear();
    }
  }

 private:
  struct dest {
    Handle to;
    std::vector<Request> calls;
    std::vector<call_tag> tags;
    size_t last; // calls in the last batch
  };
  std::vector<dest> dests_; // a handful: one per instance of the service
};

} // namespace order_node
