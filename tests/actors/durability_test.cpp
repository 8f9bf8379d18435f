// tests/actors/durability_test.cpp — the desk with a journal (issue #15), in
// virtual time against a real SQLite file, for both engines: an answer waits
// for its decision's commit and fails when the journal cannot commit, and
// an order left unfinished by a crash resumes with the replies it had,
// without asking those services again.
#include <doctest/doctest.h>

#include <caf/send.hpp>

#include "actors/journal/journal_actor.hpp"
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

  explicit journaled_pipeline(fixture& f) {
    store = open_journal(dir.file("j"), contents);
    auto d = engine_desk();
    d.journal = spawn_journal(f.sys, store, 24h, false);
    guard.j = d.journal;
    p = spawn_pipeline(f.sys, all_yes(), d);
  }
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
