// tests/actors/ledger_test.cpp — the payment gateway's ledger (actors/journal/
// ledger_store.hpp) against real SQLite files: a key keeps its first answer
// and counts its requests, a void marks a known key and acknowledges an
// unknown one, other programs can read it while it is open, and files that
// are not ledgers are refused with their reason.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include "actors/journal/journal_store.hpp"
#include "actors/journal/ledger_store.hpp"
#include "temp_dir.hpp"

using namespace order_node;
using order_node::testing::temp_dir;

namespace {

std::unique_ptr<ledger_store> open_ok(const std::string& path) {
  std::string error;
  auto l = ledger_store::open(path, journal_sync::normal, error);
  REQUIRE_MESSAGE(l != nullptr, error);
  return l;
}

payment_reply authorize(ledger_store& l, const std::string& key,
                        payment_reply fresh) {
  payment_reply out;
  std::string error;
  REQUIRE_MESSAGE(l.authorize(key, "ORD_" + key, fresh, out, error), error);
  return out;
}

// One row of the table, as another program reads it (a connection of its
// own, while the ledger is open).
std::string row(const std::string& path, const std::string& key) {
  sqlite3* db = nullptr;
  std::string out = "none";
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
          == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT order_id, coalesce(tx_id, '-'), "
                             "authorized, requests, voided FROM "
                             "authorizations WHERE auth_key = ?",
                             -1, &s, nullptr)
          == SQLITE_OK);
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) == SQLITE_ROW) {
    out.clear();
    for (int i = 0; i < 5; ++i)
      out += std::string{i > 0 ? " " : ""}
             + reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

} // namespace

TEST_CASE("ledger: a key keeps its first answer and counts its requests") {
  temp_dir dir;
  auto path = dir.file("payment.ledger");
  {
    auto l = open_ok(path);
    auto first = authorize(*l, "k1", {true, "tx_first"});
    CHECK(first.transaction_id == "tx_first");
    // A second request with another fresh answer (another attempt) gets
    // the first one.
    auto again = authorize(*l, "k1", {true, "tx_second"});
    CHECK(again.authorized);
    CHECK(again.transaction_id == "tx_first");
    auto declined = authorize(*l, "k2", {false, ""});
    CHECK_FALSE(declined.authorized);
    CHECK(declined.transaction_id.empty());
    std::string error;
    REQUIRE_MESSAGE(l->commit(error), error);
    // Readable by others while open.
    CHECK(row(path, "k1") == "ORD_k1 tx_first 1 2 0");
    CHECK(row(path, "k2") == "ORD_k2 - 0 1 0");
  }
  // And after a restart.
  auto l = open_ok(path);
  CHECK(authorize(*l, "k1", {true, "tx_third"}).transaction_id == "tx_first");
  std::string error;
  REQUIRE(l->commit(error));
  CHECK(row(path, "k1") == "ORD_k1 tx_first 1 3 0");
}

TEST_CASE("ledger: a void marks a known key once and acknowledges an "
          "unknown one") {
  temp_dir dir;
  auto path = dir.file("payment.ledger");
  auto l = open_ok(path);
  authorize(*l, "k1", {true, "tx_1"});
  std::string error;
  bool known = false;
  REQUIRE(l->void_key("k1", known, error));
  CHECK(known);
  REQUIRE(l->void_key("k1", known, error)); // again: still voided, once
  CHECK(known);
  REQUIRE(l->void_key("never-authorized", known, error));
  CHECK_FALSE(known);
  REQUIRE(l->commit(error));
  CHECK(row(path, "k1") == "ORD_k1 tx_1 1 1 1");
  CHECK(row(path, "never-authorized") == "none");
}

TEST_CASE("ledger: files that are not ledgers are refused, naming them") {
  temp_dir dir;
  std::string error;
  {
    journal_contents c;
    auto j
      = journal_store::open(dir.file("a.journal"), journal_sync::off, error);
    REQUIRE(j != nullptr);
  }
  CHECK(ledger_store::open(dir.file("a.journal"), journal_sync::off, error)
        == nullptr);
  CHECK(error.find("ledger " + dir.file("a.journal")
                   + ": not an order-node ledger (an SQLite database of "
                     "another program")
        == 0);
  CHECK(ledger_store::open(dir.file("no/such/dir/x.ledger"), journal_sync::off,
                           error)
        == nullptr);
  CHECK(error.find("cannot open it") != std::string::npos);
  // And a ledger is not a journal.
  open_ok(dir.file("b.ledger"));
  CHECK(journal_store::open(dir.file("b.ledger"), journal_sync::off, error)
        == nullptr);
  CHECK(error.find("not an order-node journal") != std::string::npos);
}
