// tests/actors/journal_reader_test.cpp — the journal read back for the
// console (actors/journal/journal_reader.hpp): filters, search by order id
// and idempotency key, pages newest first, one order's record with its
// voids; and the upgrade of a format 1 journal (results without start_ms).
#include <doctest/doctest.h>

#include <caf/binary_serializer.hpp>

#include <sqlite3.h>

#include "actors/journal/journal_reader.hpp"
#include "actors/journal/journal_store.hpp"
#include "journal_samples.hpp"
#include "messages/journal_codec.hpp"
#include "temp_dir.hpp"

using namespace order_node;
using order_node::testing::accepted;
using order_node::testing::temp_dir;

namespace {

journal_decided decided(uint64_t seq, order_status status, bool voided) {
  order_result r;
  r.order_id = "ORD_" + std::to_string(seq);
  r.status = status;
  r.voided = voided;
  r.details = "details of " + r.order_id;
  r.processing_time_ms = 150;
  r.calls.push_back(
    {"fraud", "fraud", 1, 150.25, call_end::answered, "risk 1.00", 0.5});
  return {seq, 1'000'000 * static_cast<int64_t>(seq) + 150'000, r};
}

std::unique_ptr<journal_store> open_store(const std::string& path) {
  std::string error;
  auto j = journal_store::open(path, journal_sync::off, error);
  REQUIRE_MESSAGE(j != nullptr, error);
  return j;
}

std::unique_ptr<journal_reader> open_reader(const std::string& path) {
  std::string error;
  auto r = journal_reader::open(path, error);
  REQUIRE_MESSAGE(r != nullptr, error);
  return r;
}

void commit(journal_store& j, const journal_ops& ops) {
  j.write(ops);
  std::string error;
  REQUIRE_MESSAGE(j.commit(error), error);
}

std::vector<std::string> ids(const order_page& p) {
  std::vector<std::string> out;
  for (auto& e : p.orders)
    out.push_back(e.order_id);
  return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("journal reader: the decided order of an idempotency key") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  auto j = open_store(path);
  // k-1: decided twice on the parallel route (2 is newer) and once on the
  // sequential one (3); k-2: running (4).
  journal_ops ops;
  auto seq_route = accepted(3, "k-1");
  seq_route.kind = order_kind::sequential;
  ops.accepted
    = {accepted(1, "k-1"), accepted(2, "k-1"), seq_route, accepted(4, "k-2")};
  ops.decided = {decided(1, order_status::failed, false),
                 decided(2, order_status::confirmed, false),
                 decided(3, order_status::timeout, false)};
  commit(*j, ops);
  auto r = open_reader(path);
  auto keyed = [&](order_kind kind, std::string key, int64_t since) {
    journaled_order out;
    std::string error;
    REQUIRE_MESSAGE(r->keyed({kind, std::move(key), since}, out, error), error);
    return out;
  };
  auto parallel = keyed(order_kind::parallel, "k-1", 0);
  CHECK(parallel.accepted.seq == 2);
  CHECK(parallel.accepted.order_id == "ORD_2");
  CHECK(parallel.accepted.request == accepted(2).request);
  CHECK(parallel.decided_us == 2'150'000);
  CHECK(parallel.result.status == order_status::confirmed);
  CHECK(parallel.result.details == "details of ORD_2");
  auto sequential = keyed(order_kind::sequential, "k-1", 0);
  CHECK(sequential.accepted.seq == 3);
  CHECK(sequential.result.status == order_status::timeout);
  CHECK_MESSAGE(keyed(order_kind::parallel, "k-1", 2'150'001).accepted.seq == 0,
                "decided before the window: unknown");
  CHECK_MESSAGE(keyed(order_kind::parallel, "k-2", 0).accepted.seq == 0,
                "running: not decided");
  CHECK(keyed(order_kind::parallel, "k-3", 0).accepted.seq == 0);
  // Asked again after a new commit: the kept statement sees it.
  journal_ops more;
  more.decided = {decided(4, order_status::confirmed, false)};
  commit(*j, more);
  CHECK(keyed(order_kind::parallel, "k-2", 0).accepted.seq == 4);
  // A record that does not decode is an error, not "unknown": the key must
  // not run a second order.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "UPDATE orders SET request = x'00' WHERE seq = 4",
                     nullptr, nullptr, nullptr)
        == SQLITE_OK);
  sqlite3_close(db);
  journaled_order out;
  std::string error;
  CHECK_FALSE(r->keyed({order_kind::parallel, "k-2", 0}, out, error));
  CHECK(error == "journal " + path + ": corrupt record (order ORD_4)");
}

