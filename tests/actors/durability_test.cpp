// tests/actors/durability_test.cpp — the desk with a journal (issue #15), in
// virtual time against a real SQLite file, for both engines: an answer waits
// for its decision's commit and fails when the journal cannot commit, and
// an order left unfinished by a crash resumes with the replies it had,
// without asking those services again.
#include <doctest/doctest.h>

#include <caf/send.hpp>
#include <sqlite3.h>

#include "actors/desk/desk_router.hpp"
#include "actors/journal/journal_actor.hpp"
#include "actors/journal/journal_reader.hpp"
#include "actors/journal/ledger_actor.hpp"
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

std::shared_ptr<journal_store> open_journal(const std::string& path,
                                            journal_contents& contents) {
  std::string error;
  std::shared_ptr<journal_store> j
    = journal_store::open(path, journal_sync::off, error);
  REQUIRE_MESSAGE(j != nullptr, error);
  REQUIRE_MESSAGE(j->recover(0, contents, error), error);
  return j;
}

// Stops the journal at the end of a test: its purge timer re-arms itself, and
// the test coordinator's shutdown runs every timer.
struct journal_guard {
  journal_actor j;
  ~journal_guard() { caf::anon_send_exit(j, caf::exit_reason::user_shutdown); }
};

// A pipeline whose desk journals to a new file, for this run's engine.
struct journaled_pipeline {
  temp_dir dir;
  journal_contents contents;
  std::shared_ptr<journal_store> store;
  journal_guard guard;
  pipeline p;

  /// `with_reader`: the desk asks the journal's reader about idempotency
  /// keys, as a node's desk does.
  explicit journaled_pipeline(fixture& f, bool with_reader = false) {
    store = open_journal(path(), contents);
    auto d = engine_desk();
    d.journal = spawn_journal(f.sys, store, 24h, false);
    guard.j = d.journal;
    if (with_reader) {
      std::string error;
      auto reader = journal_reader::open(path(), error);
      REQUIRE_MESSAGE(reader != nullptr, error);
      d.reader = spawn_journal_reader(f.sys, std::move(reader), false);
    }
    p = spawn_pipeline(f.sys, all_yes(), d);
  }

  std::string path() const { return dir.file("j"); }
};

size_t calls_of(const order_result& r, const std::string& service) {
  size_t n = 0;
  for (auto& c : r.calls)
    n += c.service == service;
  return n;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a journaled desk answers once the decision is "
                           "committed") {
  journaled_pipeline jp{*this};
  auto& store = jp.store;
  auto& p = jp.p;
  auto keyed = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  auto plain = submit(p.desk, tutorial_order());
  run_until(151);
  REQUIRE(keyed->has_value());
  REQUIRE(plain->has_value());
  auto& r = ***keyed;
  CHECK(r.status == order_status::confirmed);
  CHECK_FALSE(r.resumed);
  auto l = store->lookup(r.order_id);
  CHECK(l.decided);
  CHECK(l.result.details == r.details);
  CHECK(store->lookup((***plain).order_id).decided);
  // Both orders were recorded, with their acceptance numbers 1 and 2.
  journal_contents again;
  std::string error;
  REQUIRE(store->recover(0, again, error));
  CHECK(again.next_seq == 3);
  CHECK(again.unfinished.empty());
  REQUIRE(again.keyed.size() == 1);
  CHECK(again.keyed[0].result.order_id == r.order_id);
}

TEST_CASE_FIXTURE(fixture, "with the journal's reader a repeated key is "
                           "answered from the journal, and runs again if the "
                           "journal lost it") {
  journaled_pipeline jp{*this, true};
  auto& p = jp.p;
  auto first = submit(p.desk, tutorial_order(order_kind::parallel, "r1"));
  run_until(151);
  REQUIRE(first->has_value());
  auto& r = ***first;
  REQUIRE(r.status == order_status::confirmed);
  auto again = submit(p.desk, tutorial_order(order_kind::parallel, "r1"));
  REQUIRE(again->has_value());
  auto& r2 = ***again;
  CHECK(r2.order_id == r.order_id);
  CHECK(r2.details == r.details);
  CHECK(r2.transaction_id == r.transaction_id);
  CHECK(r2.processing_time_us == r.processing_time_us);
  REQUIRE(r2.calls.size() == r.calls.size());
  for (size_t i = 0; i < r.calls.size(); ++i) {
    CHECK(r2.calls[i].service == r.calls[i].service);
    CHECK(r2.calls[i].ms == r.calls[i].ms);
  }
  auto other = tutorial_order(order_kind::parallel, "r1");
  other.request.quantity = 3;
  auto conflict = submit(p.desk, other);
  REQUIRE(conflict->has_value());
  REQUIRE_FALSE(conflict->value());
  CHECK(conflict->value().error().code()
        == static_cast<uint8_t>(order_errc::key_conflict));
  auto s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 1);
  CHECK(s.deduplicated == 1);
  // The record goes (as a purge would take it): the desk kept no result of
  // its own, so the key runs as a new order, with an id of its own (the
  // journal counted the key's first order).
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(jp.path().c_str(), &db) == SQLITE_OK);
  auto sql = "DELETE FROM orders WHERE order_id = '" + r.order_id + "'";
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto third = submit(p.desk, tutorial_order(order_kind::parallel, "r1"));
  run_until(400);
  REQUIRE(third->has_value());
  CHECK((***third).status == order_status::confirmed);
  CHECK((***third).order_id != r.order_id);
  CHECK((***third).order_id == make_order_id(desk_config{}.seed, "key:r1#2"));
  s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 2);
  CHECK(s.deduplicated == 1);
}

