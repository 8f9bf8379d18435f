// actors/cluster/relay.hpp — a client's local stand-in for a front's order
// desk. The REPL sends the relay its orders as it would send them to a local
// desk; the relay forwards each and remembers it until the answer comes back.
// CAF 0.17 never fails a request pending on a node that died (only a monitor
// learns of it), so the relay monitors its target and, when the front is
// lost, answers everything pending at once with order_errc::node_lost; while
// the front is down it answers node_lost immediately. (A front's calls to
// services nodes go through links instead: actors/cluster/link.hpp.)
//
// Forwarded orders carry no timeout of their own: the caller bounds its wait
// (the REPL by its timeout).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <caf/fwd.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

/// Calls sent to one peer and not answered yet, and calls since start, read
/// by the peer manager (`nodes`).
struct relay_counters {
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> calls{0};
};

using relay_counters_ptr = std::shared_ptr<relay_counters>;

/// The relay accepts the desk's interface plus `target`: a new handle of
/// the remote desk (an invalid one: the front is down; fail what is
/// pending).
using desk_relay_actor
  = order_desk_actor::extend<caf::reacts_to<target_atom, order_desk_actor>>;

struct desk_relay_state {
  order_desk_actor target; // invalid while the front is down
  std::string what;        // "the front at 127.0.0.1:7000", for errors
  relay_counters_ptr counters;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, caf::response_promise> pending;
  static constexpr const char* name = "relay";
};

/// What the relay starts with.
struct relay_args {
  std::string what;
  relay_counters_ptr counters;
};

desk_relay_actor::behavior_type
desk_relay(desk_relay_actor::stateful_pointer<desk_relay_state> self,
           relay_args args);

} // namespace order_node
