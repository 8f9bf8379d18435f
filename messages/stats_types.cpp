// messages/stats_types.cpp — latency_histogram arithmetic.
#include "messages/stats_types.hpp"

#include <algorithm>

namespace order_node {

void latency_histogram::observe(int64_t us) {
  auto i = std::lower_bound(bounds_us.begin(), bounds_us.end(), us)
           - bounds_us.begin();
  ++counts[static_cast<size_t>(i)];
  ++count;
  sum_us += us;
  min_us = count == 1 ? us : std::min(min_us, us);
  max_us = std::max(max_us, us);
}

void latency_histogram::add(const latency_histogram& x) {
  for (size_t i = 0; i < counts.size() && i < x.counts.size(); ++i)
    counts[i] += x.counts[i];
  if (x.count > 0)
    min_us = count == 0 ? x.min_us : std::min(min_us, x.min_us);
  count += x.count;
  sum_us += x.sum_us;
  max_us = std::max(max_us, x.max_us);
}

latency_histogram
latency_histogram::since(const latency_histogram& before) const {
  latency_histogram out = *this;
  if (before.count > count)
    return out; // not an earlier copy: a restarted count
  for (size_t i = 0; i < out.counts.size() && i < before.counts.size(); ++i)
    out.counts[i] -= std::min(out.counts[i], before.counts[i]);
  out.count -= before.count;
  out.sum_us -= before.sum_us;
  return out;
}

double latency_histogram::quantile_ms(double q) const {
  if (count == 0)
    return 0;
  auto rank = q * static_cast<double>(count);
  double seen = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0)
      continue;
    auto next = seen + static_cast<double>(counts[i]);
    if (next >= rank) {
      double lo = i == 0 ? 0.0 : static_cast<double>(bounds_us[i - 1]);
      double hi = i < bounds_us.size() ? static_cast<double>(bounds_us[i])
                                       : static_cast<double>(max_us);
      hi = std::min(hi, static_cast<double>(max_us));
      lo = std::min(std::max(lo, static_cast<double>(min_us)), hi);
      auto frac = (rank - seen) / static_cast<double>(counts[i]);
      return (lo + (hi - lo) * frac) / 1000.0;
    }
    seen = next;
  }
  return static_cast<double>(max_us) / 1000.0;
}

} // namespace order_node
