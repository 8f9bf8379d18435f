// actors/journal/sqlite_reader.cpp — see sqlite_reader.hpp.
#include "actors/journal/sqlite_reader.hpp"

#include <algorithm>
#include <cstring>
#include <sys/stat.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "actors/journal/sqlite_file.hpp"
#include "actors/journal/sqlite_journal.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

constexpr const char* entry_columns
  = "seq, order_id, kind, idempotency_key, accepted_us, decided_us, result, "
    "resumes, resumed_us";

// A row of entry_columns.
journal_entry read_entry(sqlite3_stmt* s) {
  journal_entry e;
  e.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
  e.order_id = column_text(s, 1);
  e.kind = sqlite3_column_int(s, 2) == 1 ? order_kind::sequential
                                         : order_kind::parallel;
  e.idempotency_key = column_text(s, 3);
  e.accepted_us = sqlite3_column_int64(s, 4);
  e.decided_us = sqlite3_column_int64(s, 5); // NULL reads 0
  if (e.decided_us != 0 && !decode(column_blob(s, 6), e.result)) {
    node_log().warn("journal reader: order {}: its result does not decode",
                    e.order_id);
    e.result.order_id = e.order_id;
    e.result.details = "the journal's record of this result does not decode";
  }
  e.resumes = sqlite3_column_int(s, 7);
  e.resumed_us = sqlite3_column_int64(s, 8);
  return e;
}

} // namespace

namespace {

// `path` as an SQLite URI's path (RFC 3986: what would end it is escaped).
std::string uri_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char hex[] = "0123456789ABCDEF";
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::unique_ptr<sqlite_reader>
sqlite_reader::open_offline(const std::string& path, std::string& error) {
  struct stat st;
  if (::stat((path + "-wal").c_str(), &st) == 0)
    return open(path, error); // a node has it (or crashed): read the WAL
  if (::stat(path.c_str(), &st) != 0) {
    error = "journal " + path + ": cannot open it for reading: no such file";
    return nullptr;
  }
  std::unique_ptr<sqlite_reader> r{new sqlite_reader(path)};
  auto uri = "file:" + uri_path(path) + "?immutable=1";
  auto rc = sqlite3_open_v2(
    uri.c_str(), &r->db_,
    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    error = "journal " + path + ": cannot open it for reading: "
            + (r->db_ != nullptr ? sqlite3_errmsg(r->db_) : sqlite3_errstr(rc));
    return nullptr;
  }
  return r;
}

std::unique_ptr<sqlite_reader> sqlite_reader::open(const std::string& path,
                                                   std::string& error) {
  std::unique_ptr<sqlite_reader> r{new sqlite_reader(path)};
  auto rc = sqlite3_open_v2(
    path.c_str(), &r->db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = "journal " + path + ": cannot open it for reading: "
            + (r->db_ != nullptr ? sqlite3_errmsg(r->db_) : sqlite3_errstr(rc));
    return nullptr;
  }
  sqlite3_busy_timeout(r->db_, 1000);
  return r;
}

sqlite_reader::~sqlite_reader() {
  sqlite3_finalize(keyed_);
  sqlite3_finalize(key_uses_);
  sqlite3_close_v2(db_);
}

bool sqlite_reader::verify(std::string& error) {
  int64_t app_id = 0;
  int64_t version = 0;
  if (!query_int(db_, "PRAGMA application_id", app_id)
      || !query_int(db_, "PRAGMA user_version", version)) {
    error = "journal " + path_ + ": not an order-node journal ("
            + sqlite3_errmsg(db_) + ")";
    return false;
  }
  if (app_id != journal_app_id) {
    error = "journal " + path_ + ": not an order-node journal (application_id "
            + std::to_string(app_id) + ")";
    return false;
  }
  if (version < 1 || version > journal_version) {
    error = "journal " + path_ + ": format version " + std::to_string(version)
            + ", this order-node reads version 1 to "
            + std::to_string(journal_version);
    return false;
  }
  return true;
}

bool sqlite_reader::keyed(const key_query& q, journaled_order& out,
                          std::string& error) {
  out = journaled_order{};
  // Prepared once, kept: every keyed order asks.
  auto prepared = [&](sqlite3_stmt*& stmt, const char* sql) {
    if (stmt == nullptr
        && sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr)
             != SQLITE_OK) {
      error = "journal " + path_ + ": " + sqlite3_errmsg(db_);
      stmt = nullptr;
    }
    return stmt != nullptr;
  };
  if (!prepared(keyed_, "SELECT seq, order_id, request, decided_us, result "
                        "FROM orders WHERE idempotency_key = ?1 AND "
                        "kind = ?2 ORDER BY seq DESC LIMIT 1")
      || !prepared(key_uses_, "SELECT uses FROM key_uses WHERE "
                              "idempotency_key = ?1 AND kind = ?2"))
    return false;
  bind_text(key_uses_, 1, q.key);
  sqlite3_bind_int(key_uses_, 2, q.kind == order_kind::sequential ? 1 : 0);
  auto uses_rc = sqlite3_step(key_uses_);
  if (uses_rc == SQLITE_ROW)
    out.key_uses = sqlite3_column_int64(key_uses_, 0);
  sqlite3_reset(key_uses_);
  sqlite3_clear_bindings(key_uses_);
  if (uses_rc != SQLITE_ROW && uses_rc != SQLITE_DONE) {
    error = "journal " + path_ + ": " + sqlite3_errmsg(db_);
    return false;
  }
  auto* s = keyed_;
  bind_text(s, 1, q.key);
  sqlite3_bind_int(s, 2, q.kind == order_kind::sequential ? 1 : 0);
  auto rc = sqlite3_step(s);
  bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  if (!ok)
    error = "journal " + path_ + ": " + sqlite3_errmsg(db_);
  if (rc == SQLITE_ROW && sqlite3_column_type(s, 3) != SQLITE_NULL
      && sqlite3_column_int64(s, 3) >= q.since_us) {
    auto& a = out.accepted;
    a.seq = static_cast<uint64_t>(sqlite3_column_int64(s, 0));
    a.order_id = column_text(s, 1);
    a.kind = q.kind;
    a.idempotency_key = q.key;
    out.decided_us = sqlite3_column_int64(s, 3);
    if (!decode(column_blob(s, 2), a.request)
        || !decode(column_blob(s, 4), out.result)) {
      error
        = "journal " + path_ + ": corrupt record (order " + a.order_id + ")";
      ok = false;
    }
  }
  // Reset at once: a statement left stepping holds a read snapshot, and
  // with it the WAL's checkpoints.
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ok;
}

