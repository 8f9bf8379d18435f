// actors/cluster/link.hpp — a front's link to one services node, and the local
// stand-ins of that node's instances (docs/cluster.md, "Calls on the wire").
//
// An order (or the batched desk) sends a stand-in its calls as it would send
// them to the instance. The stand-in hands each call to its node's link with
// delegate(), so the link holds the caller's own promise. The link queues the
// calls of one scheduling round and sends them to the node's dispatcher in one
// wire_calls message (a lone call leaves after one message to itself, never
// after a timer); the dispatcher's wire_answers come back to the link, which
// answers each caller directly.
//
// CAF 0.17 never fails a request pending on a node that died (only a monitor
// learns of it), so the link monitors the dispatcher and, when the node is
// lost (connection closed, or heartbeats silent: the peer manager retargets
// the link to nothing), fails exactly the calls pending on it: a single call
// with order_errc::node_lost, a batch with node_lost outcomes, which tells
// the caller to try another instance. While its node is down, or for an
// instance the node does not host now, the link answers node_lost at once.
// Calls carry no timeout of their own: the caller bounds its wait (an order
// by its deadline).
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "actors/cluster/relay.hpp"
#include "messages/wire.hpp"

namespace order_node {

/// A stand-in's call, with its slot (the stand-in's number at its link).
template <class Row>
using link_call = typename caf::replies_to<
  uint32_t, typename Row::atom,
  typename Row::request>::template with<typename Row::reply>;

/// A stand-in's batch (the batched engine's), with its slot.
template <class Row>
using link_batch =
  typename caf::replies_to<uint32_t, typename Row::atom,
                           batch_of<Row>>::template with<outcomes_of<Row>>;

/// A stand-in as its link knows it: what it is called in errors ("Main
/// (warehouse) on 127.0.0.1:7001") and the index of its instance in the
/// node's hello (-1: not hosted there now).
struct link_slot {
  std::string what;
  int32_t index = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_slot& x) {
  return f(caf::meta::type_name("link_slot"), x.what, x.index);
}

namespace detail {

template <class Rows>
struct link_interface;

template <class... Rows>
struct link_interface<std::tuple<Rows...>> {
  using type = caf::typed_actor<
    link_call<Rows>..., link_batch<Rows>...,
    caf::replies_to<uint32_t, void_atom, void_request>::with<bool>,
    // The node's answers.
    caf::reacts_to<wire_atom, wire_answers>,
    // From the peer manager: the node's dispatcher (invalid: the node is
    // down, fail what is pending) and its stand-ins, by slot.
    caf::reacts_to<target_atom, dispatcher_actor, std::vector<link_slot>>>;
};

} // namespace detail

using link_actor = typename detail::link_interface<all_services>::type;

/// A link counts its calls in `counters` (read by the peer manager).
link_actor spawn_link(caf::actor_system& sys, relay_counters_ptr counters);

/// The local stand-in of one instance of `Row`'s service on the link's node.
template <class Row>
typename Row::handle spawn_stand_in(caf::actor_system& sys,
                                    const link_actor& link, uint32_t slot);

} // namespace order_node
