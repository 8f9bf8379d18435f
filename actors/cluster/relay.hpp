// actors/cluster/relay.hpp — a local stand-in for a service instance (or an
// order desk) on another node. An order sends the relay its calls (an order
// actor's single requests, a desk's call batches) as it would send them to
// the instance; the relay forwards each and remembers it until the answer
// comes back. CAF 0.17 never fails a request pending on a node that died
// (only a monitor learns of it), so the relay monitors its target and, when
// the node is lost, answers everything pending at once: a batch with
// node_lost outcomes, a single call or a forwarded order submission with
// order_errc::node_lost, which tells the caller to try another instance.
// While its node is down the relay answers node_lost immediately.
//
// Forwarded calls carry no timeout of their own (one clock entry per call
// was a measurable cost): a call ends with its answer, with node_lost when
// the node is lost (connection closed or heartbeats silent), and the caller
// bounds its own wait (an order by its deadline, the REPL by its timeout).
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

/// Calls (not batches) of every relay of one peer, read by the peer manager
/// (`nodes`).
struct relay_counters {
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> calls{0};
};

using relay_counters_ptr = std::shared_ptr<relay_counters>;

/// Each relay accepts its target's interface plus `target`: a new handle of
/// the remote actor (an invalid one: the node is down; fail what is pending).
template <class Handle>
using relay_actor =
  typename Handle::template extend<caf::reacts_to<target_atom, Handle>>;

/// A forwarded message waiting for its answer, and how to fail it.
struct relay_call {
  caf::response_promise promise;
  uint64_t batch = 0; // a call batch's id (service relays)
  size_t calls = 0;   // and its size
  void (*fail)(relay_call&, const caf::error&) = nullptr;
  /// What it counts for in relay_counters: its calls (a submission is one).
  int64_t weight() const { return calls > 0 ? static_cast<int64_t>(calls) : 1; }
};

template <class Handle>
struct relay_state {
  Handle target;    // invalid while the node is down
  std::string what; // "payment on services@127.0.0.1:7001", for errors
  relay_counters_ptr counters;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, relay_call> pending;
  static constexpr const char* name = "relay";
};

/// What every relay starts with.
struct relay_args {
  std::string what;
  relay_counters_ptr counters;
};

template <class Handle>
using relay_self =
  typename relay_actor<Handle>::template stateful_pointer<relay_state<Handle>>;

/// The relay of an instance of the service of `Row` (a row of messages/
/// service_table.hpp): its single calls, its call batches and, for payment,
/// its voids.
template <class Row>
typename relay_actor<typename Row::handle>::behavior_type
service_relay(relay_self<typename Row::handle> self, relay_args args);

typename relay_actor<order_desk_actor>::behavior_type
desk_relay(relay_self<order_desk_actor> self, relay_args args);

} // namespace order_node
