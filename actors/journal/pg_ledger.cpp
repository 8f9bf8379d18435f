// actors/journal/pg_ledger.cpp — see pg_ledger.hpp.
#include "actors/journal/pg_ledger.hpp"

#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_schema.hpp"

namespace order_node {

pg_ledger::pg_ledger(std::unique_ptr<pg_connection> conn, std::string shown)
    : ledger_store(std::move(shown)), conn_(std::move(conn)) {}

pg_ledger::~pg_ledger() {
  std::string ignored;
  commit(ignored);
}

std::unique_ptr<pg_ledger> pg_ledger::open(const std::string& uri,
                                           std::string& error) {
  auto conn = pg_connection::open(uri, "ledger", error);
  if (!conn || !pg_ledger_schema_ready(*conn, error))
    return nullptr;
  return std::unique_ptr<pg_ledger>{
    new pg_ledger(std::move(conn), shown_uri(uri))};
}

bool pg_ledger::begin(std::string& error) {
  if (in_transaction_)
    return true;
  if (!conn_->run("BEGIN", error))
    return false;
  in_transaction_ = true;
  broken_ = false;
  return true;
}

// A statement failed: the transaction is lost (PostgreSQL refuses the
// rest of it); its commit fails too, so that no answer of it counts.
bool pg_ledger::failed() {
  broken_ = true;
  return false;
}

bool pg_ledger::authorize(const std::string& auth_key,
                          const std::string& order_id,
                          const payment_reply& fresh, payment_reply& out,
                          std::string& error) {
  if (!begin(error))
    return false;
  pg_params p;
  p.text(auth_key).text(order_id);
  if (fresh.transaction_id.empty())
    p.null_text();
  else
    p.text(fresh.transaction_id);
  p.int4(fresh.authorized ? 1 : 0);
  // The first answer stays: a repeated key only counts the request.
  auto rows = conn_->query(
    "INSERT INTO authorizations(auth_key, order_id, tx_id, authorized, "
    "requests, voided) VALUES($1, $2, $3, $4, 1, 0) ON CONFLICT(auth_key) "
    "DO UPDATE SET requests = authorizations.requests + 1 "
    "RETURNING coalesce(tx_id, ''), authorized",
    p, error);
  if (!rows.ok() || rows.rows() != 1)
    return failed();
  out.transaction_id = rows.text(0, 0);
  out.authorized = rows.integer(0, 1) != 0;
  return true;
}

bool pg_ledger::void_key(const std::string& auth_key, bool& known,
                         std::string& error) {
  if (!begin(error))
    return false;
  auto rows
    = conn_->query("UPDATE authorizations SET voided = 1 WHERE auth_key = $1",
                   pg_params{}.text(auth_key), error);
  if (!rows.ok())
    return failed();
  known = rows.changed() > 0;
  return true;
}

bool pg_ledger::commit(std::string& error) {
  if (!in_transaction_)
    return true;
  in_transaction_ = false;
  if (broken_) {
    std::string ignored;
    conn_->run("ROLLBACK", ignored);
    error = "ledger " + path() + ": a write of the transaction failed; "
            + "rolled back";
    return false;
  }
  if (conn_->run("COMMIT", error))
    return true;
  std::string ignored;
  conn_->run("ROLLBACK", ignored);
  return false;
}

} // namespace order_node
