// actors/journal/journal_store.hpp — the journal's store: what the order
// desk must not forget (issue #15, docs/durability.md): every accepted
// order, every reply its calls got, its decision, and the payment voids
// still owed. Two kinds: an SQLite file in WAL mode (sqlite_journal.hpp, the
// embedded default) and a PostgreSQL database that several fronts share
// (pg_journal.hpp, issue #28). No actors here: the journal actor
// (journal_actor.hpp) owns one store on a thread of its own and commits in
// groups; recovery reads it before the node serves.
//
// A journal that cannot be opened, is not an order-node journal, or is
// corrupt is refused with an error naming the file (or database) and the
// problem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/journal/sqlite_file.hpp" // journal_sync
#include "messages/journal_types.hpp"

namespace order_node {

/// What recovery finds in a journal.
struct journal_contents {
  /// This start's run number: 1 for a new journal, one more on every open.
  int64_t run = 1;
  /// Drawn when the journal was made: names its orders to the payment
  /// gateway (authorization keys), whose ledger may serve other fronts.
  uint64_t uid = 0;
  /// The next acceptance number (one more than the largest ever given).
  uint64_t next_seq = 1;
  /// Orders accepted and not decided, oldest first, with their replies.
  std::vector<journaled_order> unfinished;
  /// Decided orders with an idempotency key, decided at or after the
  /// retention cut-off, oldest first.
  std::vector<journaled_order> keyed;
  /// Voids journaled and not acknowledged.
  std::vector<journal_void> voids;
};

/// The kinds of record a test can make the journal fail (fail_next()).
enum class journal_record : uint8_t { accepted, reply, decided };

/// The system clock in microseconds since the epoch: the journal's time.
int64_t journal_now_us();

/// How to open a journal store.
struct store_options {
  journal_sync sync = journal_sync::full; // files
  /// Databases: this front's name in the leases and the fronts table (its
  /// --listen address; "local" for a node without one).
  std::string front = "local";
  int32_t partitions = 64; // of a new database
  int64_t lease_ms = 3000; // a partition's lease (--journal.lease)
};

/// Whether `where` (a --journal or --payment.ledger value) names a
/// PostgreSQL database (a libpq URI: postgresql://... or postgres://...)
/// rather than an SQLite file.
bool is_database_uri(const std::string& where);

/// The journal's store: an SQLite file (sqlite_journal.hpp, the embedded
/// default) or a PostgreSQL database shared by several fronts
/// (pg_journal.hpp). One thread uses a store at a time (the journal
/// actor's, or recovery's before it).
class journal_store {
 public:
  /// Opens (or creates) the journal at `where`, a file path or a database
  /// URI (is_database_uri); nullptr and `error` set ("journal WHERE: ...")
  /// if it cannot be opened, is not an order-node journal, or is corrupt.
  /// `sync` applies to files.
  static std::unique_ptr<journal_store>
  open(const std::string& where, const store_options& o, std::string& error);
  static std::unique_ptr<journal_store>
  open(const std::string& where, journal_sync sync, std::string& error) {
    store_options o;
    o.sync = sync;
    return open(where, o, error);
  }

  virtual ~journal_store() = default;
  journal_store(const journal_store&) = delete;
  journal_store& operator=(const journal_store&) = delete;

  /// Starts a new run (run = last run + 1, committed) and reads everything
  /// recovery needs. Decided orders older than `retention_cutoff_us`
  /// (system clock, microseconds) are not returned. False and `error` set
  /// if a record cannot be decoded.
  virtual bool recover(int64_t retention_cutoff_us, journal_contents& out,
                       std::string& error)
    = 0;

  /// Writes `ops` inside the current transaction (begun if none).
  virtual void write(const journal_ops& ops) = 0;

  /// Commits the current transaction, if any. False and `error` set if
  /// the store refuses (disk full, I/O error, a lost connection).
  bool commit(std::string& error) {
    std::vector<uint64_t> ignored;
    return commit(error, ignored);
  }

  /// As commit(), and `unrecorded` gets the acceptance numbers of the
  /// decisions written since the last commit whose order the journal does
  /// not hold (their acceptance's write failed): they changed nothing.
  virtual bool commit(std::string& error, std::vector<uint64_t>& unrecorded)
    = 0;

  /// Deletes decided orders decided before `cutoff_us` and the replies of
  /// decided orders. The number of orders deleted.
  virtual int64_t purge(int64_t cutoff_us) = 0;

  /// Looks an order up by its id. A decided order whose result does not
  /// decode is not `decided`, and sets `*error` if given.
  virtual journal_lookup lookup(const std::string& order_id,
                                std::string* error = nullptr)
    = 0;

  /// Makes every later write fail, as a disk that refuses them (tests).
  virtual void refuse_writes() = 0;

  /// Fails the next transaction that holds a record of `kind`, as a full
  /// disk would (tests: the seam of docs/durability.md's edge cases).
  virtual void fail_next(journal_record kind) = 0;

  /// Bytes of the WAL file (0 if none, or not a file).
  virtual int64_t wal_bytes() const { return 0; }

  /// Whether other fronts write it too (a database): an order may be
  /// decided by another front's commit, not only by this one's.
  virtual bool shared() const { return false; }

  /// The file's path, or the database URI as logs may show it (no
  /// password).
  const std::string& path() const { return path_; }

 protected:
  explicit journal_store(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

} // namespace order_node
