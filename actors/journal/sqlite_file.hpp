// actors/journal/sqlite_file.hpp — what the journal (journal_store.hpp) and the
// payment ledger (ledger_store.hpp) share: opening an SQLite file of ours
// with its checks (application id, format version, SQLite's quick check),
// WAL mode and the `synchronous` level, and the few statement helpers both
// use. A file that cannot be opened, is another program's or is corrupt is
// refused with an error naming the file and the problem.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace order_node {

/// `synchronous` of SQLite: full survives power loss, normal a crash of
/// the process (not of the machine), off nothing (benchmarks).
enum class journal_sync : uint8_t { off, normal, full };

const char* to_string(journal_sync x);
std::optional<journal_sync> journal_sync_from_string(const std::string& x);

/// What kind of file to open and how.
struct sqlite_file_spec {
  const char* what = "journal"; // in errors: "journal PATH: ..."
  int64_t app_id = 0;           // PRAGMA application_id
  int64_t version = 1;          // PRAGMA user_version
  /// The oldest format version the owner upgrades (file_version() tells
  /// which one was found); older ones are refused.
  int64_t oldest_version = 1;
  const char* schema = ""; // run once, when the file is new
  const char* in_use = ""; // why it is busy (another process)
  bool exclusive = true;   // one process at a time (until closed)
  journal_sync sync = journal_sync::full;
};

/// An open file of ours: its connection; for an exclusive file, the lock
/// that keeps it one process's (flock(2) on the file, held until close:
/// SQLite's own exclusive mode would forbid the second connection below);
/// and a thread with a connection of its own that checkpoints the WAL
/// every 100 ms, so that the copy back into the database (and its fsync)
/// never runs inside a commit of the writer, whose automatic checkpoints
/// are off.
class sqlite_file {
 public:
  /// Opens (or creates) `path` as `spec` says; nullptr and `error` set
  /// ("WHAT PATH: ...") if it cannot be opened, is not ours, has another
  /// format version, fails the quick check, or is locked by another
  /// process.
  static std::unique_ptr<sqlite_file> open(const std::string& path,
                                           const sqlite_file_spec& spec,
                                           std::string& error);

  /// Stops the checkpointer, closes both connections, then the lock. The
  /// owner finalizes its statements first.
  ~sqlite_file();
  sqlite_file(const sqlite_file&) = delete;
  sqlite_file& operator=(const sqlite_file&) = delete;

  sqlite3* db() const { return db_; }

  /// The format version the file had when opened (the spec's for a new
  /// file): an owner that reads older versions upgrades it.
  int64_t file_version() const { return file_version_; }

 private:
  sqlite_file() = default;
  bool start_checkpoints(const std::string& path, const sqlite_file_spec& spec,
                         std::string& error);

  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;
  int64_t file_version_ = 0;
  sqlite3* checkpoint_db_ = nullptr;
  std::thread checkpointer_;
  std::mutex mtx_;
  std::condition_variable wake_;
  bool stop_ = false;
};

/// Runs `sql`; false and `error` set ("WHAT PATH: ...") if it fails.
bool exec_sql(sqlite3* db, const char* sql, const std::string& where,
              std::string& error);

/// Prepares a statement kept for the connection's life; false and `error`.
bool prepare_kept(sqlite3* db, const char* sql, sqlite3_stmt*& out,
                  const std::string& where, std::string& error);

std::string column_text(sqlite3_stmt* s, int i);
std::vector<char> column_blob(sqlite3_stmt* s, int i);
void bind_text(sqlite3_stmt* s, int i, const std::string& x);
void bind_blob(sqlite3_stmt* s, int i, const std::vector<char>& x);

/// Runs a prepared statement that returns no rows, and resets it; false if
/// it failed.
bool step_done(sqlite3_stmt* s);

/// Reads one integer of a one-row query; false if the query fails.
bool query_int(sqlite3* db, const char* sql, int64_t& out);

/// Bytes of `path`'s WAL file (0 if none).
int64_t wal_bytes_of(const std::string& path);

} // namespace order_node
