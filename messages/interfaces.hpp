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
#include "messages/order_types.hpp"
#include "messages/service_types.hpp"
#include "messages/stats_types.hpp"

namespace order_node {

/// A warehouse: is the product in stock? (instances Main, Backup)
using warehouse_actor = caf::typed_actor<
  caf::replies_to<check_atom, inventory_request>::with<inventory_reply>>;

/// The payment gateway.
using payment_actor = caf::typed_actor<
  // Authorize an amount; a transient error is a caf::error.
  caf::replies_to<authorize_atom, payment_request>::with<payment_reply>,
  // Cancel an authorization (fire and forget).
  caf::reacts_to<void_atom, void_request>>;

/// The fraud model: a risk score from 0 to 100.
using fraud_actor = caf::typed_actor<
  caf::replies_to<assess_atom, fraud_request>::with<fraud_reply>>;

/// A shipping carrier: cost and days for a weight (Standard, Economy, ...).
using carrier_actor = caf::typed_actor<
  caf::replies_to<quote_atom, shipping_request>::with<shipping_quote>>;

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

/// Knows where each service instance lives.
using directory_actor = caf::typed_actor<
  // The routes orders use now.
  caf::replies_to<lookup_atom>::with<service_routes_ptr>,
  // Replaces the routes (a front's peer manager, whenever a peer comes or
  // goes).
  caf::reacts_to<routes_atom, service_routes_ptr>>;

/// One order (parallel or sequential): runs once, answers, quits.
using order_actor = caf::typed_actor<
  // Look up the services, call them, decide and answer.
  caf::replies_to<run_atom>::with<order_result>,
  // The deadline has passed: decide now with what has arrived.
  caf::reacts_to<deadline_atom>>;

/// The front door for every client.
using order_desk_actor = caf::typed_actor<
  // Run an order (or return the result of its idempotency key).
  caf::replies_to<submit_atom, order_submission>::with<order_result>,
  // Counters and latency histograms so far.
  caf::replies_to<stats_atom>::with<desk_stats>>;

/// What a node publishes on --listen: who it is and what it hosts.
struct node_info {
  std::string name;      // role@host:port
  std::string role;      // "services" or "front"
  service_routes routes; // the instances it hosts (services role)
  order_desk_actor desk; // its order desk (front role), else invalid
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.name, x.role, x.routes, x.desk);
}

/// A node as its peers see it (published by the services and front roles).
using node_actor = caf::typed_actor<
  // Introduce yourself; the argument is the caller's protocol fingerprint
  // (order_errc::incompatible if it differs from this node's).
  caf::replies_to<hello_atom, std::string>::with<node_info>,
  // Heartbeat: answers its argument at once.
  caf::replies_to<ping_atom, int64_t>::with<int64_t>>;

/// A node's view of its peers (front and client roles).
using peers_actor = caf::typed_actor<
  // Every configured peer, in configuration order.
  caf::replies_to<nodes_atom>::with<std::vector<peer_info>>,
  // Answers once every peer is up or has failed its first attempt; the
  // answer counts the peers that are up.
  caf::replies_to<ready_atom>::with<int32_t>>;

} // namespace order_node
