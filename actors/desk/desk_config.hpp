// actors/desk/desk_config.hpp — what a desk is started with: its engine, its
// bounds and windows, its journal, and what recovery found. The program
// (node/) builds it from the options; the desk (order_desk.hpp) takes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/journal/journal_store.hpp"
#include "actors/journal/partition_epochs.hpp"
#include "actors/order/order_machine.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// How a desk runs its orders: one actor per order (the design card's
/// shape) or as state machines in its own table with batched calls.
enum class order_engine : uint8_t { actor, batched };

const char* to_string(order_engine x);

/// "actor" or "batched"; false for anything else.
bool from_string(const std::string& text, order_engine& x);

struct desk_config {
  order_engine engine = order_engine::actor;
  uint64_t seed = 0; // order ids are derived from (seed, order key)
  int64_t max_in_flight = 100'000; // of the node: a shard takes its share
  int32_t shards = 1;  // desks sharing the orders (actors/desk/desk_router.hpp)
  int64_t share = 0;   // this shard's bound; 0: all of max_in_flight
  bool metrics = true; // count orders and calls (stats); false: zeros
  caf::timespan dedup_window = std::chrono::minutes(10);
  /// Without the journal's reader: idempotency keys remembered after their
  /// order finished, at most, of the node (spawn_desk gives each shard its
  /// share). With it the journal remembers them, for dedup_window.
  size_t dedup_capacity = 100'000;
  order_params order;
  /// Deadlines due within one tick share one timer.
  caf::timespan deadline_tick = std::chrono::milliseconds(1);
  /// The journal (invalid: --journal=off, nothing is journaled).
  journal_actor journal;
  /// On a shared journal (issue #28): the partitions this front owns. The
  /// desk runs the orders of those only; null: the journal has none.
  std::shared_ptr<const partition_epochs> partitions;
  /// Its reader: with it, the desk keeps the idempotency keys of orders in
  /// flight only, and asks the journal about any other key before it runs
  /// an order for it; without it (no journal, or a test's desk), the desk
  /// keeps finished keys and their results in memory (dedup_capacity).
  journal_reader_actor reader;
  /// This start's run of the journal: from the second on, the order keys
  /// the desk or its clients number (seq:N, line:N) are prefixed "rRUN:",
  /// so that no order id repeats within a journal.
  int64_t run = 1;
  /// Whether this desk numbers the order keys of remote clients
  /// (client_keys.hpp): a lone desk does, the shards behind a router not.
  bool scope_clients = true;
  /// The node's next acceptance number, shared by its shards (one atomic
  /// increment an order), so that the journal's numbers follow the order
  /// of acceptance across shards: "newest first" lists are in time order.
  /// Null: the desk counts alone, from first_seq.
  std::shared_ptr<std::atomic<uint64_t>> acceptances;
  uint64_t first_seq = 1;
  /// From recovery: orders to resume, decided orders whose idempotency
  /// key is remembered, and payment voids not acknowledged.
  std::vector<journaled_order> resume;
  std::vector<journaled_order> keyed;
  std::vector<journal_void> voids;
};

} // namespace order_node
