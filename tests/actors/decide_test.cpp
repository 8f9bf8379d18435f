// tests/actors/decide_test.cpp — decide() and worth_retry(), without actors:
// one rule per case.
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "actors/rules/decide.hpp"

using namespace order_node;

namespace {

template <class Reply>
check_slot<Reply> answered(std::string instance, Reply reply) {
  check_slot<Reply> s;
  s.instance = std::move(instance);
  s.state = call_state::answered;
  s.reply = std::move(reply);
  s.attempts = 1;
  return s;
}

template <class Reply>
check_slot<Reply> failed(std::string instance, std::string error) {
  check_slot<Reply> s;
  s.instance = std::move(instance);
  s.state = call_state::failed;
  s.error = std::move(error);
  s.attempts = 1;
  return s;
}

template <class Reply>
check_slot<Reply> timed_out(std::string instance) {
  check_slot<Reply> s;
  s.instance = std::move(instance);
  s.state = call_state::timed_out;
  s.attempts = 1;
  return s;
}

// Every check passes: Main has stock, payment authorized, risk 20, quotes
// from Standard (13.75) and Economy (9.63).
order_replies all_good() {
  order_replies r;
  r.warehouses = {answered("Main", inventory_reply{true, "Main", 2}),
                  answered("Backup", inventory_reply{true, "Backup", 2})};
  r.payment = answered("payment", payment_reply{true, "tx_00000001"});
  r.fraud = answered("fraud", fraud_reply{20.0, false});
  r.quotes = {answered("Standard", shipping_quote{"Standard", 13.75, 3}),
              answered("Economy", shipping_quote{"Economy", 9.63, 7})};
  return r;
}

} // namespace

TEST_CASE("an order whose checks all pass is confirmed with the cheapest "
          "quote") {
  auto d = decide(all_good());
  CHECK(d.result.status == order_status::confirmed);
  CHECK(d.result.details == "Shipping: $9.63 via Economy (7 days)");
  CHECK(d.result.carrier == "Economy");
  CHECK(d.result.warehouse == "Main");
  CHECK(d.result.transaction_id == "tx_00000001");
  CHECK(d.result.risk_score == 20.0);
  CHECK_FALSE(d.result.voided);
}

TEST_CASE("Backup is the fallback when Main has no stock") {
  auto r = all_good();
  r.warehouses[0].reply.available = false;
  auto d = decide(r);
  CHECK(d.result.status == order_status::confirmed);
  CHECK(d.result.warehouse == "Backup");
}

TEST_CASE("Backup is the fallback when Main errors") {
  auto r = all_good();
  r.warehouses[0]
    = failed<inventory_reply>("Main", "warehouse Main temporarily unavailable");
  CHECK(decide(r).result.warehouse == "Backup");
}

TEST_CASE("Main is preferred when both warehouses have stock") {
  CHECK(decide(all_good()).result.warehouse == "Main");
}

TEST_CASE("no stock anywhere fails the order with the tutorial's text") {
  auto r = all_good();
  r.warehouses[0].reply.available = false;
  r.warehouses[1].reply.available = false;
  auto d = decide(r);
  CHECK(d.result.status == order_status::failed);
  CHECK(d.result.details.rfind("Product not available in any warehouse", 0)
        == 0);
}

TEST_CASE("warehouse errors are named in the inventory failure") {
  auto r = all_good();
  r.warehouses[0]
    = failed<inventory_reply>("Main", "warehouse Main temporarily unavailable");
  r.warehouses[1].reply.available = false;
  r.payment.reply.authorized = false;
  auto d = decide(r);
  CHECK(d.result.details
        == "Product not available in any warehouse (Main: warehouse Main "
           "temporarily unavailable; Backup: not available)");
}

TEST_CASE("a declined payment fails the order") {
  auto r = all_good();
  r.payment.reply = payment_reply{false, ""};
  auto d = decide(r);
  CHECK(d.result.status == order_status::failed);
  CHECK(d.result.details == "Payment authorization failed");
  CHECK_FALSE(d.result.voided);
}

TEST_CASE("a missing payment answer fails the order as a timeout") {
  auto r = all_good();
  r.payment = timed_out<payment_reply>("payment");
  auto d = decide(r);
  CHECK(d.result.status == order_status::timeout);
  CHECK(d.result.details
        == "Payment authorization failed: no answer within the deadline");
}

TEST_CASE("an order whose fraud check errors fails safe") {
  auto r = all_good();
  r.fraud = failed<fraud_reply>("fraud", "fraud model unavailable");
  auto d = decide(r);
  CHECK(d.result.status == order_status::failed);
  CHECK(d.result.details
        == "Fraud check failed: fraud model unavailable; payment "
           "authorization tx_00000001 voided");
}

TEST_CASE("an order whose fraud check never answers fails as a timeout") {
  auto r = all_good();
  r.fraud = timed_out<fraud_reply>("fraud");
  auto d = decide(r);
  CHECK(d.result.status == order_status::timeout);
  CHECK(d.result.details.rfind(
          "Fraud check failed: no answer within the deadline", 0)
        == 0);
}

