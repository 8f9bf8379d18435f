// actors/desk/actor_engine.hpp — the default engine (--engine=actor), the
// design card's shape: the desk spawns an order actor per order
// (actors/order/order_actor.hpp) with the routes it has, and the order makes
// its own request().then calls and sends its result back (`done`). An order
// accepted before the routes allow it waits unspawned, with its job, until
// they do or its deadline comes. At the deadline the desk sends the actor
// `expire`; an actor that still says nothing one deadline later has died
// (a bug, or its node's shutdown), and its clients get an error.
#pragma once

#include <unordered_map>
#include <vector>

#include "actors/desk/engine.hpp"
#include "actors/order/order_actor.hpp"

namespace order_node {

class actor_engine final : public desk_engine {
 public:
  explicit actor_engine(desk_self self) : self_(self) {}

  void launch(order_kind kind, order_job job, order_client client) override;
  void expire_due(order_time now) override;
  std::optional<order_time> next_due() const override;
  void routes_changed() override;
  size_t in_flight() const override { return spawned_.size(); }
  bool running(uint64_t id) const override { return spawned_.count(id) > 0; }
  void recorded(uint64_t id) override;
  void expire(uint64_t id) override;
  std::vector<order_client> abandon(const std::vector<int32_t>& lost) override;
  void on_done(uint64_t id, order_result& r) override;

 private:
  /// An order of this engine: its actor (invalid until spawned) and who
  /// waits for its result.
  struct spawned_order {
    order_kind kind = order_kind::parallel;
    order_client client;
    order_actor actor;
    bool expired = false; // sent `expire`; the next due time is the last
    uint64_t seq = 0;     // in the journal
    int32_t part = -1;    // of a shared journal
  };
  using iterator = std::unordered_map<uint64_t, spawned_order>::iterator;

  void spawn(uint64_t id, spawned_order& entry, order_job job);
  void fail(iterator i);
  order_job take_unspawned(uint64_t id);

  desk_self self_;
  std::unordered_map<uint64_t, spawned_order> spawned_;
  /// Jobs of orders that wait for routes (spawned_ has their entry).
  std::unordered_map<uint64_t, order_job> unspawned_;
  std::vector<uint64_t> unrouted_; // their ids, in acceptance order
  uint64_t next_id_ = 0;
  deadline_queue deadlines_;
};

} // namespace order_node
