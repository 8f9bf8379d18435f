// tests/actors/journal_edges_test.cpp — docs/durability.md's invariants at
// their edges (issue #25), in virtual time against real SQLite files, for
// both engines: a journal that fails an acceptance or a decision (the store's
// fail_next() seam, as a full disk would), a key used again after its
// retention, a resumed order whose services are not reachable yet, and the
// numbering of remote clients' order keys.
#include <doctest/doctest.h>

#include <caf/send.hpp>
#include <sqlite3.h>

#include "actors/desk/client_keys.hpp"
#include "actors/desk/desk_router.hpp"
#include "actors/journal/journal_actor.hpp"
#include "actors/journal/journal_reader.hpp"
#include "actors/rules/outcome.hpp"
#include "actors/services/directory.hpp"
#include "actors/services/services.hpp"
#include "fixture.hpp"
#include "messages/journal_codec.hpp"
#include "temp_dir.hpp"

using namespace order_node;
using namespace order_node::testing;
using namespace std::chrono_literals;

namespace {

// A payment gateway that authorizes everything at once and remembers the
// authorization key of every call it got.
struct recording_gateway {
  std::vector<std::string> auth_keys;

  payment_actor spawn(caf::actor_system& sys) {
    return spawn_fn(
      sys, [this](payment_actor::pointer) -> payment_actor::behavior_type {
        return {
          [this](authorize_atom, const payment_request& req) {
            auth_keys.push_back(req.auth_key);
            return payment_reply{true, "tx_feedbeef"};
          },
          [this](authorize_atom, const payment_batch& b) {
            for (auto& c : b.calls)
              auth_keys.push_back(c.auth_key);
            return always_authorized(b);
          },
          [](void_atom, const void_request&) { return true; },
        };
      });
  }
};

// A desk on a new journal, with its reader (as a node's desk), the
// tutorial's services that say yes, and `gateway` as the payment service.
struct edge_pipeline {
  temp_dir dir;
  journal_contents contents;
  std::shared_ptr<journal_store> store;
  journal_actor journal;
  pipeline p;

  edge_pipeline(fixture& f, recording_gateway& gateway,
                caf::timespan window = 24h) {
    std::string error;
    store = journal_store::open(path(), journal_sync::off, error);
    REQUIRE_MESSAGE(store != nullptr, error);
    REQUIRE_MESSAGE(store->recover(0, contents, error), error);
    auto d = engine_desk();
    d.dedup_window = window;
    d.journal = journal = spawn_journal(f.sys, store, 24h, false);
    auto reader = journal_reader::open(path(), error);
    REQUIRE_MESSAGE(reader != nullptr, error);
    d.reader = spawn_journal_reader(f.sys, std::move(reader), false);
    p.services = spawn_services(f.sys, all_yes());
    p.services.payments[0].handle = gateway.spawn(f.sys);
    p.directory = f.sys.spawn(directory, p.services);
    p.desk = spawn_desk(f.sys, p.directory, d);
  }

  ~edge_pipeline() {
    caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  }

  std::string path() const { return dir.file("j"); }

  // One integer from the journal (read by another connection).
  int64_t count(const std::string& where) const {
    sqlite3* db = nullptr;
    int64_t out = -1;
    REQUIRE(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
            == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    auto sql = "SELECT count(*) FROM orders WHERE " + where;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW)
      out = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }
};

// What a node killed mid-order left at `path`: `a`, accepted and not
// decided; then the journal reopened as a restart does (`contents`: what
// it recovered).
std::shared_ptr<journal_store> left_unfinished(const std::string& path,
                                               const journal_accepted& a,
                                               journal_contents& contents) {
  std::string error;
  {
    journal_contents first;
    auto store = journal_store::open(path, journal_sync::off, error);
    REQUIRE(store->recover(0, first, error));
    journal_ops ops;
    ops.accepted.push_back(a);
    store->write(ops);
    REQUIRE(store->commit(error));
  }
  std::shared_ptr<journal_store> store
    = journal_store::open(path, journal_sync::off, error);
  REQUIRE_MESSAGE(store->recover(0, contents, error), error);
  REQUIRE(contents.unfinished.size() == 1);
  return store;
}

// The seed of a desk_config's order ids (the services' seed is another).
const uint64_t desk_seed = desk_config{}.seed;

bool failed_with(const std::optional<caf::expected<order_result>>& x,
                 order_errc code) {
  return x.has_value() && !*x
         && x->error().code() == static_cast<uint8_t>(code);
}

} // namespace

