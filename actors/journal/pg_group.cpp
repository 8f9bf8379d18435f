// actors/journal/pg_group.cpp — see pg_group.hpp.
#include "actors/journal/pg_group.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "actors/journal/journal_store.hpp"

#include "messages/journal_codec.hpp"
#include "messages/partition.hpp"

namespace order_node {

namespace {

// One statement per kind of record; the arrays are the columns.
constexpr const char* insert_orders
  = "INSERT INTO orders(seq, part, order_id, kind, order_key, "
    "idempotency_key, request, accepted_us) "
    "SELECT s, p, i, k, ok, nullif(ik, ''), r, a FROM unnest($1::bigint[], "
    "$2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bytea[], "
    "$8::bigint[]) AS x(s, p, i, k, ok, ik, r, a)";
constexpr const char* count_key_uses
  = "INSERT INTO key_uses(kind, idempotency_key, uses) "
    "SELECT k, ik, count(*) FROM unnest($1::int[], $2::text[]) AS x(k, ik) "
    "GROUP BY k, ik ON CONFLICT(kind, idempotency_key) "
    "DO UPDATE SET uses = key_uses.uses + excluded.uses";
constexpr const char* upsert_replies
  = "INSERT INTO replies(seq, slot, attempt, reply) "
    "SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bytea[]) "
    "ON CONFLICT(seq, slot) DO UPDATE SET attempt = excluded.attempt, "
    "reply = excluded.reply";
constexpr const char* decide_orders
  = "UPDATE orders o SET decided_us = x.d, status = x.st, result = x.r, "
    "decisions = o.decisions + 1, "
    "voided = x.v FROM unnest($1::bigint[], $2::bigint[], $3::int[], "
    "$4::bytea[], $5::int[]) AS x(s, d, st, r, v) WHERE o.seq = x.s "
    "RETURNING o.seq";
constexpr const char* drop_replies
  = "DELETE FROM replies WHERE seq = ANY($1::bigint[])";
constexpr const char* owe_voids
  = "INSERT INTO voids(auth_key, seq, part, tx_id) "
    "SELECT a, s, coalesce((SELECT part FROM orders WHERE seq = s), -1), t "
    "FROM unnest($1::text[], $2::bigint[], $3::text[]) AS x(a, s, t) "
    "ON CONFLICT(auth_key) DO NOTHING";
constexpr const char* ack_voids
  = "UPDATE voids SET acked = 1, acked_us = $1 WHERE auth_key = "
    "ANY($2::text[])";

// The fence's arguments: who writes, with which epochs, the partitions of
// the orders it accepts, and the orders and voids its other records are
// about.
struct fence_args {
  std::vector<int32_t> parts;
  std::set<int64_t> seqs;
  std::vector<std::string> auth_keys;
};

void add_accepted(const journal_ops& ops, int32_t partitions, pg_group& g,
                  fence_args& fence) {
  std::vector<int64_t> seqs;
  std::vector<int32_t> parts;
  std::vector<int32_t> kinds;
  std::vector<int32_t> key_kinds;
  std::vector<std::string> ids;
  std::vector<std::string> order_keys;
  std::vector<std::string> keys;
  std::vector<std::string> used_keys;
  std::vector<std::vector<char>> requests;
  std::vector<int64_t> at;
  for (auto& a : ops.accepted) {
    auto part
      = partition_of(partition_key(a.idempotency_key, a.order_id), partitions);
    fence.parts.push_back(part);
    seqs.push_back(static_cast<int64_t>(a.seq));
    parts.push_back(part);
    ids.push_back(a.order_id);
    kinds.push_back(static_cast<int32_t>(a.kind));
    order_keys.push_back(a.order_key);
    keys.push_back(a.idempotency_key);
    requests.push_back(encode(a.request));
    at.push_back(a.accepted_us);
    if (!a.idempotency_key.empty()) {
      key_kinds.push_back(static_cast<int32_t>(a.kind));
      used_keys.push_back(a.idempotency_key);
    }
  }
  g.statements.push_back({insert_orders, pg_params{}
                                           .int8s(seqs)
                                           .int4s(parts)
                                           .texts(ids)
                                           .int4s(kinds)
                                           .texts(order_keys)
                                           .texts(keys)
                                           .byteas(requests)
                                           .int8s(at)});
  if (!used_keys.empty())
    g.statements.push_back(
      {count_key_uses, pg_params{}.int4s(key_kinds).texts(used_keys)});
}

void add_replies(const journal_ops& ops, pg_group& g, fence_args& fence) {
  // The last reply of each (order, call) wins, as one after the other
  // would.
  std::map<std::pair<uint64_t, int32_t>, const journal_reply*> replies;
  for (auto& r : ops.replies)
    replies[{r.seq, r.slot}] = &r;
  if (replies.empty())
    return;
  std::vector<int64_t> seqs;
  std::vector<int32_t> slots;
  std::vector<int32_t> attempts;
  std::vector<std::vector<char>> bodies;
  for (auto& [k, r] : replies) {
    seqs.push_back(static_cast<int64_t>(r->seq));
    slots.push_back(r->slot);
    attempts.push_back(r->attempt);
    bodies.push_back(r->reply);
  }
  fence.seqs.insert(seqs.begin(), seqs.end());
  g.statements.push_back(
    {upsert_replies,
     pg_params{}.int8s(seqs).int4s(slots).int4s(attempts).byteas(bodies)});
}

void add_decided(const journal_ops& ops, pg_group& g, fence_args& fence) {
  if (ops.decided.empty())
    return;
  std::vector<int64_t> seqs;
  std::vector<int64_t> at;
  std::vector<int32_t> statuses;
  std::vector<std::vector<char>> results;
  std::vector<int32_t> voided;
  for (auto& d : ops.decided) {
    seqs.push_back(static_cast<int64_t>(d.seq));
    at.push_back(d.decided_us);
    statuses.push_back(static_cast<int32_t>(d.result.status));
    results.push_back(encode(d.result));
    voided.push_back(d.result.voided ? 1 : 0);
  }
  fence.seqs.insert(seqs.begin(), seqs.end());
  g.decide_at = static_cast<int>(g.statements.size());
  g.statements.push_back(
    {decide_orders,
     pg_params{}.int8s(seqs).int8s(at).int4s(statuses).byteas(results).int4s(
       voided)});
  g.statements.push_back({drop_replies, pg_params{}.int8s(seqs)});
}

void add_voids(const journal_ops& ops, pg_group& g, fence_args& fence) {
  if (!ops.voids.empty()) {
    std::vector<std::string> keys;
    std::vector<int64_t> seqs;
    std::vector<std::string> txs;
    for (auto& v : ops.voids) {
      keys.push_back(v.auth_key);
      seqs.push_back(static_cast<int64_t>(v.seq));
      txs.push_back(v.tx_id);
    }
    fence.seqs.insert(seqs.begin(), seqs.end());
    g.statements.push_back(
      {owe_voids, pg_params{}.texts(keys).int8s(seqs).texts(txs)});
  }
  if (!ops.voids_acknowledged.empty()) {
    fence.auth_keys = ops.voids_acknowledged;
    g.statements.push_back(
      {ack_voids,
       pg_params{}.int8(journal_now_us()).texts(ops.voids_acknowledged)});
  }
}

} // namespace

pg_group build_pg_group(const journal_ops& ops, const std::string& me,
                        const std::vector<int64_t>& epochs) {
  pg_group g;
  g.statements.push_back({"BEGIN", {}});
  g.statements.push_back({"SELECT order_node_fence($1, $2, $3, $4, $5)", {}});
  fence_args fence;
  if (!ops.accepted.empty())
    add_accepted(ops, static_cast<int32_t>(epochs.size()), g, fence);
  add_replies(ops, g, fence);
  add_decided(ops, g, fence);
  add_voids(ops, g, fence);
  g.statements.push_back({"COMMIT", {}});
  std::sort(fence.parts.begin(), fence.parts.end());
  fence.parts.erase(std::unique(fence.parts.begin(), fence.parts.end()),
                    fence.parts.end());
  g.statements[1].params = pg_params{}
                             .text(me)
                             .int8s(epochs)
                             .int4s(fence.parts)
                             .int8s({fence.seqs.begin(), fence.seqs.end()})
                             .texts(fence.auth_keys);
  return g;
}

} // namespace order_node
