// actors/desk/keys.hpp — the desk's idempotency keys: the same key and body
// make one order, whose result every client of the key gets; the same key
// with another body is refused (order_errc::key_conflict). A key is known to
// the desk while the journal's reader is asked about it (its clients queue),
// while its order is in flight (they wait for the result), or, without a
// reader, for dedup_window after its order decided (the result is kept, at
// most dedup_capacity of them). With the reader the journal answers for
// decided keys: the desk forgets a key once its decision is committed.
//
// Each route has its own key space (as Restate scopes keys per service):
// dedup_key() names the kind.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/desk/desk_actor.hpp"

namespace order_node {

/// A client whose submission waits for the journal's word on its key: a
/// `submit` waits for the result, a `send` for the acceptance.
struct key_client {
  order_submission sub;
  bool send = false;
  caf::typed_response_promise<order_result> result;
  caf::typed_response_promise<order_accepted> accepted;

  /// Answers with `err`, whichever answer it waits for.
  void fail(const caf::error& err);
};

struct key_entry {
  order_request body;
  bool looking_up = false; // the journal's reader is asked: `queued` wait
  bool decided = false;    // `result` is kept
  std::string order_id;
  std::unique_ptr<order_result> result; // when decided
  std::vector<key_client> queued;       // while looking_up
};

struct key_book {
  using time_point = std::chrono::steady_clock::time_point;

  std::unordered_map<std::string, key_entry> keys;
  /// Clients waiting for the order of a key in flight.
  std::unordered_map<std::string,
                     std::vector<caf::typed_response_promise<order_result>>>
    waiting;
  /// Decided keys kept in memory, oldest first: each is forgotten when its
  /// window has passed or beyond the capacity.
  struct kept {
    time_point expires;
    std::string key;
  };
  std::deque<kept> done_order;

  /// Forgets decided keys whose window has passed, and the oldest beyond
  /// `capacity` (every decided key has one entry in `done_order`, and
  /// leaves `keys` only here).
  void expire(time_point now, size_t capacity);

  /// Keeps `r` as the result of key `dk` until `expires`.
  void keep(std::string dk, order_result r, time_point expires);

  /// Answers every client waiting on `dk` with `x` (a result or an error)
  /// and forgets them; after an error the key is free again (no result is
  /// kept).
  template <class T>
  void answer(const std::string& dk, const T& x) {
    if (auto w = waiting.find(dk); w != waiting.end()) {
      for (auto& rp : w->second)
        rp.deliver(x);
      waiting.erase(w);
    }
    if constexpr (std::is_same_v<T, caf::error>) {
      if (auto i = keys.find(dk); i != keys.end() && !i->second.decided)
        keys.erase(i);
    }
  }

  /// Fails the order of `client` with `err`: its one client, or every
  /// client waiting on its key (which is then free again).
  void fail(order_client& client, const caf::error& err) {
    if (client.dedup_key.empty())
      client.promise.deliver(err);
    else
      answer(client.dedup_key, err);
  }

  /// The clients queued for the journal's word on `dk`; the key is
  /// forgotten (none if it is not being looked up).
  std::vector<key_client> take_queued(const std::string& dk);
};

/// The desk's name of idempotency key `key` on the route of `kind`.
std::string dedup_key(order_kind kind, const std::string& key);

/// The error for a key sent again with another body.
caf::error key_conflict(const std::string& key);

/// Queues `client` for the journal's word on key `dk`, and asks the
/// journal's reader when `first` (the first client of the key).
void wait_for_journal(desk_self self, const std::string& dk, key_client client,
                      bool first);

} // namespace order_node
