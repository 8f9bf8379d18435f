// actors/desk/desk_actor.hpp — the desk's actor type, for the desk's parts
// (order_desk.hpp has its state): its public interface (messages/
// interfaces.hpp: order_desk_actor), the services' batched answers, and its
// private messages.
#pragma once

#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

struct desk_state;

/// The desk's own messages: the deadline tick, a batched order's retry,
/// sending the queued calls, the directory's routes, an order actor's result
/// and its replies to journal, writing the journal's records, sending a void
/// again.
using order_desk_impl = order_desk_actor::extend_with<service_caller>::
  extend_with<partition_desk_actor>::extend<
    caf::reacts_to<tick_atom>, caf::reacts_to<retry_atom, uint64_t, int32_t>,
    caf::reacts_to<flush_atom>, caf::reacts_to<routes_atom, service_routes_ptr>,
    caf::reacts_to<done_atom, uint64_t, order_result>,
    caf::reacts_to<append_atom, journal_reply>, caf::reacts_to<commit_atom>,
    caf::reacts_to<void_atom, std::string>>;

using desk_self = order_desk_impl::stateful_pointer<desk_state>;

/// Who waits for an order's result: the clients of its idempotency key
/// (keys.hpp), or the one client of an order without a key.
struct order_client {
  std::string dedup_key; // empty without idempotency key
  caf::typed_response_promise<order_result> promise; // without key
};

} // namespace order_node