TEST_CASE_FIXTURE(fixture, "an order whose acceptance the journal fails is "
                           "not charged, its client gets an error, and its "
                           "key runs again") {
  recording_gateway gateway;
  edge_pipeline ep{*this, gateway};
  ep.store->fail_next(journal_record::accepted);
  auto first = submit(ep.p.desk, tutorial_order(order_kind::parallel, "f1"));
  run_until(200);
  REQUIRE(first->has_value());
  CHECK_MESSAGE(failed_with(*first, order_errc::journal_failed),
                "a 200 would say the journal holds the order");
  if (!first->value())
    CHECK(error_text(first->value().error()).find("nothing was charged")
          != std::string::npos);
  CHECK_MESSAGE(gateway.auth_keys.empty(),
                "the payment call waits for the acceptance's commit");
  CHECK(ep.count("1") == 0);
  auto again = submit(ep.p.desk, tutorial_order(order_kind::parallel, "f1"));
  run_until(400);
  REQUIRE(again->has_value());
  REQUIRE(again->value());
  CHECK((***again).status == order_status::confirmed);
  CHECK((***again).order_id == make_order_id(desk_seed, "key:f1"));
  CHECK(gateway.auth_keys.size() == 1);
  CHECK(ep.count("idempotency_key = 'f1' AND decided_us IS NOT NULL") == 1);
  CHECK(ep.count("1") == 1);
}

TEST_CASE_FIXTURE(fixture, "a decision the journal fails is written again, "
                           "and a client of its key gets that order, not a "
                           "second one") {
  recording_gateway gateway;
  edge_pipeline ep{*this, gateway};
  ep.store->fail_next(journal_record::decided);
  auto first = submit(ep.p.desk, tutorial_order(order_kind::parallel, "d1"));
  run_until(151);
  REQUIRE(first->has_value());
  CHECK(failed_with(*first, order_errc::journal_failed));
  // Retried at once: it waits for the decision's next write (100 ms on).
  auto again = submit(ep.p.desk, tutorial_order(order_kind::parallel, "d1"));
  run_until(200);
  CHECK_FALSE(again->has_value());
  run_until(400);
  REQUIRE(again->has_value());
  REQUIRE(again->value());
  auto& r = ***again;
  CHECK(r.status == order_status::confirmed);
  CHECK(r.order_id == make_order_id(desk_seed, "key:d1"));
  CHECK_MESSAGE(gateway.auth_keys.size() == 1, "one order, charged once");
  CHECK(orders_counted(stats_of(*this, ep.p.desk)) == 1);
  CHECK(ep.count("order_id = '" + r.order_id + "'") == 1);
  CHECK(ep.count("order_id = '" + r.order_id + "' AND decided_us IS NOT NULL")
        == 1);
  // And a later client is answered from the journal.
  auto third = submit(ep.p.desk, tutorial_order(order_kind::parallel, "d1"));
  run_until(500);
  REQUIRE(third->has_value());
  CHECK((***third).order_id == r.order_id);
  CHECK(orders_counted(stats_of(*this, ep.p.desk)) == 1);
}