TEST_CASE("journal reader: filters, search and pages, newest first") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  auto j = open_store(path);
  // 1 confirmed, 2 failed and voided, 3 timeout, 4 confirmed with a key,
  // 5 running, 6 failed without a void.
  journal_ops ops;
  ops.accepted = {accepted(1),        accepted(2), accepted(3),
                  accepted(4, "k-4"), accepted(5), accepted(6)};
  ops.decided = {decided(1, order_status::confirmed, false),
                 decided(2, order_status::failed, true),
                 decided(3, order_status::timeout, false),
                 decided(4, order_status::confirmed, false),
                 decided(6, order_status::failed, false)};
  ops.voids.push_back({"uid/ORD_2", 2, "tx_2"});
  commit(*j, ops);
  auto r = open_reader(path);
  auto list = [&](std::string status, std::string search = {},
                  int32_t limit = 50, uint64_t before = 0) {
    return r->list(
      order_query{std::move(status), std::move(search), limit, before});
  };
  CHECK(ids(list(""))
        == strings{"ORD_6", "ORD_5", "ORD_4", "ORD_3", "ORD_2", "ORD_1"});
  CHECK(ids(list("confirmed")) == strings{"ORD_4", "ORD_1"});
  CHECK(ids(list("failed")) == strings{"ORD_6", "ORD_2"});
  CHECK(ids(list("timeout")) == strings{"ORD_3"});
  CHECK(ids(list("voided")) == strings{"ORD_2"});
  CHECK(ids(list("running")) == strings{"ORD_5"});
  CHECK(ids(list("resumed")).empty());
  CHECK(ids(list("no-such-status")).empty());
  SUBCASE("search by order id or idempotency key") {
    CHECK(ids(list("", "ORD_3")) == strings{"ORD_3"});
    CHECK(ids(list("", "k-4")) == strings{"ORD_4"});
    CHECK(ids(list("failed", "k-4")).empty());
    CHECK(ids(list("", "nothing")).empty());
  }
  SUBCASE("pages: next is the last seq shown, 0 after the last page") {
    auto p1 = list("", "", 4);
    CHECK(ids(p1) == strings{"ORD_6", "ORD_5", "ORD_4", "ORD_3"});
    CHECK(p1.next == 3);
    auto p2 = list("", "", 4, p1.next);
    CHECK(ids(p2) == strings{"ORD_2", "ORD_1"});
    CHECK(p2.next == 0);
    auto exact = list("", "", 6);
    CHECK(exact.orders.size() == 6);
    CHECK(exact.next == 0);
  }
  SUBCASE("an entry holds the record and the decoded result") {
    auto p = list("", "ORD_4");
    REQUIRE(p.orders.size() == 1);
    auto& e = p.orders[0];
    CHECK(e.seq == 4);
    CHECK(e.kind == order_kind::parallel);
    CHECK(e.idempotency_key == "k-4");
    CHECK(e.accepted_us == 4'000'000);
    CHECK(e.decided_us == 4'150'000);
    CHECK(e.result.details == "details of ORD_4");
    REQUIRE(e.result.calls.size() == 1);
    CHECK(e.result.calls[0].start_ms == 0.5);
    auto running = list("running");
    REQUIRE(running.orders.size() == 1);
    CHECK(running.orders[0].decided_us == 0);
  }
  SUBCASE("the reader sees committed records only") {
    journal_ops more;
    more.accepted = {accepted(7)};
    j->write(more); // not committed
    CHECK(ids(list("running")) == strings{"ORD_5"});
    std::string error;
    REQUIRE(j->commit(error));
    CHECK(ids(list("running")) == strings{"ORD_7", "ORD_5"});
  }
}

TEST_CASE("journal reader: one order's record, its voids and resumes") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  {
    auto j = open_store(path);
    journal_ops ops;
    ops.accepted = {accepted(1), accepted(2)};
    ops.decided = {decided(1, order_status::failed, true)};
    ops.voids.push_back({"uid/ORD_1", 1, "tx_1"});
    ops.replies.push_back({2, 3, 1, encode(fraud_reply{12.5, false})});
    commit(*j, ops);
    journal_ops ack;
    ack.voids_acknowledged = {"uid/ORD_1"};
    commit(*j, ack);
  }
  // A restart resumes ORD_2.
  auto j = open_store(path);
  journal_contents c;
  std::string error;
  REQUIRE(j->recover(0, c, error));
  auto r = open_reader(path);
  auto h1 = r->history("ORD_1");
  REQUIRE(h1.found);
  CHECK(h1.entry.result.status == order_status::failed);
  REQUIRE(h1.voids.size() == 1);
  CHECK(h1.voids[0].tx_id == "tx_1");
  CHECK(h1.voids[0].acked);
  CHECK(h1.voids[0].acked_us > 0);
  auto h2 = r->history("ORD_2");
  REQUIRE(h2.found);
  CHECK(h2.entry.decided_us == 0);
  CHECK(h2.entry.resumes == 1);
  CHECK(h2.entry.resumed_us > 0);
  CHECK(h2.replies == 1);
  CHECK(h2.voids.empty());
  CHECK_FALSE(r->history("ORD_9").found);
  CHECK(ids(r->list({"resumed", "", 50, 0})) == strings{"ORD_2"});
}

