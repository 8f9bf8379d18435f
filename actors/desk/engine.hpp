// actors/desk/engine.hpp — how a desk runs the orders it accepted
// (--engine): the desk admits, keys, journals and answers; its engine
// carries each order's calls and tells the desk its result
// (finish_order(), order_desk.hpp).
//
// - actor (default, actor_engine.cpp): an order actor per order
//   (actors/order/order_actor.hpp), the design card's shape;
// - batched (batched_engine.cpp): the orders live in the desk's table and
//   their calls leave as one batch per service instance and round.
//
// Both run the same order_machine (actors/order/order_machine.hpp), so the
// same seed and input give the same answers.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "actors/desk/deadline_queue.hpp"
#include "actors/desk/desk_actor.hpp"
#include "actors/order/order_machine.hpp"
#include "messages/service_table.hpp"

namespace order_node {

/// The batched answers of any service (one pointer type per row).
using any_outcomes = rows_as<std::variant, outcomes_ptr>;

class desk_engine {
 public:
  virtual ~desk_engine();

  /// Runs order `job` (new, or resumed from the journal) for `client`; it
  /// starts once the routes allow (ready_to_start(), order_desk.hpp).
  virtual void launch(order_kind kind, order_job job, order_client client) = 0;

  /// Every order past its deadline decides with what it has; whatever
  /// else of the engine is due at `now` is done.
  virtual void expire_due(order_time now) = 0;

  /// When expire_due() next has something to do; none: nothing pending.
  virtual std::optional<order_time> next_due() const = 0;

  /// The desk has new routes: orders that waited for them start.
  virtual void routes_changed() = 0;

  /// Orders launched and not finished.
  virtual size_t in_flight() const = 0;

  /// Whether order `id` is in flight.
  virtual bool running(uint64_t id) const = 0;

  /// The journal committed order `id`'s acceptance: its payment may go.
  virtual void recorded(uint64_t id) = 0;

  /// Order `id` decides now with what it has (its acceptance could not be
  /// recorded).
  virtual void expire(uint64_t id) = 0;

  /// The orders of partitions `lost` (ascending) stop now, without a
  /// decision (another front owns them: it resumes them); their clients.
  virtual std::vector<order_client> abandon(const std::vector<int32_t>& lost)
    = 0;

  // The engine's own messages, which the desk hands on; the other engine
  // never gets them.

  /// An order actor's result.
  virtual void on_done(uint64_t id, order_result& r);
  /// A batched order's retry of `slot` is due.
  virtual void retry(uint64_t id, int32_t slot);
  /// The queued calls leave.
  virtual void flush();
  /// A service's answers to one batch.
  virtual void on_outcomes(any_outcomes x);
};

} // namespace order_node
