// actors/journal/lease_actor.hpp — a front's partitions of a shared journal
// as they move (issue #28, docs/cluster.md "Several fronts"): every 500 ms,
// on a thread of its own (a round waits for the database), its lease
// keeper (pg_leases.hpp) renews the front's leases and claims free ones;
// the desk resumes the orders of partitions taken and stops those of
// partitions lost; the front's router (actors/cluster/front_router.hpp)
// learns who owns what. At its exit it gives the front's leases up, so that the
// others take them at their next round instead of after a lease.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

class lease_keeper;

/// How often a round runs.
inline constexpr auto lease_round_interval = std::chrono::milliseconds(500);

/// A front's lease actor: rounds on its own timer.
using lease_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

struct lease_state {
  std::shared_ptr<lease_keeper> keeper;
  partition_desk_actor desk;
  owners_watcher router; // routes orders to their partitions' owners
  /// What the router was told last: each partition's owner ("" none) and
  /// the live fronts' names.
  std::vector<std::string> owners;
  std::vector<std::string> fronts;
  std::string failing; // the last round's error, logged once
  static constexpr const char* name = "leases";
};

lease_actor::behavior_type
leases(lease_actor::stateful_pointer<lease_state> self,
       const std::shared_ptr<lease_keeper>& keeper, partition_desk_actor desk,
       owners_watcher router);

/// Spawns the lease actor on a thread of its own; it tells `desk` what
/// moves and `router` who owns what (when that changes).
lease_actor spawn_leases(caf::actor_system& sys,
                         std::shared_ptr<lease_keeper> keeper,
                         partition_desk_actor desk, owners_watcher router);

} // namespace order_node
