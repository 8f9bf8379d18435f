// actors/journal/pg_leases.cpp — see pg_leases.hpp.
#include "actors/journal/pg_leases.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_journal.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

// The advisory lock of a front's name: (class "ORNF", hashtext(name)).
constexpr const char* take_name_sql
  = "SELECT pg_try_advisory_lock(1330794054, hashtext($1))";

// Whether front name `owner` (an SQL expression) is held by a session.
#define ORDER_NODE_NAME_HELD(owner)                                            \
  "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "    \
  "AND classid = 1330794054 AND objsubid = 2 AND objid::bigint = "             \
  "(hashtext(" owner ")::bigint & 4294967295))"

// Free: nobody owns it, its lease expired, its owner's session is gone, or
// its owner is this front's name but not this run (a run that died: this
// one holds the name now). SKIP LOCKED: fronts racing for orphans do not
// queue behind each other. $3: the partitions this run owns.
constexpr const char* claim_sql
  = "UPDATE leases SET owner = $1, epoch = epoch + 1, "
    "expires = now() + $2 * interval '1 millisecond' "
    "WHERE part IN (SELECT part FROM leases l WHERE NOT (part = "
    "ANY($3::int[])) AND (owner IS NULL OR owner = $1 OR expires < now() "
    "OR NOT " ORDER_NODE_NAME_HELD(
      "l.owner") ") ORDER BY part LIMIT $4 "
                 "FOR UPDATE SKIP LOCKED) RETURNING part, epoch";

constexpr const char* renew_sql
  = "UPDATE leases l SET expires = now() + $2 * interval '1 millisecond' "
    "FROM unnest($3::int[], $4::bigint[]) AS h(p, e) "
    "WHERE l.part = h.p AND l.epoch = h.e AND l.owner = $1 RETURNING l.part";

constexpr const char* owners_sql
  = "SELECT part, CASE WHEN owner IS NOT NULL AND expires >= now() "
    "AND " ORDER_NODE_NAME_HELD("owner") " THEN owner ELSE '' END FROM leases "
                                         "ORDER BY part";

constexpr const char* fronts_sql
  = "SELECT front, listen FROM fronts WHERE " ORDER_NODE_NAME_HELD(
    "front") " ORDER BY front";

#undef ORDER_NODE_NAME_HELD

constexpr const char* read_orders
  = "SELECT seq, order_id, kind, order_key, coalesce(idempotency_key, ''), "
    "request, accepted_us, decided_us, result, resumes FROM orders "
    "WHERE part = ANY($1::int[]) AND (decided_us IS NULL OR "
    "(idempotency_key IS NOT NULL AND decided_us >= $2)) ORDER BY seq";

constexpr const char* read_replies
  = "SELECT seq, slot, attempt, reply FROM replies WHERE seq = "
    "ANY($1::bigint[]) ORDER BY seq, slot";

constexpr const char* read_voids
  = "SELECT auth_key, seq, tx_id FROM voids WHERE acked = 0 AND "
    "part = ANY($1::int[]) ORDER BY seq";

constexpr const char* mark_resumed
  = "UPDATE orders SET resumes = resumes + 1, resumed_us = $1 WHERE "
    "decided_us IS NULL AND part = ANY($2::int[])";

// One row of read_orders into `o`; false if a record does not decode
// (`what` names it).
bool order_row(const pg_rows& r, int i, journaled_order& o, bool& decided,
               std::string& what) {
  auto& a = o.accepted;
  a.seq = static_cast<uint64_t>(r.integer(i, 0));
  a.order_id = r.text(i, 1);
  auto kind = r.integer(i, 2);
  if (kind != 0 && kind != 1) {
    what = "order " + a.order_id + ": kind " + std::to_string(kind);
    return false;
  }
  a.kind = static_cast<order_kind>(kind);
  a.order_key = r.text(i, 3);
  a.idempotency_key = r.text(i, 4);
  if (!decode(r.bytes(i, 5), a.request)) {
    what = "order " + a.order_id + ": request";
    return false;
  }
  a.accepted_us = r.integer(i, 6);
  o.resumes = static_cast<int32_t>(r.integer(i, 9));
  decided = !r.null(i, 7);
  if (decided) {
    o.decided_us = r.integer(i, 7);
    if (!decode(r.bytes(i, 8), o.result)) {
      what = "order " + a.order_id + ": result";
      return false;
    }
  }
  return true;
}

} // namespace

