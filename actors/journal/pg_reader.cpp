// actors/journal/pg_reader.cpp — see pg_reader.hpp. The same queries as
// sqlite_reader.cpp, on the shared tables.
#include "actors/journal/pg_reader.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_schema.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

constexpr const char* entry_columns
  = "seq, order_id, kind, coalesce(idempotency_key, ''), accepted_us, "
    "decided_us, result, resumes, resumed_us";

// Row `i` of entry_columns.
journal_entry read_entry(const pg_rows& r, int i) {
  journal_entry e;
  e.seq = static_cast<uint64_t>(r.integer(i, 0));
  e.order_id = r.text(i, 1);
  e.kind = r.integer(i, 2) == 1 ? order_kind::sequential : order_kind::parallel;
  e.idempotency_key = r.text(i, 3);
  e.accepted_us = r.integer(i, 4);
  e.decided_us = r.integer(i, 5); // NULL reads 0
  if (e.decided_us != 0 && !decode(r.bytes(i, 6), e.result)) {
    node_log().warn("journal reader: order {}: its result does not decode",
                    e.order_id);
    e.result.order_id = e.order_id;
    e.result.details = "the journal's record of this result does not decode";
  }
  e.resumes = static_cast<int32_t>(r.integer(i, 7));
  e.resumed_us = r.integer(i, 8);
  return e;
}

} // namespace

pg_reader::pg_reader(std::unique_ptr<pg_connection> conn, std::string shown)
    : conn_(std::move(conn)), shown_(std::move(shown)) {}

pg_reader::~pg_reader() = default;

std::unique_ptr<pg_reader> pg_reader::open(const std::string& uri,
                                           std::string& error) {
  auto conn = pg_connection::open(uri, "journal", error);
  if (!conn)
    return nullptr;
  return std::unique_ptr<pg_reader>{
    new pg_reader(std::move(conn), shown_uri(uri))};
}

bool pg_reader::verify(std::string& error) {
  auto r = conn_->query("SELECT v FROM order_node_meta WHERE k = "
                        "'journal_schema'",
                        {}, error);
  if (!r.ok() || r.rows() != 1) {
    error = "journal " + shown_ + ": not an order-node journal (no "
            + "order_node_meta.journal_schema)";
    return false;
  }
  auto version = r.integer(0, 0);
  if (version < 1 || version > pg_journal_schema) {
    error = "journal " + shown_ + ": journal_schema version "
            + std::to_string(version) + ", this order-node reads version 1 to "
            + std::to_string(pg_journal_schema);
    return false;
  }
  return true;
}

bool pg_reader::keyed(const key_query& q, journaled_order& out,
                      std::string& error) {
  out = journaled_order{};
  auto kind = q.kind == order_kind::sequential ? 1 : 0;
  auto uses = conn_->query("SELECT uses FROM key_uses WHERE "
                           "idempotency_key = $1 AND kind = $2",
                           pg_params{}.text(q.key).int4(kind), error);
  if (!uses.ok())
    return false;
  if (uses.rows() == 1)
    out.key_uses = uses.integer(0, 0);
  auto r = conn_->query("SELECT seq, order_id, request, decided_us, result "
                        "FROM orders WHERE idempotency_key = $1 AND kind = $2 "
                        "ORDER BY seq DESC LIMIT 1",
                        pg_params{}.text(q.key).int4(kind), error);
  if (!r.ok())
    return false;
  if (r.rows() == 1 && !r.null(0, 3) && r.integer(0, 3) >= q.since_us) {
    auto& a = out.accepted;
    a.seq = static_cast<uint64_t>(r.integer(0, 0));
    a.order_id = r.text(0, 1);
    a.kind = q.kind;
    a.idempotency_key = q.key;
    out.decided_us = r.integer(0, 3);
    if (!decode(r.bytes(0, 2), a.request)
        || !decode(r.bytes(0, 4), out.result)) {
      error
        = "journal " + shown_ + ": corrupt record (order " + a.order_id + ")";
      return false;
    }
  }
  return true;
}

order_page pg_reader::list(const order_query& q) {
  order_page page;
  auto* filter = status_filter_sql(q.status);
  if (filter == nullptr)
    return page;
  auto limit = std::clamp(q.limit, 1, order_query::max_page);
  // One more than asked: whether a next page exists.
  std::string sql = std::string{"SELECT "} + entry_columns
                    + " FROM orders WHERE seq < $1 AND " + filter;
  pg_params p;
  p.int8(q.before == 0 ? INT64_MAX : static_cast<int64_t>(q.before))
    .int8(limit + 1);
  if (!q.search.empty()) {
    sql += " AND (order_id = $3 OR idempotency_key = $3)";
    p.text(q.search);
  }
  sql += " ORDER BY seq DESC LIMIT $2";
  std::string error;
  auto r = conn_->query(sql.c_str(), p, error);
  if (!r.ok()) {
    node_log().warn("journal reader: {}", error);
    return page;
  }
  for (int i = 0; i < r.rows(); ++i) {
    if (static_cast<int32_t>(page.orders.size()) == limit) {
      page.next = page.orders.back().seq;
      break;
    }
    page.orders.push_back(read_entry(r, i));
  }
  return page;
}

order_history pg_reader::history(const std::string& order_id) {
  order_history h;
  std::string error;
  auto sql = std::string{"SELECT "} + entry_columns
             + " FROM orders WHERE order_id = $1 ORDER BY seq DESC LIMIT 1";
  auto r = conn_->query(sql.c_str(), pg_params{}.text(order_id), error);
  if (!r.ok()) {
    node_log().warn("journal reader: {}", error);
    return h;
  }
  if (r.rows() == 0)
    return h;
  h.found = true;
  h.entry = read_entry(r, 0);
  auto seq = static_cast<int64_t>(h.entry.seq);
  auto n = conn_->query("SELECT count(*) FROM replies WHERE seq = $1",
                        pg_params{}.int8(seq), error);
  if (n.ok() && n.rows() == 1)
    h.replies = static_cast<int32_t>(n.integer(0, 0));
  auto v = conn_->query("SELECT auth_key, tx_id, acked, "
                        "coalesce(acked_us, 0) FROM voids WHERE seq = $1 "
                        "ORDER BY auth_key",
                        pg_params{}.int8(seq), error);
  for (int i = 0; v.ok() && i < v.rows(); ++i)
    h.voids.push_back(void_entry{v.text(i, 0), v.text(i, 1),
                                 v.integer(i, 2) != 0, v.integer(i, 3)});
  return h;
}

} // namespace order_node
