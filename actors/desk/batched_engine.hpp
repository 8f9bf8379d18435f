// actors/desk/batched_engine.hpp — the batched engine (--engine=batched): the
// desk runs its orders (actors/order/order_machine.hpp) in a table
// (order_table.hpp) and carries their calls itself. Calls are queued per
// service instance (outbox.hpp, one outbox per row of messages/
// service_table.hpp) and leave as one call_batch per instance when the desk
// reaches its own `flush` message; the outcomes come back as one message per
// batch and are handed to the orders by call tag (order, slot, attempt). An
// order costs no spawn and no mailbox, and the calls of all the desk's orders
// share the messages each way. A batch that a service never answers (it
// died) is forgotten once every order in it has passed its deadline.
#pragma once

#include <unordered_map>
#include <vector>

#include "actors/desk/engine.hpp"
#include "actors/desk/order_table.hpp"
#include "actors/desk/outbox.hpp"
#include "actors/support/pending_message.hpp"

namespace order_node {

/// A row's outbox: calls to its instances, by handle.
template <class Service>
using service_outbox
  = outbox<typename Service::handle, typename Service::request>;

class batched_engine final : public desk_engine {
 public:
  explicit batched_engine(desk_self self) : self_(self) {}

  void launch(order_kind kind, order_job job, order_client client) override;
  void expire_due(order_time now) override;
  std::optional<order_time> next_due() const override;
  void routes_changed() override;
  size_t in_flight() const override { return running_.size(); }
  bool running(uint64_t id) const override;
  void recorded(uint64_t id) override;
  void expire(uint64_t id) override;
  std::vector<order_client> abandon(const std::vector<int32_t>& lost) override;
  void retry(uint64_t id, int32_t slot) override;
  void flush() override;
  void on_outcomes(any_outcomes x) override;

  /// Batches sent and not answered or forgotten yet (tests).
  size_t batches_pending() const { return batches_.size(); }
  size_t batch_expiries() const { return batch_expiry_.size(); }

 private:
  class context;
  template <class Reply>
  void apply(call_outcomes<Reply>& x);

  desk_self self_;
  order_table running_;
  std::vector<uint64_t> unrouted_; // waiting for routes, in acceptance order
  deadline_queue deadlines_;
  per_service<service_outbox> outboxes_; // calls since the last flush
  pending_message flush_;
  /// Batches sent and not answered yet: which calls they carry.
  std::unordered_map<uint64_t, std::vector<call_tag>> batches_;
  uint64_t next_batch_ = 0;
  /// (expiry, batch) in send order: by its expiry (send time plus the
  /// deadline) every order of a batch has passed its deadline; entries of
  /// answered batches are dropped when they come due.
  deadline_queue batch_expiry_;
};

} // namespace order_node