lease_keeper::lease_keeper(std::unique_ptr<pg_connection> conn,
                           std::string shown, store_options o,
                           std::shared_ptr<partition_epochs> owned)
    : conn_(std::move(conn)), shown_(std::move(shown)), options_(std::move(o)),
      owned_(std::move(owned)), renewed_(std::chrono::steady_clock::now()) {}

lease_keeper::~lease_keeper() = default;

std::unique_ptr<lease_keeper>
lease_keeper::open(const std::string& uri, const store_options& o,
                   std::shared_ptr<partition_epochs> owned,
                   std::string& error) {
  auto conn = pg_connection::open(uri, "journal", error);
  if (!conn)
    return nullptr;
  return std::unique_ptr<lease_keeper>{
    new lease_keeper(std::move(conn), shown_uri(uri), o, std::move(owned))};
}

bool lease_keeper::take_name(std::string& error) {
  auto name
    = conn_->query(take_name_sql, pg_params{}.text(options_.front), error);
  if (!name.ok())
    return false;
  if (name.integer(0, 0) == 0) {
    error = "journal " + shown_ + ": front '" + options_.front
            + "' is running already (another order-node process holds its "
              "name: give each front its own --listen)";
    return false;
  }
  named_ = true;
  return conn_
    ->query("INSERT INTO fronts(front, listen, run, seen) VALUES($1, $1, $2, "
            "now()) ON CONFLICT(front) DO UPDATE SET run = $2, seen = now()",
            pg_params{}.text(options_.front).int8(run_), error)
    .ok();
}

bool lease_keeper::start(int64_t run, std::string& error) {
  run_ = run;
  lease_round first;
  if (!take_name(error) || !claim(owned_->partitions(), first, error))
    return false;
  renewed_ = std::chrono::steady_clock::now();
  node_log().info("journal {}: front '{}' owns {} of {} partitions", shown_,
                  options_.front, first.gained.size(), owned_->partitions());
  return true;
}

bool lease_keeper::claim(int64_t limit, lease_round& out, std::string& error) {
  if (limit <= 0)
    return true;
  auto rows = conn_->query(claim_sql,
                           pg_params{}
                             .text(options_.front)
                             .int8(options_.lease_ms)
                             .int4s(owned_->owned())
                             .int8(limit),
                           error);
  if (!rows.ok())
    return false;
  for (int i = 0; i < rows.rows(); ++i) {
    auto part = static_cast<int32_t>(rows.integer(i, 0));
    owned_->set(part, rows.integer(i, 1));
    out.gained.push_back(part);
  }
  std::sort(out.gained.begin(), out.gained.end());
  return true;
}

bool lease_keeper::renew(lease_round& out, std::string& error) {
  auto parts = owned_->owned();
  if (parts.empty())
    return true;
  std::vector<int64_t> epochs;
  epochs.reserve(parts.size());
  for (auto p : parts)
    epochs.push_back(owned_->epoch(p));
  auto rows = conn_->query(renew_sql,
                           pg_params{}
                             .text(options_.front)
                             .int8(options_.lease_ms)
                             .int4s(parts)
                             .int8s(epochs),
                           error);
  if (!rows.ok())
    return false;
  std::vector<bool> kept(static_cast<size_t>(owned_->partitions()), false);
  for (int i = 0; i < rows.rows(); ++i)
    kept[static_cast<size_t>(rows.integer(i, 0))] = true;
  for (auto p : parts)
    if (!kept[static_cast<size_t>(p)]) {
      owned_->set(p, 0);
      out.lost.push_back(p);
    }
  return true;
}