TEST_CASE_FIXTURE(fixture, "clients of a key that arrive while the journal "
                           "is asked about it share one order") {
  journaled_pipeline jp{*this, true};
  auto& p = jp.p;
  // One client sends all four at once: none is answered before the reader
  // is asked about the key.
  std::vector<std::optional<caf::expected<order_result>>> results(2);
  std::vector<std::optional<caf::expected<order_accepted>>> accepts(1);
  std::optional<caf::expected<order_result>> conflict;
  auto other = tutorial_order(order_kind::parallel, "q1");
  other.request.quantity = 3;
  spawn_fn(sys, [&](caf::event_based_actor* self) {
    auto desk = p.desk;
    for (auto& r : results)
      self
        ->request(desk, std::chrono::seconds(3600), submit_atom::value,
                  tutorial_order(order_kind::parallel, "q1"))
        .then([&r](order_result& x) { r = std::move(x); },
              [&r](caf::error& e) { r = std::move(e); });
    self
      ->request(desk, std::chrono::seconds(3600), send_atom::value,
                tutorial_order(order_kind::parallel, "q1"))
      .then([&](order_accepted& x) { accepts[0] = std::move(x); },
            [&](caf::error& e) { accepts[0] = std::move(e); });
    self->request(desk, std::chrono::seconds(3600), submit_atom::value, other)
      .then([&](order_result& x) { conflict = std::move(x); },
            [&](caf::error& e) { conflict = std::move(e); });
  });
  run_until(200);
  REQUIRE(conflict.has_value());
  REQUIRE_FALSE(*conflict);
  CHECK(conflict->error().code()
        == static_cast<uint8_t>(order_errc::key_conflict));
  REQUIRE(results[0].has_value());
  REQUIRE(results[1].has_value());
  REQUIRE(*results[0]);
  REQUIRE(*results[1]);
  CHECK((*results[0])->order_id == (*results[1])->order_id);
  CHECK((*results[0])->status == order_status::confirmed);
  REQUIRE(accepts[0].has_value());
  REQUIRE(*accepts[0]);
  CHECK((*accepts[0])->order_id == (*results[0])->order_id);
  CHECK((*accepts[0])->previously);
  auto s = stats_of(*this, p.desk);
  CHECK(orders_counted(s) == 1);
  CHECK(s.deduplicated == 2);
  // Decided, the key is the journal's: a later client is answered from it.
  auto again = submit(p.desk, tutorial_order(order_kind::parallel, "q1"));
  REQUIRE(again->has_value());
  CHECK((***again).order_id == (*results[0])->order_id);
  CHECK(orders_counted(stats_of(*this, p.desk)) == 1);
}

