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

/// An order as recovery reads it back.
struct journaled_order {
  journal_accepted accepted;
  std::vector<journal_reply> replies; // unfinished orders only
  int64_t decided_us = 0;             // 0: not decided
  order_result result;                // when decided
  int32_t resumes = 0;                // how often it was resumed before
};

} // namespace order_node
