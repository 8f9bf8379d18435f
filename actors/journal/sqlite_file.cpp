// actors/journal/sqlite_file.cpp — see sqlite_file.hpp.
#include "actors/journal/sqlite_file.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace order_node {

const char* to_string(journal_sync x) {
  switch (x) {
    case journal_sync::off:
      return "off";
    case journal_sync::normal:
      return "normal";
    case journal_sync::full:
      return "full";
  }
  return "unknown";
}

std::optional<journal_sync> journal_sync_from_string(const std::string& x) {
  if (x == "off")
    return journal_sync::off;
  if (x == "normal")
    return journal_sync::normal;
  if (x == "full")
    return journal_sync::full;
  return std::nullopt;
}

std::vector<char> column_blob(sqlite3_stmt* s, int i) {
  auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
  return std::vector<char>(p, p + sqlite3_column_bytes(s, i));
}

std::string column_text(sqlite3_stmt* s, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p != nullptr
           ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i)))
           : std::string{};
}

void bind_text(sqlite3_stmt* s, int i, const std::string& x) {
  sqlite3_bind_text(s, i, x.data(), static_cast<int>(x.size()),
                    SQLITE_TRANSIENT);
}

void bind_blob(sqlite3_stmt* s, int i, const std::vector<char>& x) {
  sqlite3_bind_blob(s, i, x.data(), static_cast<int>(x.size()),
                    SQLITE_TRANSIENT);
}

bool step_done(sqlite3_stmt* s) {
  auto rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_DONE;
}

bool query_int(sqlite3* db, const char* sql, int64_t& out) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    return false;
  auto rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    out = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

bool exec_sql(sqlite3* db, const char* sql, const std::string& where,
              std::string& error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    error = where + ": " + (msg != nullptr ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
  }
  return true;
}

bool prepare_kept(sqlite3* db, const char* sql, sqlite3_stmt*& out,
                  const std::string& where, std::string& error) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &out, nullptr)
      == SQLITE_OK)
    return true;
  error = where + ": " + sqlite3_errmsg(db);
  return false;
}

int64_t wal_bytes_of(const std::string& path) {
  struct stat st {};
  auto wal = path + "-wal";
  return ::stat(wal.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

namespace {

// Checks that `db` is a file of `spec` (or new and empty); the error if not.
std::string check_file(sqlite3* db, const std::string& where,
                       const sqlite_file_spec& spec, int64_t& app_id,
                       int64_t& version) {
  int64_t tables = 0;
  if (!query_int(db, "PRAGMA application_id", app_id)
      || !query_int(db, "SELECT count(*) FROM sqlite_master", tables)) {
    auto code = sqlite3_errcode(db);
    if (code == SQLITE_BUSY)
      return where + ": " + spec.in_use;
    // A WAL file needs its -wal and -shm files beside it: in a directory
    // it cannot write, a good file cannot be opened, and is not "another
    // program's".
    if (code == SQLITE_CANTOPEN || code == SQLITE_READONLY
        || code == SQLITE_PERM)
      return where + ": cannot open it: " + sqlite3_errmsg(db)
             + " (order-node writes the file and, beside it, its -wal and "
               "-shm files: is its directory writable?)";
    return where
           + (code == SQLITE_CORRUPT
                ? ": corrupt ("
                : ": not an order-node " + std::string{spec.what} + " (")
           + sqlite3_errmsg(db) + ")";
  }
  if (app_id != spec.app_id && !(app_id == 0 && tables == 0))
    return where + ": not an order-node " + spec.what
           + " (an SQLite database of another program, application_id "
           + std::to_string(app_id) + ")";
  version = spec.version;
  if (app_id != spec.app_id)
    return {};
  query_int(db, "PRAGMA user_version", version);
  if (version < spec.oldest_version || version > spec.version)
    return where + ": format version " + std::to_string(version)
           + ", this order-node reads version "
           + (spec.oldest_version < spec.version
                ? std::to_string(spec.oldest_version) + " to "
                : std::string{})
           + std::to_string(spec.version);
  sqlite3_stmt* s = nullptr;
  std::string verdict = "cannot run the check";
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &s, nullptr)
        == SQLITE_OK
      && sqlite3_step(s) == SQLITE_ROW)
    verdict = column_text(s, 0);
  else
    verdict = sqlite3_errmsg(db);
  sqlite3_finalize(s);
  if (verdict != "ok")
    return where + ": corrupt (" + verdict + ")";
  return {};
}

} // namespace

