// actors/journal/pg_journal_recovery.cpp — pg_journal::recover() (see
// pg_journal.hpp): a front's start on a shared journal. It counts the run,
// draws the journal's uid on first use, then its lease keeper
// (pg_leases.hpp) takes the front's name and claims the partitions nobody
// holds, and reads theirs.
#include "actors/journal/pg_journal.hpp"

#include <random>

#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_leases.hpp"

namespace order_node {

bool pg_journal::recover(int64_t retention_cutoff_us, journal_contents& out,
                         std::string& error) {
  std::string ignored;
  commit(ignored);
  auto& c = *conn_;
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
  return keeper_->start(run_, error)
         && keeper_->read(owned_->owned(), retention_cutoff_us, out, error);
}

} // namespace order_node
