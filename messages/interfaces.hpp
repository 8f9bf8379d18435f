// messages/interfaces.hpp — the typed actor interfaces of order-node: what each
// actor accepts and what it answers. One line per message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/cluster_types.hpp"
#include "messages/journal_types.hpp"
#include "messages/order_types.hpp"
#include "messages/service_types.hpp"
#include "messages/stats_types.hpp"

namespace order_node {

// Every service answers one call as a request (the order actor's
// request().then; a refused call is an error of order_errc::transient, a
// lost node order_errc::node_lost) and a batch of calls
// (messages/service_types.hpp): the batched desk sends a call_batch as a
// plain message and gets the call_outcomes back as a plain message, so it
// must accept the outcomes message.

/// A warehouse: is the product in stock? (instances Main, Backup)
using warehouse_actor = caf::typed_actor<
  caf::replies_to<check_atom, inventory_request>::with<inventory_reply>,
  caf::replies_to<check_atom, inventory_batch>::with<inventory_outcomes>>;

/// The payment gateway.
using payment_actor = caf::typed_actor<
  // Authorize an amount.
  caf::replies_to<authorize_atom, payment_request>::with<payment_reply>,
  caf::replies_to<authorize_atom, payment_batch>::with<payment_outcomes>,
  // Cancel an authorization by its key; answers once the void is durable
  // (true: the key was known).
  caf::replies_to<void_atom, void_request>::with<bool>>;

/// The payment gateway's ledger (actors/journal/ledger_actor.hpp): keeps the
/// first answer of every authorization key, committing in groups.
using ledger_actor = caf::typed_actor<
  // Records each entry unless its key has an answer; answers every key's
  // answer (the first), in order, once committed.
  caf::replies_to<authorize_atom,
                  std::vector<ledger_entry>>::with<std::vector<payment_reply>>,
  // Voids a key; answers once committed (true: the key was known).
  caf::replies_to<void_atom, std::string>::with<bool>>;

/// The fraud model: a risk score from 0 to 100.
using fraud_actor = caf::typed_actor<
  caf::replies_to<assess_atom, fraud_request>::with<fraud_reply>,
  caf::replies_to<assess_atom, fraud_batch>::with<fraud_outcomes>>;

/// A shipping carrier: cost and days for a weight (Standard, Economy, ...).
using carrier_actor = caf::typed_actor<
  caf::replies_to<quote_atom, shipping_request>::with<shipping_quote>,
  caf::replies_to<quote_atom, shipping_batch>::with<shipping_outcomes>>;

/// Whoever calls the services: accepts their answers.
using service_caller = caf::typed_actor<
  caf::reacts_to<inventory_outcomes>, caf::reacts_to<payment_outcomes>,
  caf::reacts_to<fraud_outcomes>, caf::reacts_to<shipping_outcomes>>;

/// A service instance and its name ("Main", "Standard", "payment", ...).
template <class Handle>
struct instance_route {
  std::string instance;
  Handle handle;
};

template <class Inspector, class Handle>
typename Inspector::result_type inspect(Inspector& f,
                                        instance_route<Handle>& x) {
  return f(caf::meta::type_name("instance_route"), x.instance, x.handle);
}

/// Every service instance an order may call, as the directory knows them.
/// A service with no instance has an empty list.
struct service_routes {
  std::vector<instance_route<warehouse_actor>> warehouses;
  std::vector<instance_route<payment_actor>> payments;
  std::vector<instance_route<fraud_actor>> frauds;
  std::vector<instance_route<carrier_actor>> carriers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_routes& x) {
  return f(caf::meta::type_name("service_routes"), x.warehouses, x.payments,
           x.frauds, x.carriers);
}

/// A directory's routes at one moment, shared by every order that looked
/// them up: one reference count per lookup instead of a copy. Orders and
/// their directory always live in one process, so this never crosses the
/// network (service_routes itself is registered for that).
using service_routes_ptr = std::shared_ptr<const service_routes>;

} // namespace order_node

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::service_routes_ptr)

