// actors/desk/desk_router.hpp — one order desk made of several (shards), so
// that orders run on every core: a desk is one actor and runs on one thread at
// a time. The router is what clients see as the desk (the same interface): an
// order with an idempotency key always goes to the same shard, so
// deduplication stays exact; every other order goes round robin and gets its
// `seq:N` key here, in arrival order, as from a single desk. `stats` merges
// the shards' counters. Each shard bounds its share of the orders in flight
// (shards = min(shards, max_in_flight); the shares add up to the bound), so
// the node may answer "overloaded" up to shards - 1 orders before its bound.
// Interface: messages/interfaces.hpp (order_desk_actor).
#pragma once

#include <cstdint>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/desk/client_keys.hpp"
#include "actors/desk/desk_config.hpp"

namespace order_node {

struct desk_router_state {
  std::vector<order_desk_actor> shards;
  uint64_t next_seq = 0;
  uint64_t next_shard = 0;
  client_keys clients;
  static constexpr const char* name = "desk_router";
};

/// The router's interface: the desk's, and the partitions of a shared
/// journal as they move (to the shards their orders' keys go to).
using desk_router_actor = order_desk_actor::extend_with<partition_desk_actor>;

desk_router_actor::behavior_type
desk_router(desk_router_actor::stateful_pointer<desk_router_state> self,
            std::vector<order_desk_actor> shards);

/// Spawns the desk of a node: one order desk, or `cfg.shards` of them
/// behind a router (the shards quit with it).
order_desk_actor spawn_desk(caf::actor_system& sys, directory_actor directory,
                            desk_config cfg);

/// Adds `x` into `into` (counters, histograms, per status and instance).
void merge_stats(desk_stats& into, const desk_stats& x);

} // namespace order_node