TEST_CASE_FIXTURE(fixture, "a key used again after its retention is a new "
                           "order with an id and an authorization of its "
                           "own") {
  recording_gateway gateway;
  // A retention of zero: every decided order is past it at once.
  edge_pipeline ep{*this, gateway, caf::timespan{0}};
  auto first = submit(ep.p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(200);
  auto second = submit(ep.p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(400);
  auto third = submit(ep.p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(600);
  REQUIRE(first->has_value());
  REQUIRE(second->has_value());
  REQUIRE(third->has_value());
  auto seed = desk_seed;
  CHECK((***first).order_id == make_order_id(seed, "key:k1"));
  CHECK((***second).order_id == make_order_id(seed, "key:k1#2"));
  CHECK((***third).order_id == make_order_id(seed, "key:k1#3"));
  CHECK((***second).order_id != (***first).order_id);
  REQUIRE(gateway.auth_keys.size() == 3);
  CHECK(gateway.auth_keys[0] != gateway.auth_keys[1]);
  CHECK(gateway.auth_keys[1] != gateway.auth_keys[2]);
  CHECK(ep.count("idempotency_key = 'k1'") == 3);
  // The journal counts the key's orders even once they are purged.
  CHECK(ep.store->purge(journal_now_us() + 1) == 3);
  auto fourth = submit(ep.p.desk, tutorial_order(order_kind::parallel, "k1"));
  run_until(800);
  REQUIRE(fourth->has_value());
  CHECK((***fourth).order_id == make_order_id(seed, "key:k1#4"));
}

TEST_CASE_FIXTURE(fixture, "a resumed order waits for its services to be "
                           "reachable rather than failing for want of them") {
  temp_dir dir;
  auto path = dir.file("j");
  auto seed = all_yes().seed;
  auto id = make_order_id(seed, "key:w1");
  // A front killed mid-order: the order, accepted a second ago.
  journal_accepted a;
  a.seq = 1;
  a.order_id = id;
  a.order_key = "key:w1";
  a.idempotency_key = "w1";
  a.request = tutorial_order().request;
  a.accepted_us = journal_now_us() - 1'000'000;
  journal_contents contents;
  auto store = left_unfinished(path, a, contents);
  auto d = engine_desk();
  d.journal = spawn_journal(sys, store, 24h, false);
  d.run = contents.run;
  d.first_seq = contents.next_seq;
  d.resume = contents.unfinished;
  // A front's directory before its services nodes are connected: routes,
  // but none to any instance.
  auto services = spawn_services(sys, all_yes());
  auto dir_actor = sys.spawn(directory, service_routes{});
  auto desk = spawn_desk(sys, dir_actor, d);
  auto res = submit(desk, tutorial_order(order_kind::parallel, "w1"));
  run_until(300);
  CHECK_MESSAGE(!res->has_value(), "no services yet: the order waits");
  // The services node connects: the order runs, to its fresh deadline.
  caf::anon_send(dir_actor, routes_atom::value,
                 std::make_shared<const service_routes>(services));
  run_until(600);
  REQUIRE(res->has_value());
  REQUIRE(res->value());
  auto& r = ***res;
  CHECK(r.order_id == id);
  CHECK(r.status == order_status::confirmed);
  CHECK(r.resumed);
  caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(fixture, "a resumed order whose services never come fails "
                           "at its fresh deadline") {
  temp_dir dir;
  auto path = dir.file("j");
  journal_accepted a;
  a.seq = 1;
  a.order_id = "ORD_00000001";
  a.order_key = "line:1";
  a.request = tutorial_order().request;
  a.accepted_us = journal_now_us();
  journal_contents contents;
  auto store = left_unfinished(path, a, contents);
  auto d = engine_desk();
  d.journal = spawn_journal(sys, store, 24h, false);
  d.resume = contents.unfinished;
  auto dir_actor = sys.spawn(directory, service_routes{});
  auto desk = spawn_desk(sys, dir_actor, d);
  run_until(999);
  CHECK(store->lookup("ORD_00000001").found);
  CHECK_FALSE(store->lookup("ORD_00000001").decided);
  run_until(1100);
  auto l = store->lookup("ORD_00000001");
  CHECK(l.decided);
  CHECK(l.result.status != order_status::confirmed);
  caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
}

TEST_CASE("the order keys of remote clients carry their client's number") {
  auto here = caf::make_node_id(1, std::string(40, 'a'));
  auto alice = caf::make_node_id(2, std::string(40, 'b'));
  auto bob = caf::make_node_id(3, std::string(40, 'c'));
  REQUIRE(here);
  REQUIRE(alice);
  REQUIRE(bob);
  client_keys keys;
  std::string a1 = "line:1";
  std::string b1 = "line:1";
  std::string a2 = "line:2";
  std::string local = "line:1";
  std::string none;
  keys.scope(*here, *alice, a1);
  keys.scope(*here, *bob, b1);
  keys.scope(*here, *alice, a2);
  keys.scope(*here, *here, local);
  keys.scope(*here, caf::node_id{}, none);
  CHECK(a1 == "c1:line:1");
  CHECK(b1 == "c2:line:1");
  CHECK(a2 == "c1:line:2");
  CHECK_MESSAGE(local == "line:1", "a node's own script keeps its keys");
  CHECK(none.empty());
}

TEST_CASE_FIXTURE(fixture, "a node's shards number acceptances in the order "
                           "they come: newest first is in time order") {
  temp_dir dir;
  auto path = dir.file("j");
  journal_contents contents;
  std::string error;
  std::shared_ptr<journal_store> store
    = journal_store::open(path, journal_sync::off, error);
  REQUIRE(store->recover(0, contents, error));
  auto d = engine_desk();
  d.shards = 2;
  d.journal = spawn_journal(sys, store, 24h, false);
  auto p = spawn_pipeline(sys, all_yes(), d);
  // Three keys on one shard, then an order for the other one.
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 3; ++i) {
    auto k = "s" + std::to_string(i);
    if (std::hash<std::string>{}(k) % 2 == 0)
      keys.push_back(k);
  }
  std::vector<std::shared_ptr<std::optional<caf::expected<order_result>>>> rs;
  for (auto& k : keys)
    rs.push_back(submit(p.desk, tutorial_order(order_kind::parallel, k)));
  rs.push_back(submit(p.desk, tutorial_order()));
  run_until(200);
  for (auto& r : rs) {
    REQUIRE(r->has_value());
    REQUIRE(r->value());
    auto l = store->lookup((***r).order_id);
    REQUIRE(l.found);
  }
  caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
  run_until(300);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT order_id FROM orders ORDER BY seq", -1,
                             &s, nullptr)
          == SQLITE_OK);
  std::vector<std::string> by_seq;
  while (sqlite3_step(s) == SQLITE_ROW)
    by_seq.emplace_back(
      reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  std::vector<std::string> sent;
  for (auto& r : rs)
    sent.push_back((***r).order_id);
  CHECK(by_seq == sent);
}
