// actors/rules/checks.hpp — the pass rule of each of an order's four checks,
// in one place: decide() (the result), worth_retry() (which call is still
// worth asking again) and the sequential pipeline (go on or stop) all ask
// here, and the fraud threshold stands beside its rule.
#pragma once

#include "messages/service_types.hpp"

namespace order_node {

/// Risk scores above this fail an order (the tutorial: riskScore > 70).
constexpr double max_risk = 70.0;

/// Whether an answer lets the order go on.
inline bool passes(const inventory_reply& x) {
  return x.available;
}

inline bool passes(const payment_reply& x) {
  return x.authorized;
}

inline bool passes(const fraud_reply& x) {
  return x.risk_score <= max_risk;
}

/// Any quote will do; decide() picks the cheapest of those that arrived.
inline bool passes(const shipping_quote&) {
  return true;
}

} // namespace order_node
