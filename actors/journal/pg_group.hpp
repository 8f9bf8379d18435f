// actors/journal/pg_group.hpp — a group of journal records as the
// statements of one PostgreSQL transaction (pg_journal.hpp): BEGIN, the
// fence, one statement per kind of record with the group's rows as arrays,
// COMMIT; and the partitions the group touches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/journal/pg_conn.hpp"
#include "messages/journal_types.hpp"

namespace order_node {

struct pg_group {
  std::vector<pg_statement> statements;
  int decide_at = -1; // the index of the decisions' statement, if any
};

/// `ops` as one transaction of front `me`, which owns partition p with
/// epoch epochs[p] (0: not). The fence finds the partitions in the
/// database (the orders' and voids'), but for the orders `ops` accepts.
pg_group build_pg_group(const journal_ops& ops, const std::string& me,
                        const std::vector<int64_t>& epochs);

} // namespace order_node
