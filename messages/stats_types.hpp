// messages/stats_types.hpp — the desk's counters and latency histograms, shaped
// for Prometheus (fixed bucket bounds, cumulative on export).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/order_types.hpp"

namespace order_node {

/// Latencies in fixed buckets. Upper bounds are in microseconds; the last
/// bucket is +Inf. Cheap to update (a short linear search), no locks.
struct latency_histogram {
  static constexpr std::array<int64_t, 22> bounds_us
    = {1'000,     5'000,     10'000,    25'000,    50'000,  100'000,
       125'000,   150'000,   155'000,   160'000,   175'000, 200'000,
       250'000,   300'000,   450'000,   460'000,   500'000, 750'000,
       1'000'000, 2'500'000, 5'000'000, 10'000'000};
  std::vector<uint64_t> counts = std::vector<uint64_t>(bounds_us.size() + 1);
  uint64_t count = 0;
  int64_t sum_us = 0;
  int64_t max_us = 0;
  int64_t min_us = 0; // of the observations; 0 while there are none

  void observe(int64_t us);

  /// Adds the observations of `x` (same bounds), e.g. of another desk shard.
  void add(const latency_histogram& x);

  /// The observations since `before` (an earlier copy of this one). The
  /// interval's minimum and maximum are not known: the whole run's bound
  /// its quantiles.
  latency_histogram since(const latency_histogram& before) const;

  /// Estimated quantile q (0..1) in milliseconds, interpolated in its bucket
  /// between the observed minimum and maximum (never past the data).
  double quantile_ms(double q) const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_histogram& x) {
  return f(caf::meta::type_name("latency_histogram"), x.counts, x.count,
           x.sum_us, x.max_us, x.min_us);
}

/// The journal's counters since start, with two histograms: how long a
/// commit takes, and how many records a commit carries (its group).
struct journal_stats {
  /// Upper bounds of the buckets (one more bucket: above the last).
  static constexpr std::array<int64_t, 12> commit_bounds_us
    = {50,    100,    250,    500,    1'000,   2'500,
       5'000, 10'000, 25'000, 50'000, 100'000, 250'000};
  static constexpr std::array<int64_t, 12> group_bounds
    = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1'000, 2'000, 5'000};
  int64_t commits = 0;
  int64_t records = 0; // the sum of the group sizes
  int64_t failed_commits = 0;
  int64_t purged = 0;
  int64_t wal_bytes = 0;     // when asked
  int64_t commit_us_sum = 0; // time spent committing
  int64_t commit_us_max = 0;
  std::vector<uint64_t> commit_counts
    = std::vector<uint64_t>(commit_bounds_us.size() + 1);
  std::vector<uint64_t> group_counts
    = std::vector<uint64_t>(group_bounds.size() + 1);

  /// Counts one commit of `records` that took `us`.
  void observe(int64_t us, int64_t group) {
    ++commits;
    records += group;
    commit_us_sum += us;
    commit_us_max = std::max(commit_us_max, us);
    auto bucket = [](const auto& bounds, int64_t x) {
      size_t i = 0;
      while (i < bounds.size() && x > bounds[i])
        ++i;
      return i;
    };
    ++commit_counts[bucket(commit_bounds_us, us)];
    ++group_counts[bucket(group_bounds, group)];
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_stats& x) {
  return f(caf::meta::type_name("journal_stats"), x.commits, x.records,
           x.failed_commits, x.purged, x.wal_bytes, x.commit_us_sum,
           x.commit_us_max, x.commit_counts, x.group_counts);
}

/// Orders of one kind that ended with one status.
struct status_stats {
  order_kind kind = order_kind::parallel;
  order_status status = order_status::confirmed;
  latency_histogram latency;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_stats& x) {
  return f(caf::meta::type_name("status_stats"), x.kind, x.status, x.latency);
}

/// Calls of all orders to one service instance.
struct call_stats {
  std::string service;
  std::string instance;
  latency_histogram latency; // every call, whatever its outcome
  uint64_t errors = 0;       // transient errors and missing instances
  uint64_t timeouts = 0;     // no answer by the order's deadline
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_stats& x) {
  return f(caf::meta::type_name("call_stats"), x.service, x.instance, x.latency,
           x.errors, x.timeouts);
}

struct desk_stats {
  int64_t in_flight = 0;
  /// Orders not answered yet: in flight, or decided and waiting for their
  /// decision's commit (a graceful stop waits for none to be left).
  int64_t unanswered = 0;
  uint64_t deduplicated = 0; // answered from an earlier order with that key
  std::vector<status_stats> orders;
  std::vector<call_stats> calls;
  int64_t resumed = 0;       // orders resumed from the journal at start
  int64_t voids_pending = 0; // payment voids not acknowledged yet
  bool journaled = false;    // with a journal: its counters
  journal_stats journal;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, desk_stats& x) {
  return f(caf::meta::type_name("desk_stats"), x.in_flight, x.unanswered,
           x.deduplicated, x.orders, x.calls, x.resumed, x.voids_pending,
           x.journaled, x.journal);
}

} // namespace order_node
