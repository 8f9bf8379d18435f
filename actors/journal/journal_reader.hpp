// actors/journal/journal_reader.hpp — the journal read back for people: the
// console's order list (filtered by status, searched by order id or
// idempotency key, paged newest first) and one order's record with its
// voids. A connection of its own, in an actor on a thread of its own: a scan
// of a large journal never holds up a commit, and it sees committed records
// only, so nothing it shows can be undone by a crash. See docs/console.md.
// The desk asks it for repeated idempotency keys (docs/durability.md). Two
// kinds, as the journal's store (journal_store.hpp): sqlite_reader.hpp and
// pg_reader.hpp.
#pragma once

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

class journal_reader {
 public:
  /// Opens the journal at `where` (a file path or a database URI) for
  /// reading (its writer, journal_store, made it); nullptr and `error` set
  /// if it cannot.
  static std::unique_ptr<journal_reader> open(const std::string& where,
                                              std::string& error);

  /// As open(), for a reader without a node: when no node has a journal
  /// file open (no WAL file), the file is read as immutable, so that
  /// reading it creates no file beside it (SQLite's -wal and -shm).
  static std::unique_ptr<journal_reader> open_offline(const std::string& where,
                                                      std::string& error);

  virtual ~journal_reader() = default;
  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;

  /// Orders as `q` asks (its limit clamped to 1..order_query::max_page);
  /// an unknown status filter lists nothing.
  virtual order_page list(const order_query& q) = 0;

  /// The newest order with id `order_id`.
  virtual order_history history(const std::string& order_id) = 0;

  /// Whether the store is an order-node journal of a format this
  /// order-node reads; false and `error` set (naming it) if not. The
  /// node's own reader opens a store the journal has checked already; a
  /// reader of its own (`order-node journal`) asks.
  virtual bool verify(std::string& error) = 0;

  /// The newest order with `q.key` on `q.kind`'s route if it was decided
  /// at or after `q.since_us` (its request, id, decision time and result),
  /// in `out`; accepted.seq 0 if none; and in out.key_uses how many orders
  /// the key ever had in this journal. False and `error` set if it cannot
  /// tell (the query failed, or the record does not decode): the key must
  /// not run again then.
  virtual bool keyed(const key_query& q, journaled_order& out,
                     std::string& error)
    = 0;

 protected:
  journal_reader() = default;
};

/// The SQL condition (both kinds' tables have the same columns) of an
/// order_query's status filter; null for an unknown one.
const char* status_filter_sql(const std::string& status);

/// Spawns the reader on a thread of its own (`detached`), or scheduled
/// (tests under CAF's test coordinator).
journal_reader_actor spawn_journal_reader(caf::actor_system& sys,
                                          std::shared_ptr<journal_reader> r,
                                          bool detached = true);

} // namespace order_node