order_page sqlite_reader::list(const order_query& q) {
  order_page page;
  auto* filter = status_filter_sql(q.status);
  if (filter == nullptr)
    return page;
  auto limit = std::clamp(q.limit, 1, order_query::max_page);
  // One more than asked: whether a next page exists.
  std::string sql = std::string{"SELECT "} + entry_columns
                    + " FROM orders WHERE seq < ?1 AND " + filter;
  if (!q.search.empty())
    sql += " AND seq IN (SELECT seq FROM orders WHERE order_id = ?3 UNION "
           "SELECT seq FROM orders WHERE idempotency_key = ?3)";
  sql += " ORDER BY seq DESC LIMIT ?2";
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    node_log().warn("journal reader: {}", sqlite3_errmsg(db_));
    return page;
  }
  sqlite3_bind_int64(
    s, 1, q.before == 0 ? INT64_MAX : static_cast<int64_t>(q.before));
  sqlite3_bind_int(s, 2, limit + 1);
  if (!q.search.empty())
    bind_text(s, 3, q.search);
  while (sqlite3_step(s) == SQLITE_ROW) {
    if (static_cast<int32_t>(page.orders.size()) == limit) {
      page.next = page.orders.back().seq;
      break;
    }
    page.orders.push_back(read_entry(s));
  }
  sqlite3_finalize(s);
  return page;
}

order_history sqlite_reader::history(const std::string& order_id) {
  order_history h;
  sqlite3_stmt* s = nullptr;
  auto sql = std::string{"SELECT "} + entry_columns
             + " FROM orders WHERE order_id = ? ORDER BY seq DESC LIMIT 1";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    node_log().warn("journal reader: {}", sqlite3_errmsg(db_));
    return h;
  }
  bind_text(s, 1, order_id);
  if (sqlite3_step(s) == SQLITE_ROW) {
    h.found = true;
    h.entry = read_entry(s);
  }
  sqlite3_finalize(s);
  if (!h.found)
    return h;
  auto seq = static_cast<int64_t>(h.entry.seq);
  if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM replies WHERE seq = ?", -1,
                         &s, nullptr)
      == SQLITE_OK) {
    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) == SQLITE_ROW)
      h.replies = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  if (sqlite3_prepare_v2(db_,
                         "SELECT auth_key, tx_id, acked, acked_us FROM voids "
                         "WHERE seq = ? ORDER BY auth_key",
                         -1, &s, nullptr)
      == SQLITE_OK) {
    sqlite3_bind_int64(s, 1, seq);
    while (sqlite3_step(s) == SQLITE_ROW)
      h.voids.push_back(void_entry{column_text(s, 0), column_text(s, 1),
                                   sqlite3_column_int(s, 2) != 0,
                                   sqlite3_column_int64(s, 3)});
    sqlite3_finalize(s);
  }
  return h;
}

} // namespace order_node
