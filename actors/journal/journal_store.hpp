// actors/journal/journal_store.hpp — the journal's file: an SQLite database
// in WAL mode that records what the order desk must not forget (issue #15,
// docs/durability.md): every accepted order, every reply its calls got, its
// decision, and the payment voids still owed. No actors here: the journal
// actor (journal_actor.hpp) owns one store on a thread of its own and
// commits in groups; recovery reads it before the node serves.
//
// A journal that cannot be opened, is not an order-node journal, or is
// corrupt is refused with an error naming the file and the problem.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/journal/sqlite_file.hpp"
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

/// PRAGMA application_id of an order-node journal: "ORNJ".
inline constexpr int64_t journal_app_id = 0x4F524E4A;
/// The journal's format (PRAGMA user_version) this order-node writes; it
/// reads 1 and up to it (journal_store.cpp says what each added).
inline constexpr int64_t journal_version = 3;

/// The kinds of record a test can make the journal fail (fail_next()).
enum class journal_record : uint8_t { accepted, reply, decided };

/// The system clock in microseconds since the epoch: the journal's time.
int64_t journal_now_us();

class journal_store {
 public:
  /// Opens (or creates) the journal at `path`; nullptr and `error` set
  /// ("journal PATH: ...") if it cannot be opened, is not an order-node
  /// journal, or fails SQLite's quick check.
  static std::unique_ptr<journal_store>
  open(const std::string& path, journal_sync sync, std::string& error);

  ~journal_store();
  journal_store(const journal_store&) = delete;
  journal_store& operator=(const journal_store&) = delete;

  /// Starts a new run (run = last run + 1, committed) and reads everything
  /// recovery needs. Decided orders older than `retention_cutoff_us`
  /// (system clock, microseconds) are not returned. False and `error` set
  /// if a record cannot be decoded.
  bool recover(int64_t retention_cutoff_us, journal_contents& out,
               std::string& error);

  /// Writes `ops` inside the current transaction (begun if none).
  void write(const journal_ops& ops);

  /// Commits the current transaction, if any. False and `error` set if
  /// SQLite refuses (disk full, I/O error).
  bool commit(std::string& error);

  /// As commit(), and `unrecorded` gets the acceptance numbers of the
  /// decisions written since the last commit whose order the journal does
  /// not hold (their acceptance's write failed): they changed nothing.
  bool commit(std::string& error, std::vector<uint64_t>& unrecorded);

  /// Deletes decided orders decided before `cutoff_us` and the replies of
  /// decided orders. The number of orders deleted.
  int64_t purge(int64_t cutoff_us);

  /// Looks an order up by its id. A decided order whose result does not
  /// decode is not `decided`, and sets `*error` if given.
  journal_lookup lookup(const std::string& order_id,
                        std::string* error = nullptr);

  /// Makes every later write fail, as a disk that refuses them (tests).
  void refuse_writes();

  /// Fails the next transaction that holds a record of `kind`, as a full
  /// disk would (tests: the seam of docs/durability.md's edge cases).
  void fail_next(journal_record kind);

  /// Bytes of the WAL file (0 if none).
  int64_t wal_bytes() const;

  const std::string& path() const { return path_; }

 private:
  journal_store(std::unique_ptr<sqlite_file> file, std::string path);
  bool prepare(std::string& error);
  bool upgrade_from_1(std::string& error);
  bool upgrade_from_2(std::string& error);
  bool exec(const char* sql, std::string& error);
  bool read_uid(uint64_t& out, std::string& error);

  std::unique_ptr<sqlite_file> file_;
  sqlite3* db_ = nullptr; // file_'s
  std::string path_;
  bool in_transaction_ = false;
  std::string write_error_;          // the transaction's first failed statement
  std::vector<uint64_t> unrecorded_; // see commit()
  std::optional<journal_record> fail_next_;
  struct statements;
  std::unique_ptr<statements> st_;
};

} // namespace order_node
