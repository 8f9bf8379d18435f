// actors/journal/sqlite_ledger.cpp — see sqlite_ledger.hpp.
#include "actors/journal/sqlite_ledger.hpp"

#include <sqlite3.h>

namespace order_node {

namespace {

// PRAGMA application_id of an order-node payment ledger: "ORNL".
constexpr int64_t ledger_app_id = 0x4F524E4C;
constexpr int64_t ledger_version = 1;

// WITHOUT ROWID: one b-tree, by key (keys arrive in no order; a rowid table
// would keep a second b-tree for the key's index).
constexpr const char* schema = R"sql(
CREATE TABLE authorizations(
  auth_key TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  tx_id TEXT,
  authorized INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  voided INTEGER NOT NULL) WITHOUT ROWID;
)sql";

} // namespace

sqlite_ledger::sqlite_ledger(std::unique_ptr<sqlite_file> file,
                             std::string path)
    : ledger_store(std::move(path)), file_(std::move(file)), db_(file_->db()) {}

sqlite_ledger::~sqlite_ledger() {
  std::string ignored;
  commit(ignored);
  sqlite3_finalize(authorize_);
  sqlite3_finalize(void_);
  file_.reset();
}

std::unique_ptr<sqlite_ledger> sqlite_ledger::open(const std::string& path,
                                                   journal_sync sync,
                                                   std::string& error) {
  sqlite_file_spec spec;
  spec.what = "ledger";
  spec.app_id = ledger_app_id;
  spec.version = ledger_version;
  spec.schema = schema;
  spec.in_use = "in use by another process that holds a write lock";
  // Shared: operators and tests read it while the gateway runs.
  spec.exclusive = false;
  spec.sync = sync;
  auto file = sqlite_file::open(path, spec, error);
  if (!file)
    return nullptr;
  auto* db = file->db();
  std::unique_ptr<sqlite_ledger> l{new sqlite_ledger(std::move(file), path)};
  auto where = "ledger " + path;
  // The first answer stays: a repeated key only counts the request.
  if (!prepare_kept(db,
                    "INSERT INTO authorizations(auth_key, order_id, tx_id, "
                    "authorized, requests, voided) VALUES(?, ?, ?, ?, 1, 0) "
                    "ON CONFLICT(auth_key) DO UPDATE SET requests = requests "
                    "+ 1 RETURNING tx_id, authorized",
                    l->authorize_, where, error)
      || !prepare_kept(db,
                       "UPDATE authorizations SET voided = 1 WHERE auth_key "
                       "= ?",
                       l->void_, where, error))
    return nullptr;
  return l;
}

bool sqlite_ledger::begin(std::string& error) {
  if (in_transaction_)
    return true;
  if (!exec_sql(db_, "BEGIN IMMEDIATE", "ledger " + path(), error))
    return false;
  in_transaction_ = true;
  return true;
}

bool sqlite_ledger::authorize(const std::string& auth_key,
                              const std::string& order_id,
                              const payment_reply& fresh, payment_reply& out,
                              std::string& error) {
  if (!begin(error))
    return false;
  auto* s = authorize_;
  bind_text(s, 1, auth_key);
  bind_text(s, 2, order_id);
  if (fresh.transaction_id.empty())
    sqlite3_bind_null(s, 3);
  else
    bind_text(s, 3, fresh.transaction_id);
  sqlite3_bind_int(s, 4, fresh.authorized ? 1 : 0);
  bool ok = sqlite3_step(s) == SQLITE_ROW;
  if (ok) {
    out.transaction_id = column_text(s, 0);
    out.authorized = sqlite3_column_int(s, 1) != 0;
    ok = sqlite3_step(s) == SQLITE_DONE;
  }
  if (!ok)
    error = "ledger " + path() + ": " + sqlite3_errmsg(db_);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ok;
}

bool sqlite_ledger::void_key(const std::string& auth_key, bool& known,
                             std::string& error) {
  if (!begin(error))
    return false;
  bind_text(void_, 1, auth_key);
  if (!step_done(void_)) {
    error = "ledger " + path() + ": " + sqlite3_errmsg(db_);
    return false;
  }
  known = sqlite3_changes(db_) > 0;
  return true;
}

bool sqlite_ledger::commit(std::string& error) {
  if (!in_transaction_)
    return true;
  in_transaction_ = false;
  if (exec_sql(db_, "COMMIT", "ledger " + path(), error))
    return true;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return false;
}

} // namespace order_node
