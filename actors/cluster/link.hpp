// actors/cluster/link.hpp — a front's link to one services node, and the local
// stand-ins of that node's instances (docs/cluster.md, "Calls on the wire").
//
// An order (or the batched desk) sends a stand-in its calls as it would send
// them to the instance. A stand-in has no mailbox of its own: its enqueue()
// runs on the caller's thread and puts the call, with the stand-in's slot,
// in its link's call queue, and wakes the link with one `drain` message when
// the queue was empty. The link takes everything queued, keeps each caller's
// promise, and sends the calls of one scheduling round to the node's
// dispatcher in one wire_calls message (a lone call leaves after one message
// to itself, never after a timer); the dispatcher's wire_answers come back to
// the link, which answers each caller directly.
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
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>

#include "actors/cluster/relay.hpp"
#include "messages/wire.hpp"

namespace order_node {

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

/// The calls a link's stand-ins queued for it (link.cpp).
struct call_queue;

using link_actor = caf::typed_actor<
  // Its stand-ins queued calls (sent by the stand-in that found the queue
  // empty).
  caf::reacts_to<drain_atom>,
  // The node's answers.
  caf::reacts_to<wire_atom, wire_answers>,
  // From the peer manager: the node's dispatcher (invalid: the node is
  // down, fail what is pending) and its stand-ins, by slot.
  caf::reacts_to<target_atom, dispatcher_actor, std::vector<link_slot>>>;

/// A link and the queue its stand-ins put their calls in.
struct link_ref {
  link_actor actor;
  std::shared_ptr<call_queue> queue;
};

/// A link counts its calls in `counters` (read by the peer manager).
link_ref spawn_link(caf::actor_system& sys, relay_counters_ptr counters);

/// The local stand-in of one instance of `Row`'s service on the link's node
/// (an actor without a mailbox; it lives as long as a handle to it).
template <class Row>
typename Row::handle spawn_stand_in(caf::actor_system& sys,
                                    const link_ref& link, uint32_t slot);

} // namespace order_node
