// actors/journal/pg_journal.hpp — the journal in a PostgreSQL database that
// several fronts share (issue #28, docs/durability.md "Several fronts"):
// the same records as the SQLite journal, each order in a partition
// (messages/partition.hpp), each partition owned by one front at a time
// under a lease (pg_schema.hpp: leases).
//
// The fence: every write transaction begins with order_node_fence(), which
// locks the leases of its partitions FOR SHARE and rolls the transaction
// back if one of them is not this front's with the epoch it took it with
// (the partitions of the orders and voids a record is about are the
// database's, so that no record of an order another front took passes). Taking
// a partition bumps its epoch, so once another front has it, no write of this
// one can commit (Temporal's range_id, Kleppmann's fencing token); a fenced
// commit fails and names the partitions it lost.
//
// A group's records go to the database as one statement per kind (arrays
// of the group's rows) in one pipeline: BEGIN, the fence, the records,
// COMMIT, in one round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/journal/journal_store.hpp"
#include "actors/journal/partition_epochs.hpp"

namespace order_node {

class lease_keeper;
class pg_connection;

class pg_journal final : public journal_store {
 public:
  /// Connects to `uri`, makes or checks the schema (a new journal gets
  /// `o.partitions`); nullptr and `error` set ("journal URI: ...") if it
  /// cannot.
  static std::unique_ptr<pg_journal>
  open(const std::string& uri, const store_options& o, std::string& error);

  ~pg_journal() override;

  using journal_store::commit;
  /// Also: counts the run; the keeper takes this front's name (refused
  /// while another process holds it) and claims the partitions that are
  /// free, expired, orphaned or its own from an earlier run; reads theirs.
  bool recover(int64_t retention_cutoff_us, journal_contents& out,
               std::string& error) override;
  void write(const journal_ops& ops) override;
  bool commit(std::string& error, std::vector<uint64_t>& unrecorded) override;
  int64_t purge(int64_t cutoff_us) override;
  journal_lookup lookup(const std::string& order_id,
                        std::string* error = nullptr) override;
  void refuse_writes() override;
  void fail_next(journal_record kind) override;
  bool shared() const override { return true; }

  /// The partitions this front owns and their epochs.
  const std::shared_ptr<partition_epochs>& owned() const { return owned_; }
  /// Its hold on them (recover() starts it; then the lease actor's).
  const std::shared_ptr<lease_keeper>& keeper() const { return keeper_; }
  /// The partitions a fenced commit found taken (cleared when read).
  std::vector<int32_t> take_lost();
  /// This start's run (after recover()).
  int64_t run() const { return run_; }

 private:
  pg_journal(std::unique_ptr<pg_connection> conn, std::string shown,
             store_options o, std::shared_ptr<partition_epochs> owned,
             std::shared_ptr<lease_keeper> keeper);
  void fenced();

  std::unique_ptr<pg_connection> conn_;
  store_options options_;
  std::shared_ptr<partition_epochs> owned_;
  std::shared_ptr<lease_keeper> keeper_;
  int64_t run_ = 0;
  journal_ops pending_; // the group's records, sent at commit
  std::vector<int32_t> lost_;
  std::optional<journal_record> fail_next_;
  bool refuse_ = false;
  bool unfenced_ = false; // ORDER_NODE_TEST_UNFENCED=1: tests only
};

} // namespace order_node