bool lease_keeper::survey(lease_round& out, std::string& error) {
  auto owners = conn_->query(owners_sql, {}, error);
  auto fronts = conn_->query(fronts_sql, {}, error);
  if (!owners.ok() || !fronts.ok())
    return false;
  out.owners.assign(static_cast<size_t>(owned_->partitions()), "");
  for (int i = 0; i < owners.rows(); ++i) {
    auto part = owners.integer(i, 0);
    if (part >= 0 && part < owned_->partitions())
      out.owners[static_cast<size_t>(part)] = owners.text(i, 1);
  }
  for (int i = 0; i < fronts.rows(); ++i)
    out.fronts.push_back(front_entry{fronts.text(i, 0), fronts.text(i, 1)});
  return true;
}

bool lease_keeper::round(lease_round& out, std::string& error) {
  out = lease_round{};
  auto generation = conn_->generation();
  bool ok = conn_->ensure(error);
  // A new session holds nothing: the name first, or nothing is ours.
  if (ok && (!named_ || generation != conn_->generation())) {
    named_ = false;
    ok = take_name(error);
  }
  ok = ok && renew(out, error);
  auto now = std::chrono::steady_clock::now();
  if (ok) {
    renewed_ = now;
  } else if (now - renewed_ >= std::chrono::milliseconds(options_.lease_ms)) {
    // A whole lease without renewing: the others may own them by now.
    for (auto p : owned_->owned()) {
      owned_->set(p, 0);
      out.lost.push_back(p);
    }
    return false;
  }
  if (!ok || !survey(out, error))
    return false;
  auto live = std::max<int64_t>(1, static_cast<int64_t>(out.fronts.size()));
  auto share = (owned_->partitions() + live - 1) / live;
  auto owned = static_cast<int64_t>(owned_->owned().size());
  if (!claim(share - owned, out, error))
    return false;
  for (auto p : out.gained)
    out.owners[static_cast<size_t>(p)] = options_.front;
  return true;
}

void lease_keeper::release() {
  std::string ignored;
  conn_->query("UPDATE leases SET owner = NULL, expires = NULL WHERE owner = "
               "$1 AND part = ANY($2::int[])",
               pg_params{}.text(options_.front).int4s(owned_->owned()),
               ignored);
  for (auto p : owned_->owned())
    owned_->set(p, 0);
}

bool lease_keeper::read(const std::vector<int32_t>& parts,
                        int64_t retention_cutoff_us, journal_contents& out,
                        std::string& error) {
  auto& c = *conn_;
  auto orders = c.query(
    read_orders, pg_params{}.int4s(parts).int8(retention_cutoff_us), error);
  if (!orders.ok())
    return false;
  std::vector<int64_t> unfinished;
  for (int i = 0; i < orders.rows(); ++i) {
    journaled_order o;
    bool decided = false;
    std::string what;
    if (!order_row(orders, i, o, decided, what)) {
      error = "journal " + shown_ + ": corrupt record (" + what + ")";
      return false;
    }
    if (decided) {
      out.keyed.push_back(std::move(o));
      continue;
    }
    unfinished.push_back(static_cast<int64_t>(o.accepted.seq));
    out.unfinished.push_back(std::move(o));
  }
  auto replies = c.query(read_replies, pg_params{}.int8s(unfinished), error);
  if (!replies.ok())
    return false;
  // Both in seq order: one pass.
  size_t at = 0;
  for (int i = 0; i < replies.rows(); ++i) {
    auto seq = static_cast<uint64_t>(replies.integer(i, 0));
    while (at < out.unfinished.size() && out.unfinished[at].accepted.seq < seq)
      ++at;
    if (at == out.unfinished.size())
      break;
    out.unfinished[at].replies.push_back(journal_reply{
      seq, static_cast<int32_t>(replies.integer(i, 1)),
      static_cast<int32_t>(replies.integer(i, 2)), replies.bytes(i, 3)});
  }
  auto voids = c.query(read_voids, pg_params{}.int4s(parts), error);
  if (!voids.ok())
    return false;
  for (int i = 0; i < voids.rows(); ++i)
    out.voids.push_back(journal_void{voids.text(i, 0),
                                     static_cast<uint64_t>(voids.integer(i, 1)),
                                     voids.text(i, 2)});
  // The resumes, before anything else is written.
  return c
    .query(mark_resumed, pg_params{}.int8(journal_now_us()).int4s(parts), error)
    .ok();
}

} // namespace order_node
