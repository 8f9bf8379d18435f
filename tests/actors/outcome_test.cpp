// tests/actors/outcome_test.cpp — outcomes are a pure function of (seed, key,
// service, instance, attempt), and the configured rates hold.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "actors/rules/outcome.hpp"
#include "actors/rules/simulate.hpp"

using namespace order_node;

TEST_CASE("the same inputs give the same outcome") {
  auto cfg = tutorial_services(7);
  inventory_request req{{"line:1", 1}, "prod456", 2};
  auto a = simulate(cfg.warehouses[0], 7, req);
  auto b = simulate(cfg.warehouses[0], 7, req);
  CHECK(a.ok == b.ok);
  CHECK(a.reply.available == b.reply.available);
  CHECK(make_order_id(7, "line:1") == make_order_id(7, "line:1"));
  CHECK(call_hash(7, "k", "payment", "payment", 1)
        == call_hash(7, "k", "payment", "payment", 1));
}

TEST_CASE("every input of the hash changes it") {
  auto base = call_hash(7, "k", "payment", "payment", 1);
  CHECK(base != call_hash(8, "k", "payment", "payment", 1));
  CHECK(base != call_hash(7, "j", "payment", "payment", 1));
  CHECK(base != call_hash(7, "k", "fraud", "payment", 1));
  CHECK(base != call_hash(7, "k", "payment", "other", 1));
  CHECK(base != call_hash(7, "k", "payment", "payment", 2));
  CHECK(call_hash(7, "ab", "c", "", 1) != call_hash(7, "a", "bc", "", 1));
}

TEST_CASE("order ids are ORD_ and 8 hex digits and rarely collide") {
  auto id = make_order_id(7, "line:1");
  REQUIRE(id.size() == 12);
  CHECK(id.rfind("ORD_", 0) == 0);
  CHECK(id.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i)
    ids.insert(make_order_id(7, "seq:" + std::to_string(i)));
  CHECK(ids.size() >= 9'990);
}

TEST_CASE("rates hold over 100,000 draws within 1 percentage point") {
  auto cfg = tutorial_services(42);
  constexpr int n = 100'000;
  int wh_errors = 0, wh_available = 0, wh_answers = 0;
  int pay_errors = 0, pay_ok = 0, pay_answers = 0;
  int high_risk = 0;
  for (int i = 0; i < n; ++i) {
    call_id call{"seq:" + std::to_string(i), 1};
    auto w = simulate(cfg.warehouses[0], 42, inventory_request{call, "p", 1});
    if (!w.ok) {
      ++wh_errors;
    } else {
      ++wh_answers;
      wh_available += w.reply.available;
    }
    auto p
      = simulate(cfg.payment, 42, payment_request{call, 10.0, "USD", "", ""});
    if (!p.ok) {
      ++pay_errors;
    } else {
      ++pay_answers;
      pay_ok += p.reply.authorized;
    }
    auto f = simulate(cfg.fraud, 42, fraud_request{call, "u", 10.0});
    high_risk += f.reply.risk_score >= 50.0;
  }
  auto share = [](int k, int m) { return static_cast<double>(k) / m; };
  CHECK(std::abs(share(wh_errors, n) - 0.05) < 0.01);
  CHECK(std::abs(share(wh_available, wh_answers) - 0.80) < 0.01);
  CHECK(std::abs(share(pay_errors, n) - 0.02) < 0.01);
  CHECK(std::abs(share(pay_ok, pay_answers) - 0.95) < 0.01);
  // Risk >= 50 comes from the 10% high-risk draws (50..100), plus the low
  // draws (0..50) never reach it.
  CHECK(std::abs(share(high_risk, n) - 0.10) < 0.01);
}

TEST_CASE("quotes follow the tutorial's formula, rounded to cents") {
  auto cfg = tutorial_services(1);
  shipping_request req{{"k", 1}, 5.5, "New York"};
  CHECK(simulate(cfg.carriers[0], 1, req).reply.cost == 13.75);
  CHECK(simulate(cfg.carriers[1], 1, req).reply.cost == 9.63);
  CHECK(simulate(cfg.carriers[2], 1, req).reply.cost == 20.63);
  CHECK(simulate(cfg.carriers[1], 1, req).reply.estimated_days == 7);
}

TEST_CASE("authorized payments carry a tx_ id; declined ones none") {
  auto cfg = tutorial_services(3);
  cfg.payment.error_rate = 0;
  cfg.payment.authorized_rate = 1;
  auto ok
    = simulate(cfg.payment, 3, payment_request{{"k", 1}, 1.0, "USD", "", ""});
  CHECK(ok.reply.transaction_id.rfind("tx_", 0) == 0);
  CHECK(ok.reply.transaction_id.size() == 11);
  cfg.payment.authorized_rate = 0;
  auto no
    = simulate(cfg.payment, 3, payment_request{{"k", 1}, 1.0, "USD", "", ""});
  CHECK_FALSE(no.reply.authorized);
  CHECK(no.reply.transaction_id.empty());
}
