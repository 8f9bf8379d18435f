// actors/journal/sqlite_journal.cpp — see sqlite_journal.hpp.
#include "actors/journal/sqlite_journal.hpp"

#include <chrono>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

// The formats (journal_version, sqlite_journal.hpp). 2: call records carry
// start_ms; orders have `voided` and `resumed_us`, voids `acked_us`, and
// keys an index (the console's filters and search). 3: `key_uses` counts
// the orders each idempotency key ever had, so that a key used again after
// its retention gets an order id of its own (promise 6, docs/
// durability.md). Older journals are upgraded at open.

constexpr const char* in_use
  = "in use by another process (another order-node on the same journal?)";

constexpr const char* schema = R"sql(
CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);
CREATE TABLE orders(
  seq INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  order_key TEXT NOT NULL,
  idempotency_key TEXT,
  request BLOB NOT NULL,
  accepted_us INTEGER NOT NULL,
  decided_us INTEGER,
  status INTEGER,
  result BLOB,
  resumes INTEGER NOT NULL DEFAULT 0,
  voided INTEGER NOT NULL DEFAULT 0,
  resumed_us INTEGER);
CREATE INDEX orders_running ON orders(seq) WHERE decided_us IS NULL;
CREATE INDEX orders_by_id ON orders(order_id);
CREATE INDEX orders_by_key ON orders(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE TABLE replies(
  seq INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  reply BLOB NOT NULL,
  PRIMARY KEY(seq, slot)) WITHOUT ROWID;
CREATE TABLE voids(
  auth_key TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0,
  acked_us INTEGER);
CREATE TABLE key_uses(
  kind INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  uses INTEGER NOT NULL,
  PRIMARY KEY(kind, idempotency_key)) WITHOUT ROWID;
INSERT INTO meta(k, v) VALUES('run', 0);
)sql";

// From format 1 to 2, before the results are rewritten.
constexpr const char* upgrade_1_to_2 = R"sql(
ALTER TABLE orders ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN resumed_us INTEGER;
ALTER TABLE voids ADD COLUMN acked_us INTEGER;
CREATE INDEX orders_by_key ON orders(idempotency_key)
  WHERE idempotency_key IS NOT NULL;
)sql";

// From format 2 to 3: every key's uses, from the orders it still has (a key
// purged before format 3 counts from 0 again: format 2 kept nothing of it).
constexpr const char* upgrade_2_to_3 = R"sql(
BEGIN;
CREATE TABLE key_uses(
  kind INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  uses INTEGER NOT NULL,
  PRIMARY KEY(kind, idempotency_key)) WITHOUT ROWID;
INSERT INTO key_uses(kind, idempotency_key, uses)
  SELECT kind, idempotency_key, count(*) FROM orders
  WHERE idempotency_key IS NOT NULL GROUP BY kind, idempotency_key;
PRAGMA user_version=3;
COMMIT;
)sql";

} // namespace

int64_t journal_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct sqlite_journal::statements {
  sqlite3_stmt* accepted = nullptr;
  sqlite3_stmt* reply = nullptr;
  sqlite3_stmt* decided = nullptr;
  sqlite3_stmt* drop_replies = nullptr;
  sqlite3_stmt* owe_void = nullptr;
  sqlite3_stmt* ack_void = nullptr;
  sqlite3_stmt* lookup = nullptr;
  sqlite3_stmt* key_use = nullptr;

  ~statements() {
    for (auto* s : {accepted, reply, decided, drop_replies, owe_void, ack_void,
                    lookup, key_use})
      sqlite3_finalize(s);
  }
};

sqlite_journal::sqlite_journal(std::unique_ptr<sqlite_file> file,
                               std::string path)
    : journal_store(std::move(path)), file_(std::move(file)), db_(file_->db()),
      st_(std::make_unique<statements>()) {}

sqlite_journal::~sqlite_journal() {
  if (in_transaction_) {
    std::string ignored;
    commit(ignored);
  }
  st_.reset();
  file_.reset();
}

bool sqlite_journal::exec(const char* sql, std::string& error) {
  return exec_sql(db_, sql, "journal " + path(), error);
}

std::unique_ptr<sqlite_journal> sqlite_journal::open(const std::string& path,
                                                     journal_sync sync,
                                                     std::string& error) {
  sqlite_file_spec spec;
  spec.what = "journal";
  spec.app_id = journal_app_id;
  spec.version = journal_version;
  spec.oldest_version = 1;
  spec.schema = schema;
  spec.in_use = in_use;
  spec.exclusive = true; // one node per journal
  spec.sync = sync;
  auto file = sqlite_file::open(path, spec, error);
  if (!file)
    return nullptr;
  auto version = file->file_version();
  std::unique_ptr<sqlite_journal> j{new sqlite_journal(std::move(file), path)};
  if ((version == 1 && !j->upgrade_from_1(error))
      || (version <= 2 && !j->upgrade_from_2(error)) || !j->prepare(error))
    return nullptr;
  return j;
}

