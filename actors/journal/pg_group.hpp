// actors/journal/pg_group.hpp — a group of journal records as the
// statements of one PostgreSQL transaction (pg_journal.hpp): BEGIN, the
// fence, one statement per kind of record with the group's rows as arrays,
// COMMIT; and the partitions the group touches.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/journal/pg_conn.hpp"
#include "messages/journal_types.hpp"

namespace order_node {

struct pg_group {
  std::set<int32_t> touched;
  std::unordered_map<uint64_t, int32_t> accepted; // seq -> partition
  std::vector<uint64_t> unknown; // decisions of orders this front lacks
  std::vector<pg_statement> statements;
  int decide_at = -1; // the index of the decisions' statement, if any
};

/// `ops` as one transaction. `order_parts` has the partition of each order
/// the front holds, `void_parts` of each void it owes; records of orders
/// it does not hold are left out: a decision as `unknown`, a late reply
/// as nothing. statements[1] is the fence, without its parameters.
pg_group
build_pg_group(const journal_ops& ops, int32_t partitions,
               const std::unordered_map<uint64_t, int32_t>& order_parts,
               const std::unordered_map<std::string, int32_t>& void_parts);

} // namespace order_node