std::unique_ptr<sqlite_file> sqlite_file::open(const std::string& path,
                                               const sqlite_file_spec& spec,
                                               std::string& error) {
  auto where = std::string{spec.what} + " " + path;
  std::unique_ptr<sqlite_file> f{new sqlite_file};
  auto rc = sqlite3_open_v2(
    path.c_str(), &f->db_,
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = where + ": cannot open it: "
            + (f->db_ != nullptr ? sqlite3_errmsg(f->db_) : sqlite3_errstr(rc));
    return nullptr;
  }
  auto* db = f->db_;
  // One process per exclusive file: the lock is taken now and held until
  // close, so that a second process on it is refused at its start.
  if (spec.exclusive) {
    f->lock_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f->lock_fd_ < 0 || ::flock(f->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      error = where + ": "
              + (errno == EWOULDBLOCK ? std::string{spec.in_use}
                                      : std::string{std::strerror(errno)});
      return nullptr;
    }
  }
  sqlite3_busy_timeout(db, 1000);
  int64_t app_id = 0;
  if (auto why = check_file(db, where, spec, app_id, f->file_version_);
      !why.empty()) {
    error = std::move(why);
    return nullptr;
  }
  if (!exec_sql(db, "PRAGMA journal_mode=WAL", where, error))
    return nullptr;
  if (sqlite3_exec(db, "BEGIN IMMEDIATE; COMMIT;", nullptr, nullptr, nullptr)
      != SQLITE_OK) {
    error = where + ": "
            + (sqlite3_errcode(db) == SQLITE_BUSY
                 ? std::string{spec.in_use}
                 : std::string{sqlite3_errmsg(db)});
    return nullptr;
  }
  // A page cache of 2 MiB, SQLite's default: larger ones bought no
  // throughput (REPL bench at latency 0, sync=normal: a 124 MB journal,
  // 64 / 8 / 2 MiB, 28,024 / 29,257 / 28,971 orders/s; a 370 MB one, 8 / 2
  // MiB, 20,016 / 19,849) and kept that much more resident per file as the
  // files grew (docs/performance.md, "Session 11").
  // No automatic checkpoints: the checkpointer's thread does them.
  auto sync_sql = std::string{"PRAGMA synchronous="} + to_string(spec.sync);
  if (!exec_sql(db, "PRAGMA cache_size=-2048", where, error)
      || !exec_sql(db, "PRAGMA wal_autocheckpoint=0", where, error)
      || !exec_sql(db, sync_sql.c_str(), where, error))
    return nullptr;
  if (app_id == 0) {
    auto setup = std::string{"BEGIN;"} + spec.schema + "PRAGMA application_id="
                 + std::to_string(spec.app_id) + ";PRAGMA user_version="
                 + std::to_string(spec.version) + ";COMMIT;";
    if (!exec_sql(db, setup.c_str(), where, error))
      return nullptr;
  }
  if (!f->start_checkpoints(path, spec, error))
    return nullptr;
  return f;
}

bool sqlite_file::start_checkpoints(const std::string& path,
                                    const sqlite_file_spec& spec,
                                    std::string& error) {
  auto where = std::string{spec.what} + " " + path;
  if (sqlite3_open_v2(path.c_str(), &checkpoint_db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr)
      != SQLITE_OK) {
    error = where + ": cannot open it twice: "
            + (checkpoint_db_ != nullptr ? sqlite3_errmsg(checkpoint_db_)
                                         : "out of memory");
    return false;
  }
  // Its syncs are those of the checkpoint (the WAL before the copy, the
  // database after it).
  auto sync_sql = std::string{"PRAGMA synchronous="} + to_string(spec.sync);
  if (!exec_sql(checkpoint_db_, sync_sql.c_str(), where, error))
    return false;
  checkpointer_ = std::thread{[this] {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!stop_) {
      wake_.wait_for(guard, std::chrono::milliseconds(100));
      if (stop_)
        break;
      guard.unlock();
      // Copies what is committed and no reader needs; never waits for
      // the writer, and costs nothing when there is nothing new.
      sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr,
                                SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      guard.lock();
    }
  }};
  return true;
}

sqlite_file::~sqlite_file() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    wake_.notify_all();
    checkpointer_.join();
  }
  sqlite3_close(checkpoint_db_);
  sqlite3_close(db_);
  // Last: closing a descriptor of the file drops every POSIX lock this
  // process holds on it, SQLite's included.
  if (lock_fd_ >= 0)
    ::close(lock_fd_);
}

} // namespace order_node