// Adds format 2's columns and index, and rewrites each result with its
// calls' start_ms (0: not known), in one transaction: a crash leaves the
// journal at format 1, upgraded again at the next start.
bool sqlite_journal::upgrade_from_1(std::string& error) {
  auto where = "journal " + path();
  if (!exec("BEGIN", error) || !exec(upgrade_1_to_2, error))
    return false;
  sqlite3_stmt* read = nullptr;
  sqlite3_stmt* write = nullptr;
  auto fail = [&](const std::string& why) {
    error = where + ": upgrade from format 1 failed: " + why;
    sqlite3_finalize(read);
    sqlite3_finalize(write);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  };
  if (sqlite3_prepare_v2(db_,
                         "SELECT seq, order_id, result FROM orders "
                         "WHERE result IS NOT NULL",
                         -1, &read, nullptr)
        != SQLITE_OK
      || sqlite3_prepare_v2(db_,
                            "UPDATE orders SET result = ?, voided = ? "
                            "WHERE seq = ?",
                            -1, &write, nullptr)
           != SQLITE_OK)
    return fail(sqlite3_errmsg(db_));
  int rc;
  while ((rc = sqlite3_step(read)) == SQLITE_ROW) {
    order_result r;
    if (!decode_format1(column_blob(read, 2), r))
      return fail("corrupt record (order " + column_text(read, 1)
                  + ": result)");
    bind_blob(write, 1, encode(r));
    sqlite3_bind_int(write, 2, r.voided ? 1 : 0);
    sqlite3_bind_int64(write, 3, sqlite3_column_int64(read, 0));
    if (!step_done(write))
      return fail(sqlite3_errmsg(db_));
  }
  if (rc != SQLITE_DONE)
    return fail(sqlite3_errmsg(db_));
  sqlite3_finalize(read);
  sqlite3_finalize(write);
  read = write = nullptr;
  if (sqlite3_exec(db_, "PRAGMA user_version=2;COMMIT;", nullptr, nullptr,
                   nullptr)
      != SQLITE_OK)
    return fail(sqlite3_errmsg(db_));
  node_log().info("{}: upgraded from format 1 to 2", where);
  return true;
}