namespace order_node {

/// Whoever wants the routes as they change (an order desk).
using routes_watcher = caf::typed_actor<
  // The routes orders use from now on.
  caf::reacts_to<routes_atom, service_routes_ptr>>;

/// Knows where each service instance lives.
using directory_actor = caf::typed_actor<
  // Send me the routes now and whenever they change.
  caf::reacts_to<watch_atom, routes_watcher>,
  // Replaces the routes (a front's peer manager, whenever a peer comes or
  // goes).
  caf::reacts_to<routes_atom, service_routes_ptr>>;

/// The front door for every client.
using order_desk_actor = caf::typed_actor<
  // Run an order (or return the result of its idempotency key).
  caf::replies_to<submit_atom, order_submission>::with<order_result>,
  // Accept an order and answer once it is durable, not waiting for its
  // result (or the id of its idempotency key's order).
  caf::replies_to<send_atom, order_submission>::with<order_accepted>,
  // Where an order stands, by id (from the journal).
  caf::replies_to<get_atom, std::string>::with<journal_lookup>,
  // As get, but for an order in flight answers once it is decided (and
  // its decision committed).
  caf::replies_to<attach_atom, std::string>::with<journal_lookup>,
  // Counters and latency histograms so far.
  caf::replies_to<stats_atom>::with<desk_stats>>;

/// The journal (actors/journal/journal_actor.hpp): records what the desk
/// must not forget (its orders' replies among it), committing in groups.
using journal_actor = caf::typed_actor<
  // Records `ops`; answers once they are committed, with the acceptance
  // numbers of the group's decisions whose order the journal does not hold
  // (they changed nothing), or order_errc::journal_failed.
  caf::replies_to<write_atom, journal_ops>::with<std::vector<uint64_t>>,
  // Where an order stands, by order id (committed records only).
  caf::replies_to<get_atom, std::string>::with<journal_lookup>,
  // As get, but for an order not decided yet answers when its decision is
  // committed.
  caf::replies_to<attach_atom, std::string>::with<journal_lookup>,
  // Counters since start.
  caf::replies_to<stats_atom>::with<journal_stats>>;

/// The journal's reader (actors/journal/journal_reader.hpp): the console's
/// queries, on a connection and a thread of their own, so that they never
/// hold up a commit. It sees committed records only.
using journal_reader_actor = caf::typed_actor<
  // Orders, newest first, filtered and paged.
  caf::replies_to<list_atom, order_query>::with<order_page>,
  // One order's record, its replies and voids, by order id.
  caf::replies_to<history_atom, std::string>::with<order_history>,
  // The decided order of an idempotency key (the desk's repeated keys);
  // accepted.seq 0: none.
  caf::replies_to<key_atom, key_query>::with<journaled_order>>;

/// A front's desk on a shared journal (issue #28), as its lease actor
/// (actors/journal/lease_actor.hpp) tells it what moved.
using partition_desk_actor = caf::typed_actor<
  // The orders of partitions this front just took (unfinished ones, voids
  // still owed): they resume as at a start.
  caf::reacts_to<resume_atom, std::vector<journaled_order>,
                 std::vector<journal_void>>,
  // Partitions this front lost (by number): their orders in flight stop
  // here, without a decision; their clients get order_errc::not_owner.
  caf::reacts_to<drop_atom, std::vector<int32_t>>>;

/// Who owns a shared journal's partitions, each lease round (issue #28):
/// each partition's owner ("" none) and the live fronts.
using owners_watcher
  = caf::typed_actor<caf::reacts_to<owners_atom, std::vector<std::string>,
                                    std::vector<front_entry>>>;

/// A node's view of its peers (front and client roles).
using peers_actor = caf::typed_actor<
  // Every configured peer, in configuration order.
  caf::replies_to<nodes_atom>::with<std::vector<peer_info>>,
  // Answers once every peer is up or has failed its first attempt; the
  // answer counts the peers that are up.
  caf::replies_to<ready_atom>::with<int32_t>>;

} // namespace order_node