TEST_CASE_FIXTURE(fixture, "a journal that cannot commit fails the answer") {
  temp_dir dir;
  journal_contents contents;
  auto path = dir.file("j");
  auto store = open_journal(path, contents);
  // Every write fails, as on a disk that refuses them.
  store->refuse_writes();
  auto d = engine_desk();
  d.journal = spawn_journal(sys, store, 24h, false);
  journal_guard guard{d.journal};
  auto p = spawn_pipeline(sys, all_yes(), d);
  auto res = submit(p.desk, tutorial_order());
  run_until(151);
  REQUIRE(res->has_value());
  REQUIRE_FALSE(res->value());
  auto& err = res->value().error();
  CHECK(err.code() == static_cast<uint8_t>(order_errc::journal_failed));
  CHECK(error_text(err).find("readonly database") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "an unfinished order resumes with its journaled "
                           "replies and asks only the others") {
  temp_dir dir;
  auto path = dir.file("j");
  auto seed = all_yes().seed;
  auto id = make_order_id(seed, "key:k1");
  {
    // What a node that crashed mid-order left: the order accepted five
    // seconds ago and fraud's reply (slot 3: Main, Backup, payment, fraud).
    journal_contents first;
    auto store = open_journal(path, first);
    journal_ops ops;
    journal_accepted a;
    a.seq = 1;
    a.order_id = id;
    a.order_key = "key:k1";
    a.idempotency_key = "k1";
    a.request = tutorial_order().request;
    a.accepted_us = journal_now_us() - 5'000'000;
    ops.accepted.push_back(a);
    ops.replies.push_back({1, 3, 1, encode(fraud_reply{12.5, false})});
    store->write(ops);
    std::string error;
    REQUIRE(store->commit(error));
  }
  journal_contents contents;
  auto store = open_journal(path, contents);
  REQUIRE(contents.unfinished.size() == 1);
  auto d = engine_desk();
  d.journal = spawn_journal(sys, store, 24h, false);
  journal_guard guard{d.journal};
  d.run = contents.run;
  d.first_seq = contents.next_seq;
  d.resume = contents.unfinished;
  auto p = spawn_pipeline(sys, all_yes(), d);
  // A client retries with the same key: it waits for the resumed order.
  auto res = submit(p.desk, tutorial_order(order_kind::parallel, "k1"));
  // Without fraud's 150 ms call, the order ends with payment's 120 ms.
  run_until(121);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.order_id == id);
  CHECK(r.status == order_status::confirmed);
  CHECK(r.resumed);
  CHECK(r.processing_time_ms >= 5000);
  CHECK(calls_of(r, "fraud") == 1);
  CHECK(calls_of(r, "payment") == 1);
  CHECK(calls_of(r, "inventory") == 2);
  for (auto& c : r.calls)
    if (c.service == "fraud")
      CHECK(c.detail == "risk 12.50 (from the journal)");
  CHECK(r.risk_score == 12.5);
  CHECK(store->lookup(id).decided);
}

TEST_CASE_FIXTURE(fixture, "send answers once the acceptance is durable; get "
                           "follows the order") {
  journaled_pipeline jp{*this};
  auto& store = jp.store;
  auto& p = jp.p;
  auto sent = ask<order_accepted>(p.desk, send_atom::value,
                                  tutorial_order(order_kind::parallel, "s1"));
  REQUIRE(sent->has_value());
  REQUIRE(sent->value());
  auto id = sent->value()->order_id;
  CHECK_FALSE(sent->value()->previously);
  CHECK(store->lookup(id).found); // accepted means journaled
  auto again = ask<order_accepted>(p.desk, send_atom::value,
                                   tutorial_order(order_kind::parallel, "s1"));
  CHECK(again->value()->order_id == id);
  CHECK(again->value()->previously);
  auto running = ask<journal_lookup>(p.desk, get_atom::value, std::string{id});
  REQUIRE(running->value());
  CHECK(running->value()->found);
  CHECK_FALSE(running->value()->decided);
  run_until(151);
  auto done = ask<journal_lookup>(p.desk, get_atom::value, std::string{id});
  REQUIRE(done->value());
  CHECK(done->value()->decided);
  CHECK(done->value()->result.status == order_status::confirmed);
  // A client of the key gets the same result, from memory.
  auto waited = submit(p.desk, tutorial_order(order_kind::parallel, "s1"));
  REQUIRE(waited->has_value());
  CHECK((***waited).order_id == id);
  auto unknown
    = ask<journal_lookup>(p.desk, get_atom::value, std::string{"ORD_00000000"});
  CHECK_FALSE(unknown->value()->found);
}

TEST_CASE_FIXTURE(fixture, "attach answers when the decision is committed, "
                           "not before") {
  journaled_pipeline jp{*this};
  auto& p = jp.p;
  auto sent = ask<order_accepted>(p.desk, send_atom::value,
                                  tutorial_order(order_kind::sequential, "a1"));
  REQUIRE(sent->value());
  auto id = sent->value()->order_id;
  auto attached = ask<journal_lookup>(p.desk, attach_atom::value, id);
  auto second = ask<journal_lookup>(p.desk, attach_atom::value, id);
  run_until(449);
  CHECK_FALSE(attached->has_value()); // the sequential order takes 450 ms
  run_until(452);
  REQUIRE(attached->has_value());
  REQUIRE(attached->value());
  CHECK(attached->value()->decided);
  CHECK(attached->value()->result.order_id == id);
  CHECK(jp.store->lookup(id).decided); // committed before the answer
  REQUIRE(second->has_value());
  CHECK(second->value()->decided);
  // Once decided, or unknown: at once.
  auto later = ask<journal_lookup>(p.desk, attach_atom::value, id);
  REQUIRE(later->has_value());
  CHECK(later->value()->decided);
  auto unknown = ask<journal_lookup>(p.desk, attach_atom::value,
                                     std::string{"ORD_00000000"});
  REQUIRE(unknown->has_value());
  CHECK_FALSE(unknown->value()->found);
}

