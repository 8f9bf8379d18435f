// actors/journal/pg_schema.cpp — see pg_schema.hpp.
#include "actors/journal/pg_schema.hpp"

#include "actors/journal/pg_conn.hpp"

namespace order_node {

namespace {

// Taken by every schema change, for its transaction: "ORNS".
constexpr const char* lock = "SELECT pg_advisory_xact_lock(1330794067)";

constexpr const char* meta = R"sql(
CREATE TABLE IF NOT EXISTS order_node_meta(
  k TEXT PRIMARY KEY,
  v BIGINT NOT NULL);
)sql";

// Times are microseconds of the system clock, as in the SQLite journal;
// the leases' expiry is the database's clock (now()), the one clock every
// front agrees on.
constexpr const char* journal_tables = R"sql(
CREATE TABLE orders(
  seq BIGINT PRIMARY KEY,
  part INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  order_key TEXT NOT NULL,
  idempotency_key TEXT,
  request BYTEA NOT NULL,
  accepted_us BIGINT NOT NULL,
  decided_us BIGINT,
  status INTEGER,
  result BYTEA,
  resumes INTEGER NOT NULL DEFAULT 0,
  voided INTEGER NOT NULL DEFAULT 0,
  resumed_us BIGINT,
  decisions INTEGER NOT NULL DEFAULT 0);
CREATE INDEX orders_running ON orders(part, seq) WHERE decided_us IS NULL;
CREATE INDEX orders_by_id ON orders(order_id);
CREATE INDEX orders_by_key ON orders(idempotency_key, kind)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX orders_decided ON orders(decided_us) WHERE decided_us IS NOT NULL;
CREATE TABLE replies(
  seq BIGINT NOT NULL,
  slot INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  reply BYTEA NOT NULL,
  PRIMARY KEY(seq, slot));
CREATE TABLE voids(
  auth_key TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  part INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0,
  acked_us BIGINT);
CREATE INDEX voids_owed ON voids(part) WHERE acked = 0;
CREATE INDEX voids_by_seq ON voids(seq);
CREATE TABLE key_uses(
  kind INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  uses BIGINT NOT NULL,
  PRIMARY KEY(kind, idempotency_key));
CREATE TABLE leases(
  part INTEGER PRIMARY KEY,
  owner TEXT,
  epoch BIGINT NOT NULL DEFAULT 0,
  expires TIMESTAMPTZ);
CREATE TABLE fronts(
  front TEXT PRIMARY KEY,
  listen TEXT NOT NULL,
  run BIGINT NOT NULL,
  seen TIMESTAMPTZ NOT NULL);
CREATE FUNCTION order_node_fence(me TEXT, epochs BIGINT[], parts INTEGER[],
                                 seqs BIGINT[], auth_keys TEXT[])
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  touched INTEGER[];
  stale TEXT;
BEGIN
  touched := ARRAY(SELECT unnest(parts)
                   UNION SELECT part FROM orders WHERE seq = ANY(seqs)
                   UNION SELECT part FROM voids
                         WHERE auth_key = ANY(auth_keys));
  PERFORM 1 FROM leases WHERE part = ANY(touched) ORDER BY part FOR SHARE;
  SELECT string_agg(part::TEXT, ', ' ORDER BY part) INTO stale FROM leases
  WHERE part = ANY(touched)
    AND (owner IS DISTINCT FROM me OR epoch <> coalesce(epochs[part + 1], 0));
  IF stale IS NOT NULL THEN
    RAISE EXCEPTION 'fenced: partitions % are not this front''s (%)', stale, me
      USING ERRCODE = 'ON001';
  END IF;
END $$;
INSERT INTO order_node_meta(k, v) VALUES('run', 0);
)sql";

constexpr const char* ledger_tables = R"sql(
CREATE TABLE authorizations(
  auth_key TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  tx_id TEXT,
  authorized INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  voided INTEGER NOT NULL);
)sql";

// Makes the tables of `key` (journal_schema or ledger_schema) once, or
// checks the version they have; `made` tells which.
bool schema_ready(pg_connection& c, const char* key, int64_t version,
                  const std::string& tables, bool& made, std::string& error) {
  made = false;
  std::vector<pg_statement> s;
  s.push_back({"BEGIN", {}});
  s.push_back({lock, {}});
  s.push_back({meta, {}});
  s.push_back(
    {"SELECT v FROM order_node_meta WHERE k = $1", pg_params{}.text(key)});
  std::vector<pg_rows> out;
  std::string state;
  if (!c.pipeline(s, out, error, state)) {
    c.run("ROLLBACK", state);
    return false;
  }
  auto& found = out.back();
  if (found.rows() == 0) {
    auto sql = tables + "INSERT INTO order_node_meta(k, v) VALUES('" + key
               + "', " + std::to_string(version) + ");COMMIT;";
    if (!c.run(sql.c_str(), error)) {
      c.run("ROLLBACK", state);
      return false;
    }
    made = true;
    return true;
  }
  auto have = found.integer(0, 0);
  c.run("COMMIT", state);
  if (have < 1 || have > version) {
    error = c.where() + ": " + key + " version " + std::to_string(have)
            + ", this order-node reads version 1 to " + std::to_string(version)
            + " (a newer order-node made it: run that one, or another "
              "database)";
    return false;
  }
  return true;
}

} // namespace

bool pg_journal_schema_ready(pg_connection& c, int32_t& partitions,
                             std::string& error) {
  auto tables = std::string{journal_tables}
                + "INSERT INTO leases(part) SELECT generate_series(0, "
                + std::to_string(partitions - 1)
                + ");INSERT INTO order_node_meta(k, v) VALUES('partitions', "
                + std::to_string(partitions) + ");";
  bool made = false;
  if (!schema_ready(c, "journal_schema", pg_journal_schema, tables, made,
                    error))
    return false;
  auto r = c.query("SELECT v FROM order_node_meta WHERE k = 'partitions'", {},
                   error);
  if (!r.ok())
    return false;
  if (r.rows() != 1 || r.integer(0, 0) < 1) {
    error = c.where() + ": order_node_meta has no valid 'partitions'";
    return false;
  }
  partitions = static_cast<int32_t>(r.integer(0, 0));
  return true;
}

bool pg_ledger_schema_ready(pg_connection& c, std::string& error) {
  bool made = false;
  return schema_ready(c, "ledger_schema", pg_ledger_schema, ledger_tables, made,
                      error);
}

} // namespace order_node
