// tests/actors/pg_store_test.cpp — the journal, its reader and the payment
// ledger on PostgreSQL (actors/journal/pg_*.hpp, issue #28) against a
// server of the test's own (tests/e2e/postgres.hpp): what is committed
// comes back in recovery, a newer schema is refused, the fence refuses a
// write with a stale epoch, two fronts claiming at once split the
// partitions, a front's name is one process's, and two ledgers share their
// keys. Skips, with a message, where PostgreSQL 15 is not installed.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "actors/journal/journal_reader.hpp"
#include "actors/journal/ledger_store.hpp"
#include "actors/journal/pg_conn.hpp"
#include "actors/journal/pg_journal.hpp"
#include "actors/journal/pg_leases.hpp"
#include "journal_samples.hpp"
#include "messages/journal_codec.hpp"
#include "messages/partition.hpp"
#include "postgres.hpp"

using namespace order_node;
using order_node::testing::accepted;
using order_node::testing::test_postgres;

namespace {

// One server for the whole file: each case uses a database of its own.
test_postgres& server() {
  static test_postgres pg;
  return pg;
}

bool skip() {
  if (!order_node::testing::postgres_installed()) {
    MESSAGE("skipped: PostgreSQL 15 is not installed "
            "(bash .ci/install-deps --test installs it)");
    return true;
  }
  REQUIRE_MESSAGE(server().ready(), server().why());
  return false;
}

// A fresh database `name` on the server; its URI.
std::string database(const std::string& name) {
  std::string error;
  auto admin = pg_connection::open(server().uri(), "test", error);
  REQUIRE_MESSAGE(admin, error);
  admin->run(("DROP DATABASE IF EXISTS " + name).c_str(), error);
  REQUIRE_MESSAGE(admin->run(("CREATE DATABASE " + name).c_str(), error),
                  error);
  auto uri = server().uri();
  return uri.replace(uri.find("///postgres"), 11, "///" + name);
}

// The first column of the first row of `sql` as an integer.
int64_t scalar(const std::string& uri, const std::string& sql) {
  std::string error;
  auto c = pg_connection::open(uri, "test", error);
  REQUIRE_MESSAGE(c, error);
  auto r = c->query(sql.c_str(), {}, error);
  REQUIRE_MESSAGE(r.ok(), error);
  REQUIRE(r.rows() == 1);
  return r.integer(0, 0);
}

std::unique_ptr<pg_journal> open_front(const std::string& uri,
                                       const std::string& front,
                                       int32_t partitions = 8) {
  store_options o;
  o.front = front;
  o.partitions = partitions;
  std::string error;
  auto j = pg_journal::open(uri, o, error);
  REQUIRE_MESSAGE(j, error);
  return j;
}

journal_contents recover_ok(journal_store& j) {
  journal_contents c;
  std::string error;
  REQUIRE_MESSAGE(j.recover(0, c, error), error);
  return c;
}

// An order accepted by run `run`'s front, with its own numbering.
journal_accepted order_of(const journal_contents& c, uint64_t n,
                          std::string key = {}) {
  auto a = accepted(n, std::move(key));
  a.seq = c.next_seq + n;
  return a;
}

// Waits (at most 5 s) until no session holds front `name`'s lock: a closed
// connection's backend lets go of it a moment later.
void wait_name_free(const std::string& uri, const std::string& name) {
  for (int i = 0; i < 250; ++i) {
    if (scalar(uri, "SELECT count(*) FROM pg_locks WHERE locktype = "
                    "'advisory' AND classid = 1330794054 AND objid::bigint = "
                    "(hashtext('"
                      + name + "')::bigint & 4294967295)")
        == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("front " << name << "'s lock is still held after 5 s");
}

bool commit(journal_store& j, const journal_ops& ops, std::string& error,
            std::vector<uint64_t>& unrecorded) {
  j.write(ops);
  return j.commit(error, unrecorded);
}

} // namespace

TEST_CASE("pg journal: what is committed comes back in recovery, on any "
          "front") {
  if (skip())
    return;
  auto uri = database("roundtrip");
  journal_contents first;
  uint64_t seq2 = 0;
  {
    auto j = open_front(uri, "a:1");
    first = recover_ok(*j);
    CHECK(first.run == 1);
    CHECK(first.uid != 0);
    CHECK(j->owned()->owned().size() == 8);
    journal_ops ops;
    ops.accepted = {order_of(first, 1), order_of(first, 2, "k-2"),
                    order_of(first, 3, "k-3")};
    seq2 = ops.accepted[1].seq;
    ops.replies.push_back(
      {ops.accepted[0].seq, 3, 1, encode(fraud_reply{12.5, false})});
    ops.replies.push_back(
      {seq2, 0, 2, encode(inventory_reply{true, "Main", 2})});
    order_result r;
    r.order_id = "ORD_2";
    r.status = order_status::failed;
    r.details = "High fraud risk: 80.0";
    ops.decided.push_back({seq2, 5'000'000, r});
    ops.voids.push_back({"auth:ORD_2", seq2, "tx_00000001"});
    std::string error;
    std::vector<uint64_t> unrecorded;
    REQUIRE_MESSAGE(commit(*j, ops, error, unrecorded), error);
    CHECK(unrecorded.empty());
    CHECK(scalar(uri, "SELECT count(*) FROM replies") == 1);
    auto found = j->lookup("ORD_2");
    CHECK(found.found);
    CHECK(found.decided);
    CHECK(found.result.details == "High fraud risk: 80.0");
    CHECK_FALSE(j->lookup("ORD_9").found);
  }
  // Another front after the first is gone: its partitions, its orders.
  wait_name_free(uri, "a:1");
  auto j = open_front(uri, "b:2");
  auto c = recover_ok(*j);
  CHECK(c.run == 2);
  CHECK(c.uid == first.uid);
  CHECK(c.next_seq == (uint64_t{2} << 32) + 1);
  CHECK(j->owned()->owned().size() == 8);
  REQUIRE(c.unfinished.size() == 2);
  CHECK(c.unfinished[0].accepted.order_id == "ORD_1");
  CHECK(c.unfinished[0].accepted.request.destination == "Berlin");
  REQUIRE(c.unfinished[0].replies.size() == 1);
  CHECK(c.unfinished[0].replies[0].slot == 3);
  CHECK(c.unfinished[1].accepted.idempotency_key == "k-3");
  REQUIRE(c.voids.size() == 1);
  CHECK(c.voids[0].auth_key == "auth:ORD_2");
  CHECK(scalar(uri, "SELECT count(*) FROM orders WHERE resumes = 1") == 2);
  // The reader sees the cluster's orders and keys.
  std::string error;
  auto reader = journal_reader::open(uri, error);
  REQUIRE_MESSAGE(reader, error);
  CHECK(reader->verify(error));
  auto page = reader->list(order_query{});
  CHECK(page.orders.size() == 3);
  CHECK(reader->list(order_query{"running", "", 50, 0}).orders.size() == 2);
  CHECK(reader->history("ORD_2").voids.size() == 1);
  journaled_order keyed;
  REQUIRE_MESSAGE(
    reader->keyed(key_query{order_kind::parallel, "k-2", 0}, keyed, error),
    error);
  CHECK(keyed.accepted.seq == seq2);
  CHECK(keyed.key_uses == 1);
  CHECK(keyed.result.details == "High fraud risk: 80.0");
}

TEST_CASE("pg journal: a decision of an order it does not hold is "
          "unrecorded") {
  if (skip())
    return;
  auto uri = database("unrecorded");
  auto j = open_front(uri, "a:1");
  auto c = recover_ok(*j);
  journal_ops ops;
  ops.decided.push_back({c.next_seq + 7, 1, order_result{}});
  std::string error;
  std::vector<uint64_t> unrecorded;
  REQUIRE_MESSAGE(commit(*j, ops, error, unrecorded), error);
  CHECK(unrecorded == std::vector<uint64_t>{c.next_seq + 7});
}

TEST_CASE("pg journal: a database a newer order-node made is refused with "
          "a sentence") {
  if (skip())
    return;
  auto uri = database("newer");
  open_front(uri, "a:1");
  std::string error;
  auto c = pg_connection::open(uri, "test", error);
  REQUIRE(c->run("UPDATE order_node_meta SET v = 99 WHERE k = "
                 "'journal_schema'",
                 error));
  store_options o;
  CHECK(pg_journal::open(uri, o, error) == nullptr);
  CHECK(error.find("journal_schema version 99, this order-node reads version "
                   "1 to 1")
        != std::string::npos);
  CHECK(error.rfind("journal postgresql://", 0) == 0);
}

TEST_CASE("pg journal: the fence refuses a write with a stale epoch") {
  if (skip())
    return;
  auto uri = database("fence");
  auto j = open_front(uri, "a:1", 4);
  auto c = recover_ok(*j);
  // Two orders in two partitions.
  journal_accepted mine;
  journal_accepted taken;
  int32_t taken_part = -1;
  for (uint64_t n = 1; taken_part < 0 || mine.seq == 0; ++n) {
    auto a = order_of(c, n);
    auto part = partition_of(a.order_id, 4);
    if (taken_part < 0) {
      taken = a;
      taken_part = part;
    } else if (part != taken_part) {
      mine = a;
    }
  }
  std::string error;
  std::vector<uint64_t> unrecorded;
  journal_ops first;
  first.accepted = {taken, mine};
  REQUIRE_MESSAGE(commit(*j, first, error, unrecorded), error);
  // Another front takes one partition: its epoch moves on.
  auto admin = pg_connection::open(uri, "test", error);
  REQUIRE(admin->run(("UPDATE leases SET owner = 'b:2', epoch = epoch + 1 "
                      "WHERE part = "
                      + std::to_string(taken_part))
                       .c_str(),
                     error));
  journal_ops late;
  late.decided.push_back({taken.seq, 2, order_result{}});
  late.decided.push_back({mine.seq, 2, order_result{}});
  CHECK_FALSE(commit(*j, late, error, unrecorded));
  CHECK(error.find("fenced") != std::string::npos);
  CHECK(j->take_lost() == std::vector<int32_t>{taken_part});
  CHECK(j->owned()->epoch(taken_part) == 0);
  CHECK(scalar(uri, "SELECT count(*) FROM orders WHERE decided_us IS NOT "
                    "NULL")
        == 0);
  // The partition it still owns takes writes; the lost one is refused here,
  // without asking the database.
  journal_ops still;
  still.decided.push_back({mine.seq, 3, order_result{}});
  REQUIRE_MESSAGE(commit(*j, still, error, unrecorded), error);
  CHECK(unrecorded.empty());
  journal_ops foreign;
  foreign.accepted = {taken};
  foreign.accepted[0].seq += 100;
  CHECK_FALSE(commit(*j, foreign, error, unrecorded));
  CHECK(error.find("fenced: partitions " + std::to_string(taken_part)
                   + " are not this front's (a:1)")
        != std::string::npos);
}

TEST_CASE("pg journal: two fronts claiming at once split the partitions, "
          "each taken once") {
  if (skip())
    return;
  auto uri = database("race");
  { // Made, then every lease left to a front that died.
    auto j = open_front(uri, "dead:0", 64);
  }
  wait_name_free(uri, "dead:0");
  std::string error;
  auto admin = pg_connection::open(uri, "test", error);
  REQUIRE(admin->run("UPDATE leases SET owner = 'dead:0', epoch = 5, "
                     "expires = now() - interval '1 second'",
                     error));
  auto a = open_front(uri, "a:1");
  auto b = open_front(uri, "b:2");
  std::thread ta{[&] { recover_ok(*a); }};
  std::thread tb{[&] { recover_ok(*b); }};
  ta.join();
  tb.join();
  auto oa = a->owned()->owned();
  auto ob = b->owned()->owned();
  std::set<int32_t> all{oa.begin(), oa.end()};
  for (auto p : ob)
    CHECK_MESSAGE(all.insert(p).second, "partition " << p << " taken twice");
  CHECK(all.size() == 64);
  CHECK(scalar(uri, "SELECT count(*) FROM leases WHERE epoch <> 6") == 0);
  CHECK(scalar(uri, "SELECT count(*) FROM leases WHERE owner NOT IN "
                    "('a:1', 'b:2')")
        == 0);
}

TEST_CASE("pg journal: a front's name is one process's at a time") {
  if (skip())
    return;
  auto uri = database("names");
  auto a = open_front(uri, "a:1");
  recover_ok(*a);
  auto again = open_front(uri, "a:1");
  journal_contents c;
  std::string error;
  CHECK_FALSE(again->recover(0, c, error));
  CHECK(error.find("front 'a:1' is running already") != std::string::npos);
  a.reset(); // its session ends, and the name with it, soon after
  bool taken = false;
  for (int i = 0; i < 100 && !taken; ++i) {
    taken = again->recover(0, c, error);
    if (!taken)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK_MESSAGE(taken, error);
  CHECK(again->owned()->owned().size() == 8);
}

TEST_CASE("pg ledger: two gateways share their keys") {
  if (skip())
    return;
  auto uri = database("ledger");
  std::string error;
  auto a = ledger_store::open(uri, journal_sync::full, error);
  REQUIRE_MESSAGE(a, error);
  auto b = ledger_store::open(uri, journal_sync::full, error);
  REQUIRE_MESSAGE(b, error);
  payment_reply out;
  REQUIRE(
    a->authorize("auth:1", "ORD_1", payment_reply{true, "tx_1"}, out, error));
  REQUIRE_MESSAGE(a->commit(error), error);
  CHECK(out.transaction_id == "tx_1");
  REQUIRE(
    b->authorize("auth:1", "ORD_1", payment_reply{true, "tx_2"}, out, error));
  REQUIRE_MESSAGE(b->commit(error), error);
  CHECK(out.transaction_id == "tx_1");
  bool known = false;
  REQUIRE(b->void_key("auth:1", known, error));
  CHECK(known);
  REQUIRE(b->void_key("auth:9", known, error));
  CHECK_FALSE(known);
  REQUIRE_MESSAGE(b->commit(error), error);
  CHECK(scalar(uri, "SELECT requests FROM authorizations WHERE auth_key = "
                    "'auth:1'")
        == 2);
  CHECK(scalar(uri, "SELECT voided FROM authorizations") == 1);
}

TEST_CASE("pg leases: a front whose process is gone loses its partitions at "
          "the next round of another; a frozen one when its lease expires") {
  if (skip())
    return;
  auto uri = database("leases");
  auto a = open_front(uri, "a:1");
  recover_ok(*a);
  auto b = open_front(uri, "b:2");
  recover_ok(*b);
  CHECK(b->owned()->owned().empty());
  lease_round r;
  std::string error;
  REQUIRE_MESSAGE(a->keeper()->round(r, error), error);
  CHECK(r.lost.empty());
  CHECK(r.gained.empty());
  CHECK(r.fronts.size() == 2);
  CHECK(std::count(r.owners.begin(), r.owners.end(), "a:1") == 8);
  REQUIRE_MESSAGE(b->keeper()->round(r, error), error);
  CHECK(r.gained.empty()); // a is alive and renews: nothing is free
  // Frozen: a's leases run out while its session lives.
  auto admin = pg_connection::open(uri, "test", error);
  REQUIRE(
    admin->run("UPDATE leases SET expires = now() - interval '1 ms'", error));
  REQUIRE_MESSAGE(b->keeper()->round(r, error), error);
  CHECK(r.gained.size() == 4); // its share of two live fronts
  REQUIRE_MESSAGE(a->keeper()->round(r, error), error);
  CHECK(r.lost.size() == 4); // taken while it slept
  CHECK(a->owned()->owned().size() == 4);
  // Gone: a's sessions end; b takes the rest without waiting for a lease.
  a.reset();
  wait_name_free(uri, "a:1");
  REQUIRE_MESSAGE(b->keeper()->round(r, error), error);
  CHECK(r.gained.size() == 4);
  CHECK(b->owned()->owned().size() == 8);
  CHECK(r.fronts.size() == 1);
  // What it took, it reads as a start would.
  journal_contents c;
  REQUIRE_MESSAGE(b->keeper()->read(r.gained, 0, c, error), error);
  CHECK(c.unfinished.empty());
}