// Adds format 3's key_uses, in one transaction (a crash leaves format 2).
bool sqlite_journal::upgrade_from_2(std::string& error) {
  if (sqlite3_exec(db_, upgrade_2_to_3, nullptr, nullptr, nullptr)
      != SQLITE_OK) {
    error = "journal " + path()
            + ": upgrade from format 2 failed: " + sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  node_log().info("journal {}: upgraded from format 2 to 3", path());
  return true;
}

bool sqlite_journal::prepare(std::string& error) {
  auto prep = [&](const char* sql, sqlite3_stmt*& out) {
    return prepare_kept(db_, sql, out, "journal " + path(), error);
  };
  auto& s = *st_;
  return prep("INSERT INTO orders(seq, order_id, kind, order_key, "
              "idempotency_key, request, accepted_us) "
              "VALUES(?, ?, ?, ?, ?, ?, ?)",
              s.accepted)
         && prep("INSERT OR REPLACE INTO replies(seq, slot, attempt, reply) "
                 "VALUES(?, ?, ?, ?)",
                 s.reply)
         && prep("UPDATE orders SET decided_us = ?, status = ?, result = ?, "
                 "voided = ? WHERE seq = ?",
                 s.decided)
         && prep("DELETE FROM replies WHERE seq = ?", s.drop_replies)
         && prep("INSERT OR IGNORE INTO voids(auth_key, seq, tx_id) "
                 "VALUES(?, ?, ?)",
                 s.owe_void)
         && prep("UPDATE voids SET acked = 1, acked_us = ? WHERE auth_key = ?",
                 s.ack_void)
         && prep("SELECT order_id, decided_us, result FROM orders "
                 "WHERE order_id = ? ORDER BY seq DESC LIMIT 1",
                 s.lookup)
         && prep("INSERT INTO key_uses(kind, idempotency_key, uses) "
                 "VALUES(?, ?, 1) ON CONFLICT(kind, idempotency_key) "
                 "DO UPDATE SET uses = uses + 1",
                 s.key_use);
}

void sqlite_journal::write(const journal_ops& ops) {
  if (!in_transaction_) {
    sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
    in_transaction_ = true;
  }
  auto& s = *st_;
  // The first failure of the transaction fails its commit.
  auto step = [this](sqlite3_stmt* stmt) {
    if (!step_done(stmt) && write_error_.empty())
      write_error_ = sqlite3_errmsg(db_);
  };
  if (fail_next_ && write_error_.empty()) {
    auto kind = *fail_next_;
    if ((kind == journal_record::accepted && !ops.accepted.empty())
        || (kind == journal_record::reply && !ops.replies.empty())
        || (kind == journal_record::decided && !ops.decided.empty())) {
      write_error_ = "database or disk is full (injected by a test)";
      fail_next_.reset();
    }
  }
  for (auto& a : ops.accepted) {
    sqlite3_bind_int64(s.accepted, 1, static_cast<int64_t>(a.seq));
    bind_text(s.accepted, 2, a.order_id);
    sqlite3_bind_int(s.accepted, 3, static_cast<int>(a.kind));
    bind_text(s.accepted, 4, a.order_key);
    if (a.idempotency_key.empty())
      sqlite3_bind_null(s.accepted, 5);
    else
      bind_text(s.accepted, 5, a.idempotency_key);
    bind_blob(s.accepted, 6, encode(a.request));
    sqlite3_bind_int64(s.accepted, 7, a.accepted_us);
    step(s.accepted);
    if (!a.idempotency_key.empty()) {
      sqlite3_bind_int(s.key_use, 1, static_cast<int>(a.kind));
      bind_text(s.key_use, 2, a.idempotency_key);
      step(s.key_use);
    }
  }
  for (auto& r : ops.replies) {
    sqlite3_bind_int64(s.reply, 1, static_cast<int64_t>(r.seq));
    sqlite3_bind_int(s.reply, 2, r.slot);
    sqlite3_bind_int(s.reply, 3, r.attempt);
    bind_blob(s.reply, 4, r.reply);
    step(s.reply);
  }
  for (auto& d : ops.decided) {
    sqlite3_bind_int64(s.decided, 1, d.decided_us);
    sqlite3_bind_int(s.decided, 2, static_cast<int>(d.result.status));
    bind_blob(s.decided, 3, encode(d.result));
    sqlite3_bind_int(s.decided, 4, d.result.voided ? 1 : 0);
    sqlite3_bind_int64(s.decided, 5, static_cast<int64_t>(d.seq));
    step(s.decided);
    // A decision of an order the journal does not hold (its acceptance's
    // write failed) changes nothing: its clients must not hear it is
    // recorded (promise 1).
    if (sqlite3_changes(db_) == 0)
      unrecorded_.push_back(d.seq);
    sqlite3_bind_int64(s.drop_replies, 1, static_cast<int64_t>(d.seq));
    step(s.drop_replies);
  }
  for (auto& v : ops.voids) {
    bind_text(s.owe_void, 1, v.auth_key);
    sqlite3_bind_int64(s.owe_void, 2, static_cast<int64_t>(v.seq));
    bind_text(s.owe_void, 3, v.tx_id);
    step(s.owe_void);
  }
  if (!ops.voids_acknowledged.empty()) {
    auto at = journal_now_us();
    for (auto& key : ops.voids_acknowledged) {
      sqlite3_bind_int64(s.ack_void, 1, at);
      bind_text(s.ack_void, 2, key);
      step(s.ack_void);
    }
  }
}

bool sqlite_journal::commit(std::string& error,
                            std::vector<uint64_t>& unrecorded) {
  unrecorded = std::move(unrecorded_);
  unrecorded_.clear();
  if (!in_transaction_)
    return true;
  in_transaction_ = false;
  if (!write_error_.empty()) {
    error = "journal " + path() + ": write failed: " + write_error_;
    write_error_.clear();
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = "journal " + path() + ": commit failed: " + sqlite3_errmsg(db_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  return true;
}

int64_t sqlite_journal::purge(int64_t cutoff_us) {
  std::string ignored;
  commit(ignored);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db_,
                     "DELETE FROM orders WHERE decided_us IS NOT NULL AND "
                     "decided_us < ?",
                     -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, cutoff_us);
  sqlite3_step(s);
  auto n = static_cast<int64_t>(sqlite3_changes(db_));
  sqlite3_finalize(s);
  sqlite3_exec(db_,
               "DELETE FROM voids WHERE acked = 1 AND seq NOT IN "
               "(SELECT seq FROM orders);",
               nullptr, nullptr, nullptr);
  return n;
}

journal_lookup sqlite_journal::lookup(const std::string& order_id,
                                      std::string* error) {
  journal_lookup out;
  auto* s = st_->lookup;
  bind_text(s, 1, order_id);
  if (sqlite3_step(s) == SQLITE_ROW) {
    out.found = true;
    out.order_id = column_text(s, 0);
    if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
      out.decided = decode(column_blob(s, 2), out.result);
      // Decided, but its result does not decode: not "running".
      if (!out.decided && error != nullptr)
        *error = "journal " + path() + ": corrupt record (order " + order_id
                 + ": result)";
    }
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

void sqlite_journal::fail_next(journal_record kind) {
  fail_next_ = kind;
}

void sqlite_journal::refuse_writes() {
  sqlite3_exec(db_, "PRAGMA query_only=1", nullptr, nullptr, nullptr);
}

int64_t sqlite_journal::wal_bytes() const {
  return wal_bytes_of(path());
}

} // namespace order_node
