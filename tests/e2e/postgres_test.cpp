// tests/e2e/postgres_test.cpp — the tests' own PostgreSQL (postgres.hpp):
// it starts without root and without a TCP port, answers over its socket,
// two run side by side, and stopping it leaves no process behind.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <csignal>

#include <libpq-fe.h>

#include "postgres.hpp"

using namespace order_node::testing;

namespace {

// The first column of the first row of `sql`, or the error.
std::string query(const std::string& uri, const std::string& sql) {
  auto conn = PQconnectdb(uri.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string{"connect: "} + PQerrorMessage(conn);
  } else {
    auto res = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(res);
    if (status == PGRES_TUPLES_OK && PQntuples(res) > 0)
      out = PQgetvalue(res, 0, 0);
    else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      out = std::string{"error: "} + PQresultErrorMessage(res);
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

} // namespace

TEST_CASE("a test's own PostgreSQL answers over its socket, two side by "
          "side, and stops without leaving a process") {
  if (!postgres_installed()) {
    MESSAGE("skipped: PostgreSQL 15 is not installed "
            "(bash .ci/install-deps --test installs it)");
    return;
  }
  test_postgres a;
  test_postgres b;
  REQUIRE_MESSAGE(a.ready(), a.why());
  REQUIRE_MESSAGE(b.ready(), b.why());
  CHECK(query(a.uri(), "CREATE TABLE t (x int)") == "");
  CHECK(query(a.uri(), "INSERT INTO t VALUES (42)") == "");
  CHECK(query(a.uri(), "SELECT x FROM t") == "42");
  CHECK_MESSAGE(query(b.uri(), "SELECT count(*) FROM pg_tables WHERE "
                               "tablename = 't'")
                  == "0",
                "the second server is another database");
  CHECK(query(a.uri(), "SHOW listen_addresses") == "");
  auto pid = a.pid();
  CHECK_MESSAGE(a.stop(), "a fast shutdown ends it within 10 s");
  CHECK(::kill(pid, 0) != 0);
  CHECK(query(a.uri(), "SELECT 1").rfind("connect: ", 0) == 0);
}
