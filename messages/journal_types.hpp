// messages/journal_types.hpp — what the order desk and the orders write to
// the journal (actors/journal/), as messages to the journal actor, and what
// recovery reads back. Times are the system clock in microseconds since the
// epoch: they must mean the same after a restart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/order_types.hpp"

namespace order_node {

/// An order the desk accepted.
struct journal_accepted {
  uint64_t seq = 0; // acceptance number: never reused within a journal
  std::string order_id;
  order_kind kind = order_kind::parallel;
  std::string order_key;
  std::string idempotency_key; // empty without one
  order_request request;
  int64_t accepted_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_accepted& x) {
  return f(caf::meta::type_name("journal_accepted"), x.seq, x.order_id, x.kind,
           x.order_key, x.idempotency_key, x.request, x.accepted_us);
}

/// The answer one call of an order got (encoded by encode_reply()).
struct journal_reply {
  uint64_t seq = 0;
  int32_t slot = 0;
  int32_t attempt = 0;
  std::vector<char> reply;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_reply& x) {
  return f(caf::meta::type_name("journal_reply"), x.seq, x.slot, x.attempt,
           x.reply);
}

/// An order's decision: its result as its clients get it.
struct journal_decided {
  uint64_t seq = 0;
  int64_t decided_us = 0;
  order_result result;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_decided& x) {
  return f(caf::meta::type_name("journal_decided"), x.seq, x.decided_us,
           x.result);
}

/// A payment authorization a failed order owes a void.
struct journal_void {
  std::string auth_key;
  uint64_t seq = 0;
  std::string tx_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_void& x) {
  return f(caf::meta::type_name("journal_void"), x.auth_key, x.seq, x.tx_id);
}

/// Records written together (in one transaction, in this order).
struct journal_ops {
  std::vector<journal_accepted> accepted;
  std::vector<journal_reply> replies;
  std::vector<journal_decided> decided;
  std::vector<journal_void> voids;             // owed
  std::vector<std::string> voids_acknowledged; // by auth key

  bool empty() const {
    return accepted.empty() && replies.empty() && decided.empty()
           && voids.empty() && voids_acknowledged.empty();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_ops& x) {
  return f(caf::meta::type_name("journal_ops"), x.accepted, x.replies,
           x.decided, x.voids, x.voids_acknowledged);
}

/// Where a looked-up order stands in the journal.
struct journal_lookup {
  bool found = false;
  bool decided = false;
  std::string order_id;
  order_result result; // when decided
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_lookup& x) {
  return f(caf::meta::type_name("journal_lookup"), x.found, x.decided,
           x.order_id, x.result);
}

/// An order as the journal holds it, for the console and its routes
/// (actors/journal/journal_reader.hpp).
struct journal_entry {
  uint64_t seq = 0;
  std::string order_id;
  order_kind kind = order_kind::parallel;
  std::string idempotency_key; // empty without one
  int64_t accepted_us = 0;
  int64_t decided_us = 0; // 0: running
  int32_t resumes = 0;    // resumed after that many restarts
  int64_t resumed_us = 0; // the last resume; 0: never
  order_result result;    // when decided
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_entry& x) {
  return f(caf::meta::type_name("journal_entry"), x.seq, x.order_id, x.kind,
           x.idempotency_key, x.accepted_us, x.decided_us, x.resumes,
           x.resumed_us, x.result);
}

/// Which orders to list, newest first.
struct order_query {
  /// Empty (every order), or one of order_filters.
  std::string status;
  /// An order id or an idempotency key; empty: any order.
  std::string search;
  int32_t limit = 50; // 1..max_page
  /// Orders accepted before this acceptance number; 0: from the newest.
  uint64_t before = 0;

  static constexpr int32_t max_page = 200;
};

/// The `status` filters of order_query.
inline constexpr const char* order_filters[]
  = {"confirmed", "failed", "timeout", "voided", "resumed", "running"};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_query& x) {
  return f(caf::meta::type_name("order_query"), x.status, x.search, x.limit,
           x.before);
}

/// One page of orders.
struct order_page {
  std::vector<journal_entry> orders;
  /// The `before` of the next page; 0: this was the last.
  uint64_t next = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_page& x) {
  return f(caf::meta::type_name("order_page"), x.orders, x.next);
}

/// A void an order owed, as the journal holds it.
struct void_entry {
  std::string auth_key;
  std::string tx_id;
  bool acked = false;
  int64_t acked_us = 0; // 0: not acknowledged (or journal format 1)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, void_entry& x) {
  return f(caf::meta::type_name("void_entry"), x.auth_key, x.tx_id, x.acked,
           x.acked_us);
}

/// Everything the journal holds about one order.
struct order_history {
  bool found = false;
  journal_entry entry;
  int32_t replies = 0; // journaled replies of a running order
  std::vector<void_entry> voids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_history& x) {
  return f(caf::meta::type_name("order_history"), x.found, x.entry, x.replies,
           x.voids);
}

/// An order as recovery reads it back.
struct journaled_order {
  journal_accepted accepted;
  std::vector<journal_reply> replies; // unfinished orders only
  int64_t decided_us = 0;             // 0: not decided
  order_result result;                // when decided
  int32_t resumes = 0;                // how often it was resumed before
  /// In a key query's answer: how many orders the key has had in this
  /// journal, ever (purged ones too).
  int64_t key_uses = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journaled_order& x) {
  return f(caf::meta::type_name("journaled_order"), x.accepted, x.replies,
           x.decided_us, x.result, x.resumes, x.key_uses);
}

/// The newest order with an idempotency key on a route (its kind), if it
/// was decided at or after `since_us`, and how many orders the key had.
struct key_query {
  order_kind kind = order_kind::parallel;
  std::string key;
  int64_t since_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_query& x) {
  return f(caf::meta::type_name("key_query"), x.kind, x.key, x.since_us);
}

} // namespace order_node
