// tests/fuzz/make_journal_seeds.cpp — writes the journal_record target's
// seeds (tests/fuzz/corpus/journal_record/) from the journal tests' values:
// one file per record kind, its first byte the kind as targets.cpp reads it.
//   build/fuzz/make_journal_seeds tests/fuzz/corpus/journal_record
#include <caf/binary_serializer.hpp>

#include <fstream>
#include <string>

#include "messages/journal_codec.hpp"

using namespace order_node;

namespace {

void write(const std::string& dir, const std::string& name, char kind,
           const std::vector<char>& bytes) {
  std::ofstream out{dir + "/" + name, std::ios::binary};
  out.put(kind);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A result as journal format 1 wrote it (calls without start_ms).
std::vector<char> format1(order_result r) {
  std::vector<char> out;
  caf::binary_serializer sink{nullptr, out};
  auto n = r.calls.size();
  [[maybe_unused]] auto e1
    = sink(r.order_id, r.status, r.processing_time_ms, r.details, r.warehouse,
           r.carrier, r.shipping_cost, r.shipping_days, r.transaction_id,
           r.risk_score, r.voided, r.processing_time_us);
  [[maybe_unused]] auto e2 = sink.begin_sequence(n);
  for (auto& c : r.calls)
    [[maybe_unused]] auto e3
      = sink(c.service, c.instance, c.attempt, c.ms, c.outcome, c.detail);
  [[maybe_unused]] auto e4 = sink.end_sequence();
  [[maybe_unused]] auto e5 = sink(r.resumed);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2)
    return 2;
  std::string dir = argv[1];
  order_request req{"user123", "prod456", 2, 99.99, 5.5, "New York"};
  write(dir, "request", 0, encode(req));
  order_result r;
  r.order_id = "ORD_62da0276";
  r.status = order_status::failed;
  r.processing_time_ms = 150;
  r.processing_time_us = 150'400;
  r.details = "High fraud risk: 89.6; payment authorization tx_1 voided";
  r.warehouse = "Main";
  r.carrier = "Economy";
  r.shipping_cost = 9.63;
  r.shipping_days = 7;
  r.transaction_id = "tx_86cab931";
  r.risk_score = 89.6;
  r.voided = true;
  r.calls = {
    {"inventory", "Main", 1, 80.4, call_end::answered, "available", 0.1},
    {"payment", "payment", 2, 20.0, call_end::error, "gateway timeout", 10.2},
    {"fraud", "fraud", 1, 150.3, call_end::timeout, "", 0.1}};
  write(dir, "result", 1, encode(r));
  write(dir, "result_format1", 2, format1(r));
  write(dir, "inventory_reply", 3, encode(inventory_reply{true, "Main", 2}));
  write(dir, "payment_reply", 4, encode(payment_reply{true, "tx_86cab931"}));
  write(dir, "fraud_reply", 5, encode(fraud_reply{12.5, false}));
  write(dir, "shipping_quote", 6, encode(shipping_quote{"Economy", 9.63, 7}));
  return 0;
}