TEST_CASE_FIXTURE(fixture, "without a journal send answers at once and get "
                           "says it needs one") {
  auto p = spawn_pipeline(sys, all_yes(), engine_desk());
  auto sent = ask<order_accepted>(p.desk, send_atom::value, tutorial_order());
  REQUIRE(sent->has_value());
  CHECK(sent->value());
  auto got = ask<journal_lookup>(p.desk, get_atom::value,
                                 std::string{sent->value()->order_id});
  REQUIRE(got->has_value());
  REQUIRE_FALSE(got->value());
  CHECK(is_error(got->value().error(), order_errc::no_journal));
  CHECK(error_text(got->value().error())
        == "looking an order up needs the journal, and this node runs with "
           "--journal=off");
  run_until(200);
}

namespace {

// A gateway that authorizes everything at once as tx_feedbeef and refuses
// the first `refuse` voids it gets (a gateway that is down), then
// acknowledges them; `voids` lists the keys of every void it got.
struct stub_gateway {
  int refuse = 0;
  std::vector<std::string> voids;

  payment_actor spawn(caf::actor_system& sys) {
    return spawn_fn(
      sys, [this](payment_actor::pointer) -> payment_actor::behavior_type {
        return {
          [](authorize_atom, const payment_request&) {
            return payment_reply{true, "tx_feedbeef"};
          },
          [](authorize_atom, const payment_batch& b) {
            return always_authorized(b);
          },
          [this](void_atom, const void_request& req) -> caf::result<bool> {
            voids.push_back(req.auth_key);
            if (refuse-- > 0)
              return make_error(order_errc::transient, "gateway down");
            return true;
          },
        };
      });
  }
};

// Services where every order fails after its payment is authorized (no
// stock), with `gateway` as the payment service.
pipeline failing_after_payment(fixture& f, stub_gateway& gateway,
                               const desk_config& d) {
  auto svc = all_yes();
  for (auto& w : svc.warehouses)
    w.available_rate = 0;
  pipeline p;
  p.services = spawn_services(f.sys, svc);
  p.services.payments[0].handle = gateway.spawn(f.sys);
  p.directory = f.sys.spawn(directory, p.services);
  p.desk = spawn_desk(f.sys, p.directory, d);
  return p;
}

// What a restart on `path` finds (the journal must be closed).
journal_contents reopen(const std::string& path) {
  journal_contents c;
  auto store = open_journal(path, c);
  return c;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a failed order's void is journaled, sent after "
                           "the decision's commit, and retried until "
                           "acknowledged") {
  temp_dir dir;
  auto path = dir.file("j");
  stub_gateway gateway;
  gateway.refuse = 2;
  std::string auth_key;
  {
    journal_contents contents;
    auto store = open_journal(path, contents);
    auto d = engine_desk();
    d.order.auth_scope = 0xabc;
    d.journal = spawn_journal(sys, store, 24h, false);
    journal_guard guard{d.journal};
    auto p = failing_after_payment(*this, gateway, d);
    auto res = submit(p.desk, tutorial_order(order_kind::parallel, "v1"));
    run_until(151); // decided with fraud's reply, at 150 ms
    REQUIRE(res->has_value());
    auto& r = ***res;
    CHECK(r.status == order_status::failed);
    CHECK(r.voided);
    auth_key = authorization_key(0xabc, r.order_id);
    CHECK(auth_key == "0000000000000abc/" + r.order_id);
    // Sent once the decision was committed, refused twice, then
    // acknowledged: 100 ms, then 200 ms of backoff.
    REQUIRE(gateway.voids.size() == 1);
    CHECK(gateway.voids[0] == auth_key);
    run_until(249);
    CHECK(gateway.voids.size() == 1);
    run_until(252);
    CHECK(gateway.voids.size() == 2);
    run_until(452);
    CHECK(gateway.voids.size() == 3);
    run_until(2000);
    CHECK(gateway.voids.size() == 3);
    stop_pipeline(p);
    caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
    sched.run(); // closes the journal
  }
  // The acknowledgement is journaled: nothing is owed after a restart.
  CHECK(reopen(path).voids.empty());
}

TEST_CASE_FIXTURE(fixture, "a void owed at a crash is sent at the next start "
                           "until acknowledged") {
  temp_dir dir;
  auto path = dir.file("j");
  {
    stub_gateway down;
    down.refuse = 1000; // never acknowledges: the node dies owing it
    journal_contents contents;
    auto store = open_journal(path, contents);
    auto d = engine_desk();
    d.journal = spawn_journal(sys, store, 24h, false);
    journal_guard guard{d.journal};
    auto p = failing_after_payment(*this, down, d);
    submit(p.desk, tutorial_order(order_kind::parallel, "v2"));
    run_until(500);
    CHECK(down.voids.size() >= 2);
    stop_pipeline(p);
    caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
    sched.run(); // closes the journal
  }
  auto owed = reopen(path).voids;
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].tx_id == "tx_feedbeef");
  {
    stub_gateway up;
    journal_contents contents;
    auto store = open_journal(path, contents);
    auto d = engine_desk();
    d.journal = spawn_journal(sys, store, 24h, false);
    journal_guard guard{d.journal};
    d.voids = contents.voids;
    auto p = failing_after_payment(*this, up, d);
    run_until(1000);
    REQUIRE(up.voids.size() == 1); // sent without any new order
    CHECK(up.voids[0] == owed[0].auth_key);
    stop_pipeline(p);
    caf::anon_send_exit(d.journal, caf::exit_reason::user_shutdown);
    sched.run(); // closes the journal
  }
  CHECK(reopen(path).voids.empty());
}

