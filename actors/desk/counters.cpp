// actors/desk/counters.cpp — see counters.hpp.
#include "actors/desk/counters.hpp"

#include <algorithm>

namespace order_node {

void desk_counters::count(order_kind kind, const order_result& r) {
  auto i = std::find_if(orders.begin(), orders.end(), [&](const auto& s) {
    return s.kind == kind && s.status == r.status;
  });
  if (i == orders.end())
    i = orders.insert(orders.end(), status_stats{kind, r.status, {}});
  i->latency.observe(r.processing_time_us);
}

void desk_counters::count_calls(const order_result& r) {
  for (auto& c : r.calls) {
    auto i = std::find_if(calls.begin(), calls.end(), [&](const auto& x) {
      return x.service == c.service && x.instance == c.instance;
    });
    if (i == calls.end())
      i = calls.insert(calls.end(),
                       call_stats{c.service, c.instance, {}, 0, 0});
    i->latency.observe(static_cast<int64_t>(c.ms * 1000.0));
    if (c.outcome == call_end::timeout)
      ++i->timeouts;
    else if (c.outcome == call_end::error)
      ++i->errors;
  }
}

} // namespace order_node
