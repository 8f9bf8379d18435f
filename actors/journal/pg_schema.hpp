// actors/journal/pg_schema.hpp — the tables of order-node in a PostgreSQL
// database (issue #28, docs/durability.md "Several fronts"), made on first
// use under an advisory lock (two nodes starting at once make them once)
// and versioned in order_node_meta: a node refuses a database that a newer
// order-node made. The journal's tables and the ledger's are versioned
// apart, so that the ledger may live in a database of its own.
//
//   order_node_meta(k, v)   journal_schema, ledger_schema, partitions,
//                           run (one more at every start of any front),
//                           uid (names the cluster's orders to the gateway)
//   orders, replies, voids, key_uses   as in the SQLite journal, with each
//                           order's partition, and its decisions written
//                           (1 once decided: an audit of "exactly once")
//   leases(part, owner, epoch, expires)   one row per partition
//   fronts(front, listen, run, seen)      the fronts, found by each other
//   authorizations(...)     the payment ledger (ledger_store.hpp)
//
// order_node_fence(parts, epochs) is the fence (pg_journal.hpp): it locks
// the leases of a transaction's partitions FOR SHARE and raises SQLSTATE
// ON001 if one has another epoch.
#pragma once

#include <cstdint>
#include <string>

namespace order_node {

class pg_connection;

/// The schema versions this order-node writes (and reads: 1 up to them).
inline constexpr int64_t pg_journal_schema = 1;
inline constexpr int64_t pg_ledger_schema = 1;

/// The fence's SQLSTATE.
inline constexpr const char* pg_fenced_state = "ON001";

/// Default number of partitions of a new journal.
inline constexpr int32_t default_partitions = 64;

/// Makes the journal's tables if the database has none (with `partitions`
/// partitions), or checks their version; the partitions in `partitions`.
/// False and `error` set if the database refuses or is newer.
bool pg_journal_schema_ready(pg_connection& c, int32_t& partitions,
                             std::string& error);

/// As pg_journal_schema_ready(), for the ledger's table.
bool pg_ledger_schema_ready(pg_connection& c, std::string& error);

} // namespace order_node
