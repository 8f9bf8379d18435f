// actors/journal/pg_journal.cpp — see pg_journal.hpp. Recovery is in
// pg_journal_recovery.cpp.
#include "actors/journal/pg_journal.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_group.hpp"
#include "actors/journal/pg_leases.hpp"
#include "actors/journal/pg_schema.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"

namespace order_node {

pg_journal::pg_journal(std::unique_ptr<pg_connection> conn, std::string shown,
                       store_options o, std::shared_ptr<partition_epochs> owned,
                       std::shared_ptr<lease_keeper> keeper)
    : journal_store(std::move(shown)), conn_(std::move(conn)),
      options_(std::move(o)), owned_(std::move(owned)),
      keeper_(std::move(keeper)) {}

pg_journal::~pg_journal() {
  std::string ignored;
  commit(ignored);
}

std::unique_ptr<pg_journal> pg_journal::open(const std::string& uri,
                                             const store_options& o,
                                             std::string& error) {
  auto conn = pg_connection::open(uri, "journal", error);
  if (!conn)
    return nullptr;
  int32_t partitions = o.partitions;
  if (!pg_journal_schema_ready(*conn, partitions, error))
    return nullptr;
  auto owned = std::make_shared<partition_epochs>(partitions);
  std::shared_ptr<lease_keeper> keeper
    = lease_keeper::open(uri, o, owned, error);
  if (!keeper)
    return nullptr;
  std::unique_ptr<pg_journal> j{new pg_journal(
    std::move(conn), shown_uri(uri), o, std::move(owned), std::move(keeper))};
  if (const char* off = std::getenv("ORDER_NODE_TEST_UNFENCED");
      off != nullptr && std::string{off} == "1") {
    node_log().warn("journal {}: the fence is OFF (ORDER_NODE_TEST_UNFENCED, "
                    "a test's switch): a front that lost its partitions can "
                    "still write",
                    j->path());
    j->unfenced_ = true;
  }
  return j;
}

void pg_journal::write(const journal_ops& ops) {
  auto append = [](auto& to, const auto& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(pending_.accepted, ops.accepted);
  append(pending_.replies, ops.replies);
  append(pending_.decided, ops.decided);
  append(pending_.voids, ops.voids);
  append(pending_.voids_acknowledged, ops.voids_acknowledged);
}

void pg_journal::fail_next(journal_record kind) {
  fail_next_ = kind;
}

void pg_journal::refuse_writes() {
  refuse_ = true;
}

std::vector<int32_t> pg_journal::take_lost() {
  auto out = std::move(lost_);
  lost_.clear();
  return out;
}

bool pg_journal::commit(std::string& error, std::vector<uint64_t>& unrecorded) {
  unrecorded.clear();
  if (pending_.empty())
    return true;
  journal_ops ops = std::move(pending_);
  pending_ = journal_ops{};
  std::string why;
  if (refuse_)
    why = "writes refused (a test)";
  if (fail_next_ && why.empty()) {
    auto kind = *fail_next_;
    if ((kind == journal_record::accepted && !ops.accepted.empty())
        || (kind == journal_record::reply && !ops.replies.empty())
        || (kind == journal_record::decided && !ops.decided.empty())) {
      why = "database or disk is full (injected by a test)";
      fail_next_.reset();
    }
  }
  if (!why.empty()) {
    error = "journal " + path() + ": write failed: " + why;
    return false;
  }
  auto g = build_pg_group(ops, options_.front, owned_->all());
  if (unfenced_) // a test's negative control: what the fence prevents
    g.statements[1] = pg_statement{"SELECT 1", {}};
  std::vector<pg_rows> out;
  std::string state;
  if (!conn_->pipeline(g.statements, out, error, state)) {
    // The connection's text, without its "journal URI: " and libpq's
    // "ERROR:  ".
    auto why = error.substr(std::min(error.size(), conn_->where().size() + 2));
    if (why.rfind("ERROR:  ", 0) == 0)
      why.erase(0, 8);
    if (state == pg_fenced_state) {
      fenced();
      error = "journal " + path() + ": " + why + "; the group is rolled back";
    } else {
      error = "journal " + path() + ": write failed: " + why;
    }
    return false;
  }
  if (g.decide_at >= 0) {
    std::set<uint64_t> written;
    auto& rows = out[static_cast<size_t>(g.decide_at)];
    for (int i = 0; i < rows.rows(); ++i)
      written.insert(static_cast<uint64_t>(rows.integer(i, 0)));
    for (auto& d : ops.decided)
      if (written.count(d.seq) == 0)
        unrecorded.push_back(d.seq);
  }
  return true;
}

// A fenced commit: the partitions this front thought it owned and does
// not (another owner, or another epoch), dropped, into lost_.
void pg_journal::fenced() {
  std::string error;
  auto epochs = owned_->all();
  auto rows
    = conn_->query("SELECT part, owner = $1 AND epoch = "
                   "coalesce(($2::bigint[])[part + 1], 0) FROM leases",
                   pg_params{}.text(options_.front).int8s(epochs), error);
  for (int i = 0; i < rows.rows(); ++i) {
    auto part = static_cast<int32_t>(rows.integer(i, 0));
    if (owned_->epoch(part) != 0 && rows.integer(i, 1) == 0) {
      owned_->set(part, 0);
      lost_.push_back(part);
    }
  }
}

int64_t pg_journal::purge(int64_t cutoff_us) {
  std::string error;
  commit(error);
  auto owned = owned_->owned();
  auto rows = conn_->query("DELETE FROM orders WHERE decided_us < $1 AND "
                           "part = ANY($2::int[])",
                           pg_params{}.int8(cutoff_us).int4s(owned), error);
  conn_->query("DELETE FROM voids v WHERE acked = 1 AND part = "
               "ANY($1::int[]) AND NOT EXISTS (SELECT 1 FROM orders o "
               "WHERE o.seq = v.seq)",
               pg_params{}.int4s(owned), error);
  return rows.changed();
}

journal_lookup pg_journal::lookup(const std::string& order_id,
                                  std::string* error) {
  journal_lookup out;
  std::string failed;
  auto rows = conn_->query("SELECT order_id, decided_us, result FROM orders "
                           "WHERE order_id = $1 ORDER BY seq DESC LIMIT 1",
                           pg_params{}.text(order_id), failed);
  if (!rows.ok()) {
    if (error != nullptr)
      *error = failed;
    return out;
  }
  if (rows.rows() == 0)
    return out;
  out.found = true;
  out.order_id = rows.text(0, 0);
  if (!rows.null(0, 1)) {
    out.decided = decode(rows.bytes(0, 2), out.result);
    if (!out.decided && error != nullptr)
      *error = "journal " + path() + ": corrupt record (order " + order_id
               + ": result)";
  }
  return out;
}

} // namespace order_node
