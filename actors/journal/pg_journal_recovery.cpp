// actors/journal/pg_journal_recovery.cpp — pg_journal::recover() (see
// pg_journal.hpp): a front's start on a shared journal. It takes its name
// (a session advisory lock: one process per name), counts the run, claims
// the partitions nobody holds (free, expired, or its own from a run that
// died), and reads theirs: unfinished orders with their replies, decided
// keyed orders within retention, voids still owed; then marks the
// unfinished ones resumed.
#include "actors/journal/pg_journal.hpp"

#include <random>

#include <spdlog/spdlog.h>

#include "actors/journal/pg_conn.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

namespace {

// The advisory lock of a front's name: (class "ORNF", hashtext(name)).
constexpr const char* take_name
  = "SELECT pg_try_advisory_lock(1330794054, hashtext($1))";

// A partition is free when nobody owns it, its lease expired, its owner's
// name is this front's (a run of it that died: this one holds the name
// now), or its owner's session is gone (nobody holds that name's lock).
// SKIP LOCKED: fronts racing for orphans do not queue behind each other.
constexpr const char* claim_free
  = "UPDATE leases SET owner = $1, epoch = epoch + 1, "
    "expires = now() + $2 * interval '1 millisecond' "
    "WHERE part IN (SELECT part FROM leases l WHERE owner IS NULL "
    "OR owner = $1 OR expires < now() OR NOT EXISTS (SELECT 1 FROM pg_locks "
    "WHERE locktype = 'advisory' AND granted AND classid = 1330794054 "
    "AND objsubid = 2 AND objid::bigint = "
    "(hashtext(l.owner)::bigint & 4294967295)) "
    "FOR UPDATE SKIP LOCKED) RETURNING part, epoch";

constexpr const char* read_orders
  = "SELECT seq, order_id, kind, order_key, coalesce(idempotency_key, ''), "
    "request, accepted_us, decided_us, result, resumes, part FROM orders "
    "WHERE part = ANY($1::int[]) AND (decided_us IS NULL OR "
    "(idempotency_key IS NOT NULL AND decided_us >= $2)) ORDER BY seq";

constexpr const char* read_replies
  = "SELECT seq, slot, attempt, reply FROM replies WHERE seq = "
    "ANY($1::bigint[]) ORDER BY seq, slot";

constexpr const char* read_voids
  = "SELECT auth_key, seq, tx_id, part FROM voids WHERE acked = 0 AND "
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

bool pg_journal::recover(int64_t retention_cutoff_us, journal_contents& out,
                         std::string& error) {
  std::string ignored;
  commit(ignored);
  auto& c = *conn_;
  auto name = c.query(take_name, pg_params{}.text(options_.front), error);
  if (!name.ok())
    return false;
  if (name.integer(0, 0) == 0) {
    error = "journal " + path() + ": front '" + options_.front
            + "' is running already (another order-node process holds its "
              "name: give each front its own --listen)";
    return false;
  }
  auto run = c.query("UPDATE order_node_meta SET v = v + 1 WHERE k = 'run' "
                     "RETURNING v",
                     {}, error);
  if (!run.ok())
    return false;
  run_ = run.integer(0, 0);
  std::random_device rd;
  int64_t drawn = 0;
  while (drawn == 0)
    drawn = static_cast<int64_t>((uint64_t{rd()} << 32) ^ rd());
  auto uid = c.query("WITH fresh AS (INSERT INTO order_node_meta(k, v) "
                     "VALUES('uid', $1) ON CONFLICT(k) DO NOTHING RETURNING v) "
                     "SELECT v FROM fresh UNION ALL SELECT v FROM "
                     "order_node_meta WHERE k = 'uid'",
                     pg_params{}.int8(drawn), error);
  if (!uid.ok())
    return false;
  out.uid = static_cast<uint64_t>(uid.integer(0, 0));
  out.run = run_;
  // Acceptance numbers: this run's own range, so that no two fronts (nor
  // two runs) give the same one.
  out.next_seq = (static_cast<uint64_t>(run_) << 32) + 1;
  if (!c.query("INSERT INTO fronts(front, listen, run, seen) VALUES($1, $1, "
               "$2, now()) ON CONFLICT(front) DO UPDATE SET run = $2, "
               "seen = now()",
               pg_params{}.text(options_.front).int8(run_), error)
         .ok()
      || !claim(error))
    return false;
  return read_owned(retention_cutoff_us, out, error);
}

bool pg_journal::claim(std::string& error) {
  auto rows = conn_->query(
    claim_free, pg_params{}.text(options_.front).int8(options_.lease_ms),
    error);
  if (!rows.ok())
    return false;
  for (int i = 0; i < rows.rows(); ++i)
    owned_->set(static_cast<int32_t>(rows.integer(i, 0)), rows.integer(i, 1));
  node_log().info("journal {}: front '{}' owns {} of {} partitions", path(),
                  options_.front, rows.rows(), owned_->partitions());
  return true;
}

bool pg_journal::read_owned(int64_t retention_cutoff_us, journal_contents& out,
                            std::string& error) {
  auto& c = *conn_;
  auto parts = owned_->owned();
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
      error = "journal " + path() + ": corrupt record (" + what + ")";
      return false;
    }
    if (decided) {
      out.keyed.push_back(std::move(o));
      continue;
    }
    order_parts_[o.accepted.seq] = static_cast<int32_t>(orders.integer(i, 10));
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
  for (int i = 0; i < voids.rows(); ++i) {
    out.voids.push_back(journal_void{voids.text(i, 0),
                                     static_cast<uint64_t>(voids.integer(i, 1)),
                                     voids.text(i, 2)});
    void_parts_[out.voids.back().auth_key]
      = static_cast<int32_t>(voids.integer(i, 3));
  }
  // The resumes, before anything else is written.
  return c
    .query(mark_resumed, pg_params{}.int8(journal_now_us()).int4s(parts), error)
    .ok();
}

} // namespace order_node