namespace {

// One integer from an SQLite file (the ledger, read while it is open).
int64_t query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t out = -1;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr)
          == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK
      && sqlite3_step(s) == SQLITE_ROW)
    out = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

std::shared_ptr<ledger_store> open_ledger(const std::string& path) {
  std::string error;
  std::shared_ptr<ledger_store> l
    = ledger_store::open(path, journal_sync::off, error);
  REQUIRE_MESSAGE(l != nullptr, error);
  return l;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a resumed order's payment is answered from the "
                           "gateway's ledger: authorized once") {
  temp_dir dir;
  auto path = dir.file("j");
  auto ledger_path = dir.file("l");
  auto engine = engine_desk().engine;
  auto start = [&](journal_contents& contents, pipeline& p, journal_actor& j,
                   ledger_actor& l) {
    auto store = open_journal(path, contents);
    desk_config d;
    d.engine = engine;
    d.journal = j = spawn_journal(sys, store, 24h, false);
    d.run = contents.run;
    d.first_seq = contents.next_seq;
    d.order.auth_scope = contents.uid;
    d.resume = contents.unfinished;
    l = spawn_ledger(sys, open_ledger(ledger_path), false);
    p = spawn_pipeline(sys, all_yes(), d, l);
  };
  auto crash = [&](pipeline& p, journal_actor& j, ledger_actor& l) {
    stop_pipeline(p);
    caf::anon_send_exit(j, caf::exit_reason::kill);
    caf::anon_send_exit(l, caf::exit_reason::kill);
    sched.run();
  };
  std::string key;
  {
    journal_contents c;
    pipeline p;
    journal_actor j;
    ledger_actor l;
    start(c, p, j, l);
    submit(p.desk, tutorial_order(order_kind::parallel, "pay1"));
    // The ledger has the authorization at once; its answer is due at
    // 120 ms: the node dies in between (after the warehouses' 80 ms).
    run_until(90);
    CHECK(query_int(ledger_path, "SELECT requests FROM authorizations") == 1);
    crash(p, j, l);
  }
  journal_contents c;
  pipeline p;
  journal_actor j;
  ledger_actor l;
  start(c, p, j, l);
  REQUIRE(c.unfinished.size() == 1);
  CHECK(c.unfinished[0].replies.size() == 2); // the warehouses, at 80 ms
  key = authorization_key(c.uid, c.unfinished[0].accepted.order_id);
  auto res = submit(p.desk, tutorial_order(order_kind::parallel, "pay1"));
  run_until(1000);
  REQUIRE(res->has_value());
  auto& r = ***res;
  CHECK(r.resumed);
  CHECK(r.status == order_status::confirmed);
  auto where = " FROM authorizations WHERE auth_key = '" + key + "'";
  CHECK(query_int(ledger_path, "SELECT requests" + where) == 2);
  CHECK(query_int(ledger_path, "SELECT count(*) FROM authorizations") == 1);
  CHECK(
    query_int(ledger_path, "SELECT tx_id = '" + r.transaction_id + "'" + where)
    == 1);
  crash(p, j, l);
}
