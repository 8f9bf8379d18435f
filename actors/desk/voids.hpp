// actors/desk/voids.hpp — a failed order's payment void, owed until the
// gateway acknowledges it (issue #15, docs/durability.md): the desk records
// the void in the journal with the order's decision, sends it once that
// record is committed (a decision that a crash could still undo must not
// void anything), and sends it again with backoff (100 ms doubling to 5 s)
// until the gateway answers; the acknowledgement is journaled too. Voids
// left at a crash are sent again by the next start (recovery), so each is
// acknowledged, and the gateway's ledger voids a key once however often it
// is asked.
#pragma once

#include <string>
#include <unordered_map>

#include <caf/timespan.hpp>

#include "actors/desk/desk_actor.hpp"

namespace order_node {

/// A void owed, by authorization key, until the gateway acknowledges it.
struct owed_void {
  void_request request;
  caf::timespan backoff{};
};

using owed_voids = std::unordered_map<std::string, owed_void>;

/// Whether a decided order must void its payment authorization: it failed,
/// and its payment was authorized or its answer is unknown (a call timed
/// out or failed, e.g. its node lost with the call: the gateway may have
/// authorized it; a void of a key it never authorized changes nothing). A
/// declined authorization leaves nothing to void.
bool owes_void(const order_result& r);

/// Starts sending `v` (after its record is committed, if journaled).
void start_void(desk_self self, void_request v);

/// Sends the void of `auth_key` if it is still owed (the retry message).
void send_void(desk_self self, const std::string& auth_key);

} // namespace order_node
