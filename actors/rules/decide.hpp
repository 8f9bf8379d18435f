// actors/rules/decide.hpp — the decision of an order as a pure function over
// the replies it collected (no actors, no CAF): the rules of
// docs/architecture.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/rules/checks.hpp"
#include "messages/order_types.hpp"
#include "messages/service_types.hpp"

namespace order_node {

/// Where one service call of an order stands.
enum class call_state : uint8_t {
  not_called, // the order never asked (sequential order stopped earlier)
  pending,    // asked, or waiting to retry
  answered,   // `reply` holds the answer
  failed,     // an error with no retry left; `error` says which
  timed_out,  // no answer before the order's deadline
};

/// One check's call to one instance and its outcome.
template <class Reply>
struct check_slot {
  std::string instance;
  call_state state = call_state::not_called;
  Reply reply;
  std::string error;
  int32_t attempts = 0;
};

/// Whether the call of `s` answered and its answer passes its check.
template <class Reply>
bool passed(const check_slot<Reply>& s) {
  return s.state == call_state::answered && passes(s.reply);
}

/// Addresses one slot of order_replies.
struct slot_ref {
  check which = check::inventory;
  size_t index = 0; // warehouse or carrier index; 0 for payment and fraud
};

/// Everything an order has heard so far.
struct order_replies {
  std::vector<check_slot<inventory_reply>> warehouses; // preferred first
  check_slot<payment_reply> payment;
  check_slot<fraud_reply> fraud;
  std::vector<check_slot<shipping_quote>> quotes;
};

/// Calls `f(slot)` with the slot that `ref` addresses.
template <class F>
void visit_slot(order_replies& r, slot_ref ref, F&& f) {
  switch (ref.which) {
    case check::inventory:
      f(r.warehouses[ref.index]);
      break;
    case check::payment:
      f(r.payment);
      break;
    case check::fraud:
      f(r.fraud);
      break;
    case check::shipping:
      f(r.quotes[ref.index]);
      break;
  }
}

struct decision {
  /// status, details and the debugging fields; the caller adds orderId,
  /// timing and the call records.
  order_result result; // `voided`: failed after payment was authorized
};

/// Applies the rules (each check's in checks.hpp): a warehouse must have
/// stock (Main preferred, Backup as fallback), payment must be authorized,
/// fraud must answer with a risk of at most max_risk (a missing or errored
/// answer fails the order: fail safe), at least one quote must arrive and
/// the cheapest wins. The details name the first
/// failed check (inventory, payment, fraud, shipping); a check that failed
/// because a call had no answer in time makes the status "timeout".
decision decide(const order_replies& r);

/// True if the call in `slot` is worth a retry: false only for a warehouse
/// after a preferred one that has stock (its answer cannot show in the
/// result). Everything else is retried, so that an order's result never
/// depends on the order in which its answers arrive.
bool worth_retry(const order_replies& r, slot_ref slot);

/// `x` with `digits` decimals, exactly as printf's "%.Nf" writes it (both
/// round the exact binary value correctly), at about a seventh of
/// std::to_chars' cost (callgrind) for the whole cents of amounts and
/// scores: when `x` is the double nearest to n / 10^digits (digits <= 3),
/// its exact value is within half an ulp of that decimal, far inside the
/// rounding interval, so the digits of `n` are the answer. Other values go
/// to std::to_chars.
std::string format_fixed(double x, int digits);

/// format_fixed, appended to `out`.
void append_fixed(std::string& out, double x, int digits);

/// The outcome of a reply as one word or short phrase for call_record.
std::string describe(const inventory_reply& x);
std::string describe(const payment_reply& x);
std::string describe(const fraud_reply& x);
std::string describe(const shipping_quote& x);

} // namespace order_node
