// actors/journal/pg_leases.hpp — a front's hold on its partitions of a
// shared journal (issue #28, docs/cluster.md "Several fronts"): its name
// (a session advisory lock on a connection of its own, held while the
// front lives, so that the others see at once when its process is gone),
// its row in `fronts`, and its leases: renewed every round, claimed when
// free, expired, left by a front whose session is gone, or its own from a
// run that died. Rounds are the lease actor's (every 500 ms); a front that
// cannot renew for a whole lease drops its partitions itself. No actors
// here: one thread uses a keeper at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/journal/journal_store.hpp"
#include "messages/cluster_types.hpp"

namespace order_node {

class partition_epochs;
class pg_connection;

/// What one round found.
struct lease_round {
  std::vector<int32_t> gained; // claimed in this round
  std::vector<int32_t> lost;   // this front's no more
  /// Each partition's owner (a front's name), "" for none.
  std::vector<std::string> owners;
  std::vector<front_entry> fronts; // the live ones, this one included
};

class lease_keeper {
 public:
  /// Connects to `uri` for front `o.front`; nullptr and `error` set if it
  /// cannot. `owned` is shared with the journal, which fences with it.
  static std::unique_ptr<lease_keeper>
  open(const std::string& uri, const store_options& o,
       std::shared_ptr<partition_epochs> owned, std::string& error);

  ~lease_keeper();
  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  /// Takes the front's name (refused while another process holds it) and
  /// registers it with `run`; then claims what is free (start of a front).
  bool start(int64_t run, std::string& error);

  /// Renews this front's leases, claims free ones up to its share of the
  /// live fronts, and reads who owns what. False and `error` set if the
  /// database did not answer; once that lasted a whole lease, every
  /// partition is in out.lost.
  bool round(lease_round& out, std::string& error);

  /// Gives up this front's leases (a clean stop): the others claim them
  /// at their next round.
  void release();

  /// Reads the orders of `parts` (just claimed) as a start would, into
  /// `out` (unfinished ones with their replies, keyed ones decided at or
  /// after `retention_cutoff_us`, voids still owed), and marks the
  /// unfinished ones resumed.
  bool read(const std::vector<int32_t>& parts, int64_t retention_cutoff_us,
            journal_contents& out, std::string& error);

  const std::shared_ptr<partition_epochs>& owned() const { return owned_; }
  const std::string& front() const { return options_.front; }

 private:
  lease_keeper(std::unique_ptr<pg_connection> conn, std::string shown,
               store_options o, std::shared_ptr<partition_epochs> owned);
  bool take_name(std::string& error);
  bool claim(int64_t limit, lease_round& out, std::string& error);
  bool renew(lease_round& out, std::string& error);
  bool survey(lease_round& out, std::string& error);

  std::unique_ptr<pg_connection> conn_;
  std::string shown_;
  store_options options_;
  std::shared_ptr<partition_epochs> owned_;
  int64_t run_ = 0;
  bool named_ = false; // holds its name on the current connection
  std::chrono::steady_clock::time_point renewed_;
};

} // namespace order_node
