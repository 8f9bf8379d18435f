// messages/service_types.hpp — requests and replies of the four services
// (inventory, payment, fraud, shipping), with the tutorial's fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace order_node {

/// The four kinds of call an order makes, in the order their failures are
/// reported. messages/service_table.hpp has what goes with each.
enum class check : uint8_t { inventory, payment, fraud, shipping };

/// The service's name in call records and logs ("inventory", ...).
inline const char* service_name(check c) {
  constexpr const char* names[] = {"inventory", "payment", "fraud", "shipping"};
  auto i = static_cast<size_t>(c);
  return i < sizeof names / sizeof names[0] ? names[i] : "unknown";
}

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
  /// The gateway's idempotency key (authorization_key()): a repeated key
  /// gets the first answer from the gateway's ledger.
  std::string auth_key;
  std::string order_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment_request& x) {
  return f(caf::meta::type_name("payment_request"), x.call, x.amount,
           x.currency, x.auth_key, x.order_id);
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

/// Cancels the authorization of an order that failed, by its key (the
/// transaction, when the order knew it, is for the log). The gateway
/// acknowledges it whether or not it knows the key.
struct void_request {
  std::string auth_key;
  std::string transaction_id; // empty if the order never saw an answer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, void_request& x) {
  return f(caf::meta::type_name("void_request"), x.auth_key, x.transaction_id);
}

/// An authorization the gateway asks its ledger to keep (ledger_store.hpp):
/// `reply` is the fresh answer, recorded unless the key has one.
struct ledger_entry {
  std::string auth_key;
  std::string order_id;
  payment_reply reply;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_entry& x) {
  return f(caf::meta::type_name("ledger_entry"), x.auth_key, x.order_id,
           x.reply);
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

/// Services take their calls in batches: all the calls a desk has for one
/// instance at one moment travel in one message and are answered in one
/// message, in the same order (a single call is a batch of one). The batch
/// is sent as a plain message, not a request: `id` pairs it with its answer
/// (CAF 0.17 looks pending requests up in a flat vector, so an actor with
/// thousands of requests in flight pays for each answer in proportion).
template <class Request>
struct call_batch {
  uint64_t id = 0; // the sender's, echoed in call_outcomes
  std::vector<Request> calls;
};

template <class Inspector, class Request>
typename Inspector::result_type inspect(Inspector& f, call_batch<Request>& x) {
  return f(caf::meta::type_name("call_batch"), x.id, x.calls);
}

/// How one call of a batch ended.
enum class call_status : uint8_t {
  ok,        // `reply` holds the answer
  transient, // the service failed this call (`error`); a retry may succeed
  node_lost, // the instance's node was lost before it answered (`error`)
};

const char* to_string(call_status x);

template <class Reply>
struct call_outcome {
  call_status status = call_status::ok;
  Reply reply;
  std::string error;
};

template <class Inspector, class Reply>
typename Inspector::result_type inspect(Inspector& f, call_outcome<Reply>& x) {
  return f(caf::meta::type_name("call_outcome"), x.status, x.reply, x.error);
}

/// The answer to a call_batch: one outcome per call, in the batch's order.
template <class Reply>
struct call_outcomes {
  uint64_t id = 0;
  std::vector<call_outcome<Reply>> outcomes;
};

template <class Inspector, class Reply>
typename Inspector::result_type inspect(Inspector& f, call_outcomes<Reply>& x) {
  return f(caf::meta::type_name("call_outcomes"), x.id, x.outcomes);
}

using inventory_batch = call_batch<inventory_request>;
using inventory_outcomes = call_outcomes<inventory_reply>;
using payment_batch = call_batch<payment_request>;
using payment_outcomes = call_outcomes<payment_reply>;
using fraud_batch = call_batch<fraud_request>;
using fraud_outcomes = call_outcomes<fraud_reply>;
using shipping_batch = call_batch<shipping_request>;
using shipping_outcomes = call_outcomes<shipping_quote>;

} // namespace order_node
