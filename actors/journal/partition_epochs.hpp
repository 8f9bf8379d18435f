// actors/journal/partition_epochs.hpp — the partitions of a shared journal
// a front owns, with the epoch it took each with (issue #28). One table per
// front, shared: its lease keeper (pg_leases.hpp) sets it, the journal
// (pg_journal.hpp) fences with it, the desk asks it whether an order is
// its own. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "messages/partition.hpp"

namespace order_node {

class partition_epochs {
 public:
  explicit partition_epochs(int32_t partitions)
      : epochs_(static_cast<size_t>(partitions), 0) {}

  int32_t partitions() const { return static_cast<int32_t>(epochs_.size()); }

  /// The epoch partition `part` was taken with; 0: not this front's.
  int64_t epoch(int32_t part) const {
    std::lock_guard<std::mutex> guard{mtx_};
    if (part < 0 || part >= static_cast<int32_t>(epochs_.size()))
      return 0;
    return epochs_[static_cast<size_t>(part)];
  }

  bool owns(int32_t part) const { return epoch(part) != 0; }

  /// The partition of an order with order key `key` (partition.hpp).
  int32_t part_of(std::string_view key) const {
    return partition_of(key, partitions());
  }

  void set(int32_t part, int64_t epoch) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (part >= 0 && part < static_cast<int32_t>(epochs_.size()))
      epochs_[static_cast<size_t>(part)] = epoch;
  }

  /// The owned partitions, ascending.
  std::vector<int32_t> owned() const {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<int32_t> out;
    for (size_t i = 0; i < epochs_.size(); ++i)
      if (epochs_[i] != 0)
        out.push_back(static_cast<int32_t>(i));
    return out;
  }

  /// Every partition's epoch, by partition.
  std::vector<int64_t> all() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return epochs_;
  }

 private:
  mutable std::mutex mtx_;
  std::vector<int64_t> epochs_;
};

} // namespace order_node
