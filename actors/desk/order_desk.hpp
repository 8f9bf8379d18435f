// actors/desk/order_desk.hpp — the front door for every client (REPL, HTTP,
// remote nodes). The desk is made of parts, one concern each:
//
//   admission.*     validation, the order key and id, the in-flight bound
//                   (beyond it "overloaded" at once), the acceptance record;
//                   recovery.cpp resumes what a journal holds at start
//   keys.*          idempotency keys: one order per key and body
//   commit_gate.*   nothing leaves before the journal holds it
//   engine.hpp      the engine that runs the orders: actor_engine.* (an
//                   order actor each, the default) or batched_engine.*
//   counters.*      orders and calls counted, for `stats`
//   voids.*         payment voids owed by failed orders
//
// Routes: the desk watches its directory, which sends the routes at once and
// again whenever they change; orders accepted before the first routes wait
// for them (within their deadline).
//
// Deadlines without a timer per order: the engines keep their deadlines in
// deadline queues (deadline_queue.hpp); the desk runs one timer for the
// earliest, rounded up to a tick of `deadline_tick`, and on it every order
// past its deadline decides with what it has and answers.
// Interface: messages/interfaces.hpp (order_desk_actor).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "actors/desk/client_keys.hpp"
#include "actors/desk/commit_gate.hpp"
#include "actors/desk/counters.hpp"
#include "actors/desk/desk_actor.hpp"
#include "actors/desk/desk_config.hpp"
#include "actors/desk/engine.hpp"
#include "actors/desk/keys.hpp"
#include "actors/desk/voids.hpp"

namespace order_node {

struct desk_state {
  desk_config cfg;
  std::shared_ptr<const order_params> params;
  service_routes_ptr routes; // the directory's latest; null until it spoke
  std::unique_ptr<desk_engine> engine;
  key_book keys;
  commit_gate gate;
  desk_counters counters;
  owed_voids voids;
  client_keys clients;   // with cfg.scope_clients
  uint64_t next_seq = 0; // of the order keys seq:N
  pending_message tick;
  static constexpr const char* name = "order_desk";
};

order_desk_impl::behavior_type
order_desk(desk_self self, const directory_actor& directory, desk_config cfg);

/// Whether an order can start with the routes the desk has: a new one once
/// the directory has spoken, a resumed one once its services are all
/// reachable (a restarted front connects to its services nodes after it
/// resumed its orders: they wait, within their fresh deadline, rather than
/// fail for want of them).
bool ready_to_start(const desk_state& st, const order_job& job);

/// Makes sure one tick is scheduled for the engine's next due time.
void schedule_tick(desk_self self);

/// Counts `r` and answers the clients of an order: its promise, or those
/// waiting on its idempotency key. From then on the journal answers for
/// the key if the desk has its reader and the decision is committed
/// (`journaled`); else the desk keeps the key with `r`.
void answer_clients(desk_self self, order_kind kind, order_client& client,
                    order_result r, bool journaled);

} // namespace order_node
