// actors/outbox.hpp — service calls waiting to go out, per destination: the
// calls a desk makes to one service instance while it works through its
// mailbox leave together, as one call_batch (messages/service_types.hpp).
#pragma once

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
    for (auto& d : dests_)
      if (d.to == to) {
        d.calls.push_back(std::move(req));
        d.tags.push_back(tag);
        return;
      }
    auto& d = dests_.emplace_back();
    d.to = to;
    d.calls.push_back(std::move(req));
    d.tags.push_back(tag);
  }

  /// Calls `send(to, calls, tags)` once per destination and forgets them.
  template <class F>
  void flush(F&& send) {
    for (auto& d : dests_)
      send(d.to, std::move(d.calls), std::move(d.tags));
    dests_.clear();
  }

 private:
  struct dest {
    Handle to;
    std::vector<Request> calls;
    std::vector<call_tag> tags;
  };
  std::vector<dest> dests_; // a handful: one per instance of the service
};

} // namespace order_node
