// actors/journal/store_open.cpp — which store a --journal or
// --payment.ledger value opens: a libpq URI opens PostgreSQL (pg_*.hpp),
// anything else an SQLite file (sqlite_*.hpp).
#include "actors/journal/journal_reader.hpp"
#include "actors/journal/journal_store.hpp"
#include "actors/journal/ledger_store.hpp"
#include "actors/journal/pg_journal.hpp"
#include "actors/journal/pg_ledger.hpp"
#include "actors/journal/pg_reader.hpp"
#include "actors/journal/sqlite_journal.hpp"
#include "actors/journal/sqlite_ledger.hpp"
#include "actors/journal/sqlite_reader.hpp"

namespace order_node {

bool is_database_uri(const std::string& where) {
  auto starts = [&](const char* prefix) { return where.rfind(prefix, 0) == 0; };
  return starts("postgresql://") || starts("postgres://");
}

std::unique_ptr<journal_store> journal_store::open(const std::string& where,
                                                   const store_options& o,
                                                   std::string& error) {
  if (is_database_uri(where))
    return pg_journal::open(where, o, error);
  return sqlite_journal::open(where, o.sync, error);
}

std::unique_ptr<ledger_store> ledger_store::open(const std::string& where,
                                                 journal_sync sync,
                                                 std::string& error) {
  if (is_database_uri(where))
    return pg_ledger::open(where, error);
  return sqlite_ledger::open(where, sync, error);
}

std::unique_ptr<journal_reader> journal_reader::open(const std::string& where,
                                                     std::string& error) {
  if (is_database_uri(where))
    return pg_reader::open(where, error);
  return sqlite_reader::open(where, error);
}

std::unique_ptr<journal_reader>
journal_reader::open_offline(const std::string& where, std::string& error) {
  if (is_database_uri(where))
    return pg_reader::open(where, error);
  return sqlite_reader::open_offline(where, error);
}

} // namespace order_node
