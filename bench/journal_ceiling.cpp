// bench/journal_ceiling.cpp — the machine's own ceiling for what order-node's
// durability writes per order (issue #15, docs/performance.md): a plain loop
// of the same rows, batched, with no actors, no orders and no waiting. Per
// order, in the journal: the acceptance, six replies, the decision (which
// drops the replies); in the ledger: one authorization. The journal and the
// ledger are written by two threads at once, as in a node, each committing
// every `batch` orders, at the given `synchronous` level.
//
//   journal_ceiling DIR SYNC ORDERS BATCH
//
// prints one JSON line: {"sync":...,"orders":...,"batch":...,
// "seconds":...,"orders_per_s":...,"journal_s":...,"ledger_s":...}.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "actors/journal/journal_store.hpp"
#include "actors/journal/ledger_store.hpp"
#include "actors/rules/outcome.hpp"
#include "messages/journal_codec.hpp"

using namespace order_node;
using clock_type = std::chrono::steady_clock;

namespace {

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// A confirmed order's result with its six call records, as a node decides.
order_result a_result(const std::string& id) {
  order_result r;
  r.order_id = id;
  r.status = order_status::confirmed;
  r.processing_time_ms = 150;
  r.processing_time_us = 150'400;
  r.details = "Shipping: $9.63 via Economy (7 days)";
  r.warehouse = "Main";
  r.carrier = "Economy";
  r.shipping_cost = 9.63;
  r.shipping_days = 7;
  r.transaction_id = "tx_a693646e";
  r.risk_score = 15.14;
  auto call = [&](const char* service, const char* instance, double ms,
                  const char* detail) {
    r.calls.push_back(
      call_record{service, instance, 1, ms, call_end::answered, detail});
  };
  call("inventory", "Main", 80.5, "available");
  call("inventory", "Backup", 80.49, "unavailable");
  call("shipping", "Standard", 102.36, "$13.75, 3 days");
  call("shipping", "Economy", 102.37, "$9.63, 7 days");
  call("payment", "payment", 120.39, "authorized tx_a693646e");
  call("fraud", "fraud", 150.37, "risk 15.14");
  return r;
}

bool journal_loop(journal_store& j, long orders, long batch, std::string& err) {
  const order_request request{"user123", "prod456", 2, 99.99, 5.5, "New York"};
  const std::vector<std::vector<char>> replies
    = {encode(inventory_reply{true, "Main", 2}),
       encode(inventory_reply{false, "Backup", 2}),
       encode(payment_reply{true, "tx_a693646e"}),
       encode(fraud_reply{15.14, false}),
       encode(shipping_quote{"Standard", 13.75, 3}),
       encode(shipping_quote{"Economy", 9.63, 7})};
  for (long first = 1; first <= orders; first += batch) {
    journal_ops ops;
    auto last = std::min(orders, first + batch - 1);
    for (auto seq = first; seq <= last; ++seq) {
      auto s = static_cast<uint64_t>(seq);
      auto id = make_order_id(1, "seq:" + std::to_string(seq));
      ops.accepted.push_back({s, id, order_kind::parallel,
                              "seq:" + std::to_string(seq), "", request, seq});
      for (int32_t slot = 0; slot < 6; ++slot)
        ops.replies.push_back({s, slot, 1, replies[static_cast<size_t>(slot)]});
      ops.decided.push_back({s, seq, a_result(id)});
    }
    j.write(ops);
    if (!j.commit(err))
      return false;
  }
  return true;
}

bool ledger_loop(ledger_store& l, long orders, long batch, std::string& err) {
  for (long first = 1; first <= orders; first += batch) {
    auto last = std::min(orders, first + batch - 1);
    for (auto seq = first; seq <= last; ++seq) {
      auto id = make_order_id(1, "seq:" + std::to_string(seq));
      payment_reply out;
      if (!l.authorize(authorization_key(42, id), id, {true, "tx_a693646e"},
                       out, err))
        return false;
    }
    if (!l.commit(err))
      return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: journal_ceiling DIR SYNC ORDERS BATCH\n");
    return 2;
  }
  std::string dir = argv[1];
  auto sync = journal_sync_from_string(argv[2]);
  long orders = std::atol(argv[3]);
  long batch = std::atol(argv[4]);
  if (!sync || orders < 1 || batch < 1) {
    std::fprintf(stderr, "journal_ceiling: bad arguments\n");
    return 2;
  }
  std::string error;
  auto j = journal_store::open(dir + "/ceiling.journal", *sync, error);
  auto l
    = j ? ledger_store::open(dir + "/ceiling.ledger", *sync, error) : nullptr;
  if (!j || !l) {
    std::fprintf(stderr, "journal_ceiling: %s\n", error.c_str());
    return 1;
  }
  double journal_s = 0;
  double ledger_s = 0;
  std::string ledger_error;
  auto t0 = clock_type::now();
  std::thread ledger_thread{[&] {
    auto t = clock_type::now();
    if (!ledger_loop(*l, orders, batch, ledger_error))
      ledger_s = -1;
    else
      ledger_s = since(t);
  }};
  bool ok = journal_loop(*j, orders, batch, error);
  journal_s = since(t0);
  ledger_thread.join();
  auto seconds = since(t0);
  if (!ok || ledger_s < 0) {
    std::fprintf(stderr, "journal_ceiling: %s%s\n", error.c_str(),
                 ledger_error.c_str());
    return 1;
  }
  std::printf("{\"sync\":\"%s\",\"orders\":%ld,\"batch\":%ld,"
              "\"seconds\":%.3f,\"orders_per_s\":%.0f,\"journal_s\":%.3f,"
              "\"ledger_s\":%.3f}\n",
              argv[2], orders, batch, seconds,
              static_cast<double>(orders) / seconds, journal_s, ledger_s);
  return 0;
}
