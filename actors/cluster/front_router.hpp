// actors/cluster/front_router.hpp — a front's door on a shared journal
// (issue #28, docs/cluster.md "Several fronts"): any front takes any order
// and hands it to the front that owns its partition. HTTP, the REPL and
// remote clients talk to the router as to a desk; an order whose partition
// is this front's goes to its own desk, another front's to that front's
// desk over CAF (it finds the fronts in the journal: its lease actor tells
// it who owns what each round, actors/journal/lease_actor.hpp). An order
// whose partition has no owner right now (a front just died) waits for one
// up to `hold` (5 s), then gets order_errc::not_owner (HTTP 503 with
// Retry-After). A keyed order sent to two fronts at once reaches one owner:
// one order, and both callers get its answer.
#pragma once

#include <chrono>
#include <string>

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include "messages/interfaces.hpp"
#include "messages/wire.hpp"

namespace order_node {

struct front_router_config {
  std::string me;         // this front's name (its --listen as given)
  order_desk_actor local; // this front's desk
  int32_t partitions = 64;
  /// Connects to the other fronts' --listen addresses.
  caf::io::middleman_actor connector;
  std::string fingerprint; // protocol_fingerprint() of this build
  caf::timespan connect_timeout = std::chrono::seconds(2);
  /// How long an order without an owner waits for one.
  caf::timespan hold = std::chrono::seconds(5);
  /// Bounds a forwarded order's answer (the owner answers by its deadline).
  caf::timespan forward_timeout = std::chrono::seconds(10);
};

/// The router: a desk to its callers, an owners watcher to the lease actor,
/// and its own tick (held orders, connections).
using front_router_actor = order_desk_actor::extend_with<
  owners_watcher>::extend<caf::reacts_to<tick_atom>>;

front_router_actor spawn_front_router(caf::actor_system& sys,
                                      front_router_config cfg);

} // namespace order_node