TEST_CASE("a risk above 70 fails the order; exactly 70 passes") {
  auto r = all_good();
  r.fraud.reply = fraud_reply{70.0, false};
  CHECK(decide(r).result.status == order_status::confirmed);
  r.fraud.reply = fraud_reply{85.25, true};
  auto d = decide(r);
  CHECK(d.result.status == order_status::failed);
  CHECK(d.result.details.rfind("High fraud risk: 85.2", 0) == 0);
}

TEST_CASE("no quote at all fails the order") {
  auto r = all_good();
  r.quotes[0]
    = failed<shipping_quote>("Standard", "carrier Standard unavailable");
  r.quotes[1] = timed_out<shipping_quote>("Economy");
  auto d = decide(r);
  CHECK(d.result.status == order_status::timeout);
  CHECK(d.result.details.rfind(
          "No shipping options available (Standard: carrier Standard "
          "unavailable; Economy: no answer within the deadline)",
          0)
        == 0);
}

TEST_CASE("one quote is enough") {
  auto r = all_good();
  r.quotes[1]
    = failed<shipping_quote>("Economy", "carrier Economy unavailable");
  auto d = decide(r);
  CHECK(d.result.status == order_status::confirmed);
  CHECK(d.result.carrier == "Standard");
}

TEST_CASE("the details name the first failed check in check order") {
  auto r = all_good();
  r.warehouses[0].reply.available = false;
  r.warehouses[1].reply.available = false;
  r.payment.reply = payment_reply{false, ""};
  r.fraud.reply = fraud_reply{99.0, true};
  CHECK(decide(r).result.details.rfind("Product not available", 0) == 0);
  r.warehouses[0].reply.available = true;
  CHECK(decide(r).result.details == "Payment authorization failed");
}

TEST_CASE("a failed order with an authorized payment voids it") {
  auto r = all_good();
  r.warehouses[0].reply.available = false;
  r.warehouses[1].reply.available = false;
  auto d = decide(r);
  CHECK(d.result.voided);
  CHECK(d.result.voided);
  CHECK(d.result.details
        == "Product not available in any warehouse; payment authorization "
           "tx_00000001 voided");
}

TEST_CASE("a sequential order that stopped early names the failed stage") {
  order_replies r;
  r.warehouses = {answered("Main", inventory_reply{true, "Main", 2})};
  r.payment = answered("payment", payment_reply{false, ""});
  r.fraud.instance = "fraud"; // never called
  r.quotes.resize(1);
  r.quotes[0].instance = "Standard";
  auto d = decide(r);
  CHECK(d.result.details == "Payment authorization failed");
}

TEST_CASE("no retry of a warehouse when a preferred one has stock") {
  auto r = all_good();
  r.warehouses[1] = failed<inventory_reply>("Backup", "down");
  CHECK_FALSE(worth_retry(r, slot_ref{check::inventory, 1}));
  r.warehouses[0].state = call_state::pending;
  CHECK(worth_retry(r, slot_ref{check::inventory, 1}));
}

TEST_CASE("the preferred warehouse is retried even when the other has stock") {
  auto r = all_good();
  r.warehouses[0] = failed<inventory_reply>("Main", "down");
  CHECK_MESSAGE(worth_retry(r, slot_ref{check::inventory, 0}),
                "Main's answer decides which warehouse the result names");
}

TEST_CASE("a check that failed for good does not stop the others' retries") {
  auto r = all_good();
  r.payment = failed<payment_reply>("payment", "payment gateway timeout");
  r.fraud.reply = fraud_reply{90.0, true};
  CHECK_MESSAGE(worth_retry(r, slot_ref{check::payment, 0}),
                "the details and the transaction must not depend on which "
                "answer came first");
  r = all_good();
  r.payment = failed<payment_reply>("payment", "payment gateway timeout");
  r.warehouses[0].reply.available = false;
  r.warehouses[1].reply.available = false;
  CHECK(worth_retry(r, slot_ref{check::payment, 0}));
}

TEST_CASE("format_fixed writes what printf's %.Nf writes") {
  auto printf_fixed = [](double x, int digits) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", digits, x);
    return std::string{buf};
  };
  std::vector<double> xs
    = {0.0,   -0.0, 0.005,  0.015,   0.125, 2.675,  1.005, -1.005,
       99.99, 1e11, 1e12,   1e15,    -42.5, 12.345, 0.1,   1.0 / 3,
       2.5,   0.5,  1e-300, 123.456, -7.0,  999.995};
  // Whole cents, as the simulated services produce them, and arbitrary
  // doubles that take the slow path.
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  for (int i = 0; i < 20000; ++i) {
    auto cents = static_cast<double>(next() % 10'000'000) / 100.0;
    xs.push_back(i % 2 == 0 ? cents : -cents);
    xs.push_back(static_cast<double>(next()) / static_cast<double>(1ULL << 40));
  }
  for (auto x : xs)
    for (int digits = 0; digits <= 4; ++digits)
      REQUIRE_MESSAGE(format_fixed(x, digits) == printf_fixed(x, digits),
                      "x = " << x << ", digits = " << digits);
  CHECK(format_fixed(std::numeric_limits<double>::infinity(), 2)
        == printf_fixed(std::numeric_limits<double>::infinity(), 2));
}
