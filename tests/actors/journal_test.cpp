// tests/actors/journal_test.cpp — the journal's file (actors/journal/
// journal_store.hpp) against real SQLite files in a temporary directory:
// what is written comes back in recovery, decisions drop their replies,
// retention purges, and bad files are refused with their reason.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "actors/journal/journal_store.hpp"
#include "journal_samples.hpp"
#include "messages/journal_codec.hpp"
#include "temp_dir.hpp"

using namespace order_node;
using order_node::testing::accepted;
using order_node::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<journal_store> open_ok(const std::string& path) {
  std::string error;
  auto j = journal_store::open(path, journal_sync::normal, error);
  REQUIRE_MESSAGE(j != nullptr, error);
  return j;
}

journal_contents recover_ok(journal_store& j, int64_t cutoff = 0) {
  journal_contents c;
  std::string error;
  REQUIRE_MESSAGE(j.recover(cutoff, c, error), error);
  return c;
}

std::string open_error(const std::string& path) {
  std::string error;
  auto j = journal_store::open(path, journal_sync::normal, error);
  CHECK(j == nullptr);
  return error;
}

} // namespace

TEST_CASE("journal: what is committed comes back in recovery") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  {
    auto j = open_ok(path);
    auto c = recover_ok(*j);
    CHECK(c.run == 1);
    CHECK(c.next_seq == 1);
    CHECK(c.unfinished.empty());
    journal_ops ops;
    ops.accepted = {accepted(1), accepted(2, "k-2"), accepted(3, "k-3")};
    ops.replies.push_back({1, 3, 1, encode(fraud_reply{12.5, false})});
    ops.replies.push_back({2, 0, 2, encode(inventory_reply{true, "Main", 2})});
    j->write(ops);
    journal_ops later;
    order_result r;
    r.order_id = "ORD_2";
    r.status = order_status::failed;
    r.details = "High fraud risk: 80.0";
    r.calls.push_back({"fraud", "fraud", 1, 150, call_end::answered, "x"});
    later.decided.push_back({2, 5'000'000, r});
    later.voids.push_back({"auth:ORD_2", 2, "tx_00000001"});
    j->write(later);
    std::string error;
    REQUIRE_MESSAGE(j->commit(error), error);
  }
  auto j = open_ok(path);
  auto c = recover_ok(*j);
  CHECK(c.run == 2);
  CHECK(c.next_seq == 4);
  REQUIRE(c.unfinished.size() == 2); // 1 and 3; 2 is decided
  auto& o = c.unfinished[0];
  CHECK(o.accepted.order_id == "ORD_1");
  CHECK(o.accepted.request.destination == "Berlin");
  CHECK(o.accepted.request.amount == 99.5);
  CHECK(o.accepted.accepted_us == 1'000'000);
  CHECK(o.resumes == 0);
  REQUIRE(o.replies.size() == 1);
  CHECK(o.replies[0].slot == 3);
  fraud_reply f;
  REQUIRE(decode(o.replies[0].reply, f));
  CHECK(f.risk_score == 12.5);
  CHECK(c.unfinished[1].accepted.idempotency_key == "k-3");
  REQUIRE(c.keyed.size() == 1);
  CHECK(c.keyed[0].accepted.idempotency_key == "k-2");
  CHECK(c.keyed[0].decided_us == 5'000'000);
  CHECK(c.keyed[0].result.status == order_status::failed);
  CHECK(c.keyed[0].result.details == "High fraud risk: 80.0");
  REQUIRE(c.voids.size() == 1);
  CHECK(c.voids[0].tx_id == "tx_00000001");
  // The decision dropped order 2's replies; the lookup sees both states.
  auto l1 = j->lookup("ORD_1");
  CHECK(l1.found);
  CHECK_FALSE(l1.decided);
  auto l2 = j->lookup("ORD_2");
  CHECK(l2.decided);
  CHECK(l2.result.details == "High fraud risk: 80.0");
  CHECK_FALSE(j->lookup("ORD_9").found);
  // A second recovery counts the resume and the next run.
  j.reset();
  j = open_ok(path);
  auto c3 = recover_ok(*j);
  CHECK(c3.run == 3);
  CHECK(c3.unfinished[0].resumes == 1);
}

