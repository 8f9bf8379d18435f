// messages/wire.hpp — what nodes say to each other: who they are (hello, with
// what they host, and heartbeats) and the calls of a front to a services node
// (docs/cluster.md, "Calls on the wire"). The calls a front has for one
// services node in one scheduling round travel in one `wire_calls` message to
// that node's dispatcher, and the answers come back in `wire_answers`
// messages, at most one per round. Each call keeps the front's id, echoed in
// its answer; `instance` is the index of the instance in the node's hello
// (node_info::routes, for the call's service).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "messages/service_table.hpp"

namespace order_node {

/// One call (or one desk batch of calls) for one instance.
template <class Payload>
struct wire_call {
  uint64_t id = 0;
  uint32_t instance = 0;
  Payload payload;
};

template <class Inspector, class Payload>
typename Inspector::result_type inspect(Inspector& f, wire_call<Payload>& x) {
  return f(caf::meta::type_name("wire_call"), x.id, x.instance, x.payload);
}

/// The answer to the call `id`.
template <class Payload>
struct wire_answer {
  uint64_t id = 0;
  Payload payload;
};

template <class Inspector, class Payload>
typename Inspector::result_type inspect(Inspector& f, wire_answer<Payload>& x) {
  return f(caf::meta::type_name("wire_answer"), x.id, x.payload);
}

/// The calls of one service in a wire_calls: an order actor's single calls
/// and the batched engine's batches.
template <class Row>
struct wire_row_calls {
  std::vector<wire_call<typename Row::request>> single;
  std::vector<wire_call<std::vector<typename Row::request>>> batches;
  bool empty() const { return single.empty() && batches.empty(); }
};

template <class Inspector, class Row>
typename Inspector::result_type inspect(Inspector& f, wire_row_calls<Row>& x) {
  return f(caf::meta::type_name("wire_row_calls"), x.single, x.batches);
}

/// Their answers: one outcome per single call (the reply, or the service's
/// transient error), one outcome per call of a batch, in the batch's order.
template <class Row>
struct wire_row_answers {
  using outcome = call_outcome<typename Row::reply>;
  std::vector<wire_answer<outcome>> single;
  std::vector<wire_answer<std::vector<outcome>>> batches;
  bool empty() const { return single.empty() && batches.empty(); }
};

template <class Inspector, class Row>
typename Inspector::result_type inspect(Inspector& f,
                                        wire_row_answers<Row>& x) {
  return f(caf::meta::type_name("wire_row_answers"), x.single, x.batches);
}

/// A front's calls for one services node, sent together.
struct wire_calls {
  per_service<wire_row_calls> rows;
  std::vector<wire_call<void_request>> voids; // payment instances
  size_t size() const;                        // calls in it
  bool empty() const { return size() == 0; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_calls& x) {
  return x.rows.apply([&](auto&... rows) {
    return f(caf::meta::type_name("wire_calls"), rows..., x.voids);
  });
}

/// A services node's answers for one front, sent together. `failed` holds
/// calls the node could not hand to an instance (an index it does not
/// host) and voids the gateway refused.
struct wire_answers {
  per_service<wire_row_answers> rows;
  std::vector<wire_answer<bool>> voids;
  std::vector<wire_answer<caf::error>> failed;
  bool empty() const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_answers& x) {
  return x.rows.apply([&](auto&... rows) {
    return f(caf::meta::type_name("wire_answers"), rows..., x.voids, x.failed);
  });
}

inline size_t wire_calls::size() const {
  size_t n = voids.size();
  rows.each([&](auto, auto& r) { n += r.single.size() + r.batches.size(); });
  return n;
}

inline bool wire_answers::empty() const {
  bool none = voids.empty() && failed.empty();
  rows.each([&](auto, auto& r) { none = none && r.empty(); });
  return none;
}

/// Whoever sends a dispatcher calls (a front's link): takes the answers.
using wire_caller = caf::typed_actor<caf::reacts_to<wire_atom, wire_answers>>;

/// A services node's dispatcher: hands a front's calls to the node's
/// instances and sends the answers to the sender of the calls, the answers
/// of one round together.
using dispatcher_actor
  = caf::typed_actor<caf::reacts_to<wire_atom, wire_calls>>;

/// What a node publishes on --listen: who it is and what it hosts.
struct node_info {
  std::string name;            // role@host:port
  std::string role;            // "services" or "front"
  service_routes routes;       // the instances it hosts (services role)
  dispatcher_actor dispatcher; // takes the calls for them (services role)
  order_desk_actor desk;       // its order desk (front role), else invalid
  /// A front on a shared journal: its desk itself, which runs the orders of
  /// its partitions; other fronts forward theirs there (desk routes by
  /// partition). Else invalid.
  order_desk_actor local_desk;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.name, x.role, x.routes,
           x.dispatcher, x.desk, x.local_desk);
}

/// A node as its peers see it (published by the services and front roles).
using node_actor = caf::typed_actor<
  // Introduce yourself; the argument is the caller's protocol fingerprint
  // (order_errc::incompatible if it differs from this node's).
  caf::replies_to<hello_atom, std::string>::with<node_info>,
  // Heartbeat: answers its argument at once.
  caf::replies_to<ping_atom, int64_t>::with<int64_t>>;

} // namespace order_node
