// actors/desk/batched_engine.cpp — see batched_engine.hpp.
#include "actors/desk/batched_engine.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/desk/commit_gate.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/order/calls.hpp"
#include "actors/support/log.hpp"

namespace order_node {

/// The order machine's engine inside the desk: its calls go to the outboxes,
/// its retries are delayed messages to the desk, its result goes to
/// finish_order().
class batched_engine::context final : public order_context {
 public:
  explicit context(batched_engine& e) : e_(e) {}

  size_t instances(check service, const std::string& instance) override {
    auto& routes = e_.self_->state.routes;
    return routes ? count_instances(*routes, service, instance) : 0;
  }

  bool send(order_machine& o, const call_ticket& t) override {
    auto& st = e_.self_->state;
    return st.routes
           && pick_call(*st.routes, o.job(), *st.params, t,
                        [&](auto row, auto to, auto req) {
                          e_.outboxes_.of(row).add(to, std::move(req),
                                                   {o.id, t.slot, t.attempt});
                          // Behind every message already in the mailbox:
                          // under load, the calls of many orders leave
                          // together.
                          e_.flush_.send(e_.self_, flush_atom::value);
                        });
  }

  void retry_later(order_machine& o, int32_t slot,
                   order_duration delay) override {
    e_.self_->delayed_send(e_.self_, delay, retry_atom::value, o.id, slot);
  }

  void complete(order_machine& o, order_result&& r) override {
    auto* run = e_.running_.find(o.id);
    if (run == nullptr)
      return; // answered already
    auto kind = run->kind();
    auto seq = run->job().seq;
    auto client = std::move(run->client);
    e_.running_.erase(o.id);
    finish_order(e_.self_, kind, seq, std::move(client), std::move(r));
  }

  void journal_reply(order_machine&, struct journal_reply&& r) override {
    journal(e_.self_, std::move(r));
  }

 private:
  batched_engine& e_;
};

void batched_engine::launch(order_kind kind, order_job job,
                            order_client client) {
  auto& st = self_->state;
  auto& o = running_.add();
  auto id = o.id;
  if (job.awaiting_record)
    await_record(self_, id, job.seq);
  o.init(kind, std::move(job), *st.params);
  o.client = std::move(client);
  deadlines_.push(o.deadline(), id);
  schedule_tick(self_);
  if (ready_to_start(st, o.job())) {
    context ctx{*this};
    o.start(ctx, self_->clock().now()); // may finish it: `o` is gone then
  } else {
    unrouted_.push_back(id);
  }
}

void batched_engine::expire_due(order_time now) {
  context ctx{*this};
  deadlines_.pop_due(now, [&](uint64_t id) {
    if (auto* o = running_.find(id)) // else finished in time, as usual
      o->expire(ctx, now);
  });
  batch_expiry_.pop_due(now, [&](uint64_t batch) {
    batches_.erase(batch); // else answered, as usual
  });
}

std::optional<order_time> batched_engine::next_due() const {
  return earliest(deadlines_.next(), batch_expiry_.next());
}

void batched_engine::routes_changed() {
  auto waiting = std::move(unrouted_);
  unrouted_.clear();
  context ctx{*this};
  for (auto id : waiting)
    if (auto* o = running_.find(id)) {
      if (ready_to_start(self_->state, o->job()))
        o->start(ctx, self_->clock().now());
      else
        unrouted_.push_back(id);
    }
}

bool batched_engine::running(uint64_t id) const {
  return running_.contains(id);
}

void batched_engine::recorded(uint64_t id) {
  if (auto* o = running_.find(id)) {
    context ctx{*this};
    o->on_recorded(ctx, self_->clock().now());
  }
}

void batched_engine::expire(uint64_t id) {
  if (auto* o = running_.find(id)) {
    context ctx{*this};
    o->expire(ctx, self_->clock().now()); // may finish it
  }
}

std::vector<order_client>
batched_engine::abandon(const std::vector<int32_t>& lost) {
  std::vector<order_client> out;
  std::vector<uint64_t> gone;
  running_.each([&](order_run& o) {
    if (std::binary_search(lost.begin(), lost.end(), o.job().part)) {
      out.push_back(std::move(o.client));
      gone.push_back(o.id);
    }
  });
  // Their calls' answers find no order and are dropped; the new owner
  // asks again, with the same authorization key.
  for (auto id : gone)
    running_.erase(id);
  return out;
}

void batched_engine::retry(uint64_t id, int32_t slot) {
  if (auto* o = running_.find(id)) {
    context ctx{*this};
    o->retry(ctx, slot, self_->clock().now());
  }
}

void batched_engine::flush() {
  flush_.arrived();
  // Every order with a call in these batches was accepted by now, so its
  // deadline comes before this.
  auto expires = self_->clock().now() + self_->state.params->deadline;
  outboxes_.each([&](auto row, auto& out) {
    using row_type = decltype(row);
    out.flush([&](const typename row_type::handle& to,
                  std::vector<typename row_type::request>&& calls,
                  std::vector<call_tag>&& tags) {
      auto id = ++next_batch_;
      batches_.emplace(id, std::move(tags));
      batch_expiry_.push(expires, id);
      self_->send(to, typename row_type::atom{},
                  batch_of<row_type>{id, std::move(calls)});
    });
  });
}

void batched_engine::on_outcomes(any_outcomes x) {
  std::visit([&](auto* outcomes) { apply(*outcomes); }, x);
}

template <class Reply>
void batched_engine::apply(call_outcomes<Reply>& x) {
  auto i = batches_.find(x.id);
  if (i == batches_.end())
    return; // not ours, or answered already
  auto tags = std::move(i->second);
  batches_.erase(i);
  if (x.outcomes.size() != tags.size())
    node_log().error("a service answered {} of {} calls; the rest time out",
                     x.outcomes.size(), tags.size());
  auto n = std::min(x.outcomes.size(), tags.size());
  auto now = self_->clock().now();
  context ctx{*this};
  for (size_t k = 0; k < n; ++k) {
    auto& tag = tags[k];
    auto* o = running_.find(tag.order);
    if (o == nullptr)
      continue; // decided at its deadline: a late reply
    auto& out = x.outcomes[k];
    if (out.status == call_status::ok)
      o->on_answer(ctx, tag.slot, tag.attempt, std::move(out.reply), now);
    else
      o->on_error(ctx, tag.slot, tag.attempt,
                  out.status == call_status::node_lost, std::move(out.error),
                  now);
  }
}

} // namespace order_node