TEST_CASE("journal: retention drops old decisions, and an acknowledged void") {
  temp_dir dir;
  auto j = open_ok(dir.file("j"));
  recover_ok(*j);
  journal_ops ops;
  ops.accepted = {accepted(1, "old"), accepted(2, "new")};
  order_result r;
  r.status = order_status::confirmed;
  ops.decided = {{1, 10, r}, {2, 1000, r}};
  ops.voids = {{"auth:1", 1, "tx_1"}};
  j->write(ops);
  journal_ops ack;
  ack.voids_acknowledged = {"auth:1"};
  j->write(ack);
  std::string error;
  REQUIRE(j->commit(error));
  // Recovery leaves out keys past retention; purge deletes them.
  auto c = recover_ok(*j, 500);
  REQUIRE(c.keyed.size() == 1);
  CHECK(c.keyed[0].accepted.idempotency_key == "new");
  CHECK(c.voids.empty());
  CHECK(j->purge(500) == 1);
  CHECK_FALSE(j->lookup("ORD_1").found);
  CHECK(j->lookup("ORD_2").found);
}

TEST_CASE("journal: a failed statement fails the commit") {
  temp_dir dir;
  auto j = open_ok(dir.file("j"));
  recover_ok(*j);
  journal_ops ops;
  ops.accepted = {accepted(1), accepted(1)}; // the same seq twice
  j->write(ops);
  std::string error;
  CHECK_FALSE(j->commit(error));
  CHECK(error.find("write failed") != std::string::npos);
  CHECK_FALSE(j->lookup("ORD_1").found); // rolled back
}

TEST_CASE("journal: bad files are refused, naming the file and the problem") {
  temp_dir dir;
  SUBCASE("a directory that does not exist") {
    auto e = open_error(dir.file("no/such/dir/j"));
    CHECK(e.find("no/such/dir/j: cannot open it") != std::string::npos);
  }
  SUBCASE("a text file") {
    auto path = dir.file("notes.txt");
    std::ofstream{path} << "these are notes, not a journal\n"
                        << std::string(4096, 'x');
    auto e = open_error(path);
    CHECK(e.find("notes.txt: not an order-node journal") != std::string::npos);
  }
  SUBCASE("another program's SQLite database") {
    auto path = dir.file("other.db");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto e = open_error(path);
    CHECK(e.find("another program") != std::string::npos);
  }
  SUBCASE("a journal another order-node holds") {
    auto path = dir.file("held.journal");
    auto first = open_ok(path);
    auto e = open_error(path);
    CHECK_MESSAGE(e.find("held.journal: in use by another process")
                    != std::string::npos,
                  e);
  }
  SUBCASE("a truncated journal") {
    auto path = dir.file("cut.journal");
    {
      auto j = open_ok(path);
      recover_ok(*j);
      journal_ops ops;
      for (uint64_t i = 1; i <= 3000; ++i)
        ops.accepted.push_back(accepted(i));
      j->write(ops);
      std::string error;
      REQUIRE(j->commit(error));
    } // closing checkpoints the WAL into the file
    REQUIRE_FALSE(fs::exists(path + "-wal"));
    fs::resize_file(path, fs::file_size(path) / 2);
    auto e = open_error(path);
    CHECK_MESSAGE(e.find("cut.journal: corrupt") != std::string::npos, e);
  }
  SUBCASE("a record that does not decode") {
    auto path = dir.file("bad.journal");
    {
      auto j = open_ok(path);
      recover_ok(*j);
      journal_ops ops;
      ops.accepted = {accepted(1)};
      j->write(ops);
      std::string error;
      REQUIRE(j->commit(error));
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_exec(db, "UPDATE orders SET request = x'0102'", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
    auto j = open_ok(path);
    journal_contents c;
    std::string error;
    CHECK_FALSE(j->recover(0, c, error));
    CHECK(error.find("bad.journal: corrupt record (order ORD_1: request)")
          != std::string::npos);
  }
}