namespace {

// A result as format 1 wrote it: the calls without start_ms.
std::vector<char> format1_result(const order_result& x) {
  std::vector<char> out;
  caf::binary_serializer sink{nullptr, out};
  auto r = x;
  auto err
    = sink(r.order_id, r.status, r.processing_time_ms, r.details, r.warehouse,
           r.carrier, r.shipping_cost, r.shipping_days, r.transaction_id,
           r.risk_score, r.voided, r.processing_time_us);
  REQUIRE(!err);
  auto n = r.calls.size();
  REQUIRE(!sink.begin_sequence(n));
  for (auto& c : r.calls)
    REQUIRE(!sink(c.service, c.instance, c.attempt, c.ms, c.outcome, c.detail));
  REQUIRE(!sink.end_sequence());
  REQUIRE(!sink(r.resumed));
  return out;
}

void exec(sqlite3* db, const std::string& sql) {
  char* msg = nullptr;
  auto rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  auto text = std::string{msg != nullptr ? msg : ""};
  sqlite3_free(msg);
  REQUIRE_MESSAGE(rc == SQLITE_OK, text);
}

} // namespace

TEST_CASE("journal: a format 1 journal is upgraded at open") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  auto d = decided(1, order_status::failed, true);
  d.result.calls.push_back(
    {"payment", "payment", 2, 20.0, call_end::error, "gateway timeout", 9.0});
  {
    auto j = open_store(path);
    journal_ops ops;
    ops.accepted = {accepted(1, "k-1"), accepted(2)};
    ops.decided = {d};
    commit(*j, ops);
  }
  // Make it format 1 again, as an older order-node left it: no new
  // columns or index, results without start_ms.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "DROP INDEX orders_by_key;"
             "ALTER TABLE orders DROP COLUMN voided;"
             "ALTER TABLE orders DROP COLUMN resumed_us;"
             "ALTER TABLE voids DROP COLUMN acked_us;"
             "DROP TABLE key_uses;"
             "PRAGMA user_version=1;");
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "UPDATE orders SET result = ? WHERE seq = 1",
                               -1, &s, nullptr)
            == SQLITE_OK);
    auto blob = format1_result(d.result);
    sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()),
                      SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(s) == SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
    order_result x;
    CHECK_FALSE(decode(blob, x)); // format 2 cannot read it as such
    REQUIRE(decode_format1(blob, x));
    CHECK(x.calls.size() == 2);
  }
  auto j = open_store(path);
  journal_contents c;
  std::string error;
  REQUIRE_MESSAGE(j->recover(0, c, error), error);
  REQUIRE(c.keyed.size() == 1);
  auto& r = c.keyed[0].result;
  CHECK(r.details == d.result.details);
  REQUIRE(r.calls.size() == 2);
  CHECK(r.calls[1].detail == "gateway timeout");
  CHECK(r.calls[1].attempt == 2);
  CHECK(r.calls[1].ms == 20.0);
  CHECK(r.calls[1].start_ms == 0); // not known before format 2
  CHECK(c.unfinished.size() == 1);
  auto reader = open_reader(path);
  CHECK(ids(reader->list({"voided", "", 50, 0})) == strings{"ORD_1"});
  CHECK(ids(reader->list({"", "k-1", 50, 0})) == strings{"ORD_1"});
}

TEST_CASE("journal: a format newer than this order-node's is refused") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  open_store(path);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "PRAGMA user_version=4;");
    sqlite3_close(db);
  }
  std::string error;
  CHECK(journal_store::open(path, journal_sync::off, error) == nullptr);
  CHECK(error.find("format version 4, this order-node reads version 1 to 3")
        != std::string::npos);
}

TEST_CASE("journal: a format 2 journal is upgraded at open, its keys' uses "
          "counted from its orders") {
  temp_dir dir;
  auto path = dir.file("orders.journal");
  {
    auto j = open_store(path);
    journal_ops ops;
    ops.accepted = {accepted(1, "k-1"), accepted(2, "k-1"), accepted(3)};
    commit(*j, ops);
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec(db, "DROP TABLE key_uses; PRAGMA user_version=2;");
    sqlite3_close(db);
  }
  auto j = open_store(path);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "SELECT uses FROM key_uses WHERE "
                             "idempotency_key = 'k-1'",
                             -1, &s, nullptr)
          == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(s, 0) == 2);
  sqlite3_finalize(s);
  sqlite3_close(db);
}
