// messages/order_types.hpp — what a client sends (order_request,
// order_submission) and what it gets back (order_result), with the tutorial's
// JSON field names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace order_node {

/// The tutorial's OrderRequest. Validated by validate() in json_codec.hpp.
struct order_request {
  std::string user_id;    // "userId"
  std::string product_id; // "productId"
  int32_t quantity = 0;   // "quantity", 1..10000
  double amount = 0;      // "amount", finite, > 0
  double weight = 0;      // "weight", finite, >= 0
  std::string destination;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_request& x) {
  return f(caf::meta::type_name("order_request"), x.user_id, x.product_id,
           x.quantity, x.amount, x.weight, x.destination);
}

/// Field by field (the amounts exactly): a repeated idempotency key must come
/// with the same order.
bool operator==(const order_request& x, const order_request& y);

/// Which pipeline runs an order: the six-way fan-out or the tutorial's
/// sequential OrderServiceSlow.
enum class order_kind : uint8_t { parallel, sequential };

const char* to_string(order_kind x);

/// An order as handed to the desk by any client (REPL, HTTP, remote node).
struct order_submission {
  order_kind kind = order_kind::parallel;
  order_request request;
  /// Deduplication key: the same key returns the same result (one execution).
  std::string idempotency_key;
  /// Client-chosen order key without deduplication (the REPL's "line:N");
  /// empty: the desk assigns "seq:N" in arrival order.
  std::string order_key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_submission& x) {
  return f(caf::meta::type_name("order_submission"), x.kind, x.request,
           x.idempotency_key, x.order_key);
}

/// How one call of an order ended.
enum class call_end : uint8_t {
  answered, // the service answered; `detail` describes the reply
  error,    // the call failed; `detail` is the error
  timeout,  // no answer before the order's deadline
};

/// "answered", "error", "timeout".
const char* to_string(call_end x);

/// One service call of an order, for users debugging it.
struct call_record {
  std::string service;  // "inventory", "payment", "fraud", "shipping"
  std::string instance; // "Main", "Standard", ...
  int32_t attempt = 1;
  double ms = 0; // from sending the request to its answer (or deadline)
  call_end outcome = call_end::answered;
  std::string detail; // "available", "risk 12.00", the error; empty: timeout
  /// When the request was sent, from the order's acceptance (a resumed
  /// order's first acceptance: its downtime included). Journal format 2.
  double start_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_record& x) {
  return f(caf::meta::type_name("call_record"), x.service, x.instance,
           x.attempt, x.ms, x.outcome, x.detail, x.start_ms);
}

/// The outcome of a call as users read it: the reply's description,
/// "error: " and the error, or "timeout".
std::string outcome_text(const call_record& x);

/// How an order ended.
enum class order_status : uint8_t {
  confirmed,  // every check passed
  failed,     // a check said no
  timeout,    // a check had no answer
  overloaded, // the desk was full
};

/// "confirmed", "failed", "timeout", "overloaded".
const char* to_string(order_status x);

/// The answer to an order sent without waiting for its result (HTTP
/// .../send, the REPL's `send`): its id, once it is accepted (durably, with
/// a journal).
struct order_accepted {
  std::string order_id;
  bool previously = false; // the key was known: the first order's id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_accepted& x) {
  return f(caf::meta::type_name("order_accepted"), x.order_id, x.previously);
}

/// The tutorial's OrderResult plus what a user needs to debug an order.
struct order_result {
  std::string order_id; // "ORD_" + 8 hex, derived from (seed, order key)
  order_status status = order_status::failed;
  int64_t processing_time_ms = 0;
  std::string details;
  std::string warehouse;          // chosen warehouse, empty if none
  std::string carrier;            // chosen carrier, empty if none
  double shipping_cost = -1;      // -1: no quote chosen
  int32_t shipping_days = -1;     // -1: no quote chosen
  std::string transaction_id;     // empty unless payment authorized
  double risk_score = -1;         // -1: no fraud answer
  bool voided = false;            // authorization voided after a failure
  int64_t processing_time_us = 0; // same as processingTimeMs, finer
  std::vector<call_record> calls;
  /// Resumed from the journal after a restart (its time counts from the
  /// first acceptance, the downtime included).
  bool resumed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_result& x) {
  return f(caf::meta::type_name("order_result"), x.order_id, x.status,
           x.processing_time_ms, x.details, x.warehouse, x.carrier,
           x.shipping_cost, x.shipping_days, x.transaction_id, x.risk_score,
           x.voided, x.processing_time_us, x.calls, x.resumed);
}

} // namespace order_node
