// messages/service_types.hpp — requests and replies of the four services
// (inventory, payment, fraud, shipping), with the tutorial's fields.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace order_node {

/// Every service request names its call, so that the outcome is a pure
/// function of (seed, order key, service, instance, attempt).
struct call_id {
  std::string order_key;
  int32_t attempt = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_id& x) {
  return f(caf::meta::type_name("call_id"), x.order_key, x.attempt);
}

struct inventory_request {
  call_id call;
  std::string product_id;
  int32_t quantity = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inventory_request& x) {
  return f(caf::meta::type_name("inventory_request"), x.call, x.product_id,
           x.quantity);
}

struct inventory_reply {
  bool available = false;
  std::string warehouse;
  int32_t quantity = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inventory_reply& x) {
  return f(caf::meta::type_name("inventory_reply"), x.available, x.warehouse,
           x.quantity);
}

struct payment_request {
  call_id call;
  double amount = 0;
  std::string currency = "USD";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment_request& x) {
  return f(caf::meta::type_name("payment_request"), x.call, x.amount,
           x.currency);
}

struct payment_reply {
  bool authorized = false;
  std::string transaction_id; // "tx_" + 8 hex when authorized
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment_reply& x) {
  return f(caf::meta::type_name("payment_reply"), x.authorized,
           x.transaction_id);
}

/// Cancels an authorization of an order that failed after payment.
struct void_request {
  std::string order_key;
  std::string transaction_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, void_request& x) {
  return f(caf::meta::type_name("void_request"), x.order_key, x.transaction_id);
}

struct fraud_request {
  call_id call;
  std::string user_id;
  double amount = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fraud_request& x) {
  return f(caf::meta::type_name("fraud_request"), x.call, x.user_id, x.amount);
}

struct fraud_reply {
  double risk_score = 0; // 0..100
  bool flagged = false;  // risk_score > 70
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fraud_reply& x) {
  return f(caf::meta::type_name("fraud_reply"), x.risk_score, x.flagged);
}

struct shipping_request {
  call_id call;
  double weight = 0;
  std::string destination;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shipping_request& x) {
  return f(caf::meta::type_name("shipping_request"), x.call, x.weight,
           x.destination);
}

struct shipping_quote {
  std::string carrier;
  double cost = 0;
  int32_t estimated_days = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shipping_quote& x) {
  return f(caf::meta::type_name("shipping_quote"), x.carrier, x.cost,
           x.estimated_days);
}

} // namespace order_node
