// actors/journal/sqlite_journal_recovery.cpp — sqlite_journal::recover()
// (see sqlite_journal.hpp): what a start finds in the journal. Unfinished
// orders with the replies they had, decided orders whose key is within
// retention, voids still owed; then the run is counted and the unfinished
// orders marked resumed, before anything else is written.
#include "actors/journal/sqlite_journal.hpp"

#include <random>

#include <sqlite3.h>

#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

// The reads of one recovery: each ends at SQLITE_DONE or fails it with
// `error` set.
class recovery_reads {
 public:
  recovery_reads(sqlite3* db, const std::string& path, std::string& error)
      : db_(db), path_(path), error_(error) {}

  ~recovery_reads() { sqlite3_finalize(s_); }

  // Orders: unfinished ones, and decided ones with a key within retention.
  bool orders(int64_t retention_cutoff_us, journal_contents& out) {
    if (!prepare("SELECT seq, order_id, kind, order_key, idempotency_key, "
                 "request, accepted_us, decided_us, result, resumes "
                 "FROM orders WHERE decided_us IS NULL OR "
                 "(idempotency_key IS NOT NULL AND decided_us >= ?) "
                 "ORDER BY seq"))
      return unreadable();
    sqlite3_bind_int64(s_, 1, retention_cutoff_us);
    int rc;
    while ((rc = sqlite3_step(s_)) == SQLITE_ROW) {
      journaled_order o;
      bool decided = false;
      if (!order_row(o, decided))
        return false;
      if (decided)
        out.keyed.push_back(std::move(o));
      else
        out.unfinished.push_back(std::move(o));
    }
    return done(rc);
  }

  // Replies of the unfinished orders.
  bool replies(std::vector<journaled_order>& unfinished) {
    if (!prepare("SELECT slot, attempt, reply FROM replies WHERE seq = ? "
                 "ORDER BY slot"))
      return unreadable();
    for (auto& o : unfinished) {
      sqlite3_bind_int64(s_, 1, static_cast<int64_t>(o.accepted.seq));
      int rc;
      while ((rc = sqlite3_step(s_)) == SQLITE_ROW) {
        journal_reply r;
        r.seq = o.accepted.seq;
        r.slot = sqlite3_column_int(s_, 0);
        r.attempt = sqlite3_column_int(s_, 1);
        r.reply = column_blob(s_, 2);
        o.replies.push_back(std::move(r));
      }
      if (rc != SQLITE_DONE)
        return unreadable();
      sqlite3_reset(s_);
    }
    return done(SQLITE_DONE);
  }

  // Voids still owed.
  bool voids(std::vector<journal_void>& out) {
    if (!prepare("SELECT auth_key, seq, tx_id FROM voids WHERE acked = 0 "
                 "ORDER BY seq"))
      return unreadable();
    int rc;
    while ((rc = sqlite3_step(s_)) == SQLITE_ROW)
      out.push_back(journal_void{
        column_text(s_, 0), static_cast<uint64_t>(sqlite3_column_int64(s_, 1)),
        column_text(s_, 2)});
    return done(rc);
  }

 private:
  // One row of `orders` into `o`, and whether the order is decided.
  bool order_row(journaled_order& o, bool& decided) {
    auto& a = o.accepted;
    a.seq = static_cast<uint64_t>(sqlite3_column_int64(s_, 0));
    a.order_id = column_text(s_, 1);
    auto kind = sqlite3_column_int(s_, 2);
    if (kind != 0 && kind != 1)
      return bad("order " + a.order_id + ": kind " + std::to_string(kind));
    a.kind = static_cast<order_kind>(kind);
    a.order_key = column_text(s_, 3);
    a.idempotency_key = column_text(s_, 4);
    if (!decode(column_blob(s_, 5), a.request))
      return bad("order " + a.order_id + ": request");
    a.accepted_us = sqlite3_column_int64(s_, 6);
    o.resumes = sqlite3_column_int(s_, 9);
    decided = sqlite3_column_type(s_, 7) != SQLITE_NULL;
    if (decided) {
      o.decided_us = sqlite3_column_int64(s_, 7);
      if (!decode(column_blob(s_, 8), o.result))
        return bad("order " + a.order_id + ": result");
    }
    return true;
  }

  bool prepare(const char* sql) {
    sqlite3_finalize(s_);
    s_ = nullptr;
    return sqlite3_prepare_v2(db_, sql, -1, &s_, nullptr) == SQLITE_OK;
  }

  bool done(int rc) {
    if (rc != SQLITE_DONE)
      return unreadable();
    sqlite3_finalize(s_);
    s_ = nullptr;
    return true;
  }

  bool unreadable() {
    error_ = "journal " + path_ + ": cannot read it: " + sqlite3_errmsg(db_);
    return false;
  }

  bool bad(const std::string& what) {
    error_ = "journal " + path_ + ": corrupt record (" + what + ")";
    return false;
  }

  sqlite3* db_;
  const std::string& path_;
  std::string& error_;
  sqlite3_stmt* s_ = nullptr;
};

} // namespace

bool sqlite_journal::recover(int64_t retention_cutoff_us, journal_contents& out,
                             std::string& error) {
  std::string ignored;
  commit(ignored);
  int64_t run = 0;
  int64_t max_seq = 0;
  if (!query_int(db_, "SELECT v FROM meta WHERE k = 'run'", run)
      || !query_int(db_, "SELECT coalesce(max(seq), 0) FROM orders", max_seq)) {
    error = "journal " + path() + ": cannot read it: " + sqlite3_errmsg(db_);
    return false;
  }
  out.run = run + 1;
  out.next_seq = static_cast<uint64_t>(max_seq) + 1;
  if (!read_uid(out.uid, error))
    return false;
  recovery_reads reads{db_, path(), error};
  if (!reads.orders(retention_cutoff_us, out) || !reads.replies(out.unfinished)
      || !reads.voids(out.voids))
    return false;
  // This run, and the resumes, before anything else is written.
  auto sql = "BEGIN;UPDATE meta SET v = " + std::to_string(out.run)
             + " WHERE k = 'run';"
               "UPDATE orders SET resumes = resumes + 1, resumed_us = "
             + std::to_string(journal_now_us())
             + " WHERE decided_us IS NULL;COMMIT;";
  return exec(sql.c_str(), error);
}

// The journal's uid, drawn and kept on first use (journals made before
// it existed get theirs then).
bool sqlite_journal::read_uid(uint64_t& out, std::string& error) {
  int64_t uid = 0;
  if (!query_int(db_, "SELECT v FROM meta WHERE k = 'uid'", uid)) {
    error = "journal " + path() + ": cannot read it: " + sqlite3_errmsg(db_);
    return false;
  }
  if (uid == 0) {
    std::random_device rd;
    std::mt19937_64 gen{(uint64_t{rd()} << 32) ^ rd()};
    do
      uid = static_cast<int64_t>(gen());
    while (uid == 0);
    auto sql
      = "INSERT INTO meta(k, v) VALUES('uid', " + std::to_string(uid) + ")";
    if (!exec(sql.c_str(), error))
      return false;
  }
  out = static_cast<uint64_t>(uid);
  return true;
}

} // namespace order_node
