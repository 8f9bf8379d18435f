// actors/order_desk.cpp — see order_desk.hpp.
#include "actors/order_desk.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "actors/order.hpp"
#include "actors/order_sequential.hpp"
#include "actors/outcome.hpp"
#include "messages/errors.hpp"
#include "messages/json_codec.hpp"

namespace order_node {

namespace {

using desk_self = order_desk_actor::stateful_pointer<desk_state>;

void count(desk_state& st, order_kind kind, const order_result& r) {
  for (auto& s : st.stats)
    if (s.kind == kind && s.status == r.status) {
      s.latency.observe(r.processing_time_us);
      return;
    }
  st.stats.push_back(status_stats{kind, r.status, {}});
  st.stats.back().latency.observe(r.processing_time_us);
}

// Forgets results whose window has passed, and the oldest beyond capacity.
void expire(desk_state& st, caf::actor_clock::time_point now) {
  while (!st.done_order.empty()
         && (st.done_order.front().expires <= now
             || st.done.size() > st.cfg.dedup_capacity)) {
    st.done.erase(st.done_order.front().key);
    st.done_order.pop_front();
  }
}

std::string dedup_key(order_kind kind, const std::string& key) {
  return std::string{kind == order_kind::parallel ? "p/" : "s/"} + key;
}

// Runs a new order; answers through `rp` and every client waiting on `dk`.
void launch(desk_self self, order_kind kind, order_job job, std::string dk,
            caf::typed_response_promise<order_result> rp) {
  auto& st = self->state;
  order_actor handle;
  if (kind == order_kind::parallel)
    handle = self->spawn(order, std::move(job), st.params, st.directory);
  else
    handle = self->spawn(order_sequential, std::move(job), st.params,
                         st.directory);
  ++st.in_flight;
  auto done = [=](order_result& r) mutable {
    auto& st = self->state;
    --st.in_flight;
    count(st, kind, r);
    if (dk.empty()) {
      rp.deliver(std::move(r));
      return;
    }
    auto i = st.waiting.find(dk);
    if (i != st.waiting.end()) {
      for (auto& w : i->second)
        w.deliver(r);
      st.waiting.erase(i);
    }
    auto now = self->clock().now();
    st.done_order.push_back({now + st.cfg.dedup_window, dk});
    st.done[dk] = std::move(r);
    expire(st, now);
  };
  auto order_id = job.order_id;
  auto accepted = job.accepted_at;
  self->request(handle, st.cfg.order.deadline + st.cfg.grace, run_atom::value)
      .then(done, [=](caf::error& err) mutable {
        // The order actor died or never answered: answer for it.
        auto text = error_text(err);
        node_log().error("order {}: order actor failed: {}", order_id, text);
        order_result r;
        r.order_id = order_id;
        r.status = status::failed;
        r.details = "Order processing failed: " + text;
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      self->clock().now() - accepted)
                      .count();
        r.processing_time_us = us;
        r.processing_time_ms = us / 1000;
        done(r);
      });
}

} // namespace

order_desk_actor::behavior_type
order_desk(order_desk_actor::stateful_pointer<desk_state> self,
           directory_actor directory, desk_config cfg) {
  self->state.params = std::make_shared<const order_params>(cfg.order);
  self->state.cfg = std::move(cfg);
  self->state.directory = std::move(directory);
  return {
      [=](submit_atom, order_submission& sub) -> caf::result<order_result> {
        auto& st = self->state;
        if (auto err = validate(sub.request))
          return err;
        std::string dk;
        if (!sub.idempotency_key.empty()) {
          if (auto err = validate_idempotency_key(sub.idempotency_key))
            return err;
          dk = dedup_key(sub.kind, sub.idempotency_key);
          expire(st, self->clock().now());
          if (auto i = st.done.find(dk); i != st.done.end()) {
            ++st.deduplicated;
            return i->second;
          }
          if (auto i = st.waiting.find(dk); i != st.waiting.end()) {
            ++st.deduplicated;
            auto rp = self->make_response_promise<order_result>();
            i->second.push_back(rp);
            return rp;
          }
        }
        order_job job;
        if (!sub.idempotency_key.empty())
          job.order_key = "key:" + sub.idempotency_key;
        else if (!sub.order_key.empty())
          job.order_key = std::move(sub.order_key);
        else
          job.order_key = "seq:" + std::to_string(++st.next_seq);
        job.order_id = make_order_id(st.cfg.seed, job.order_key);
        job.accepted_at = self->clock().now();
        if (st.in_flight >= st.cfg.max_in_flight) {
          order_result r;
          r.order_id = job.order_id;
          r.status = status::overloaded;
          r.details = "Order desk at capacity ("
                      + std::to_string(st.cfg.max_in_flight)
                      + " orders in flight); retry later";
          count(st, sub.kind, r);
          return r;
        }
        job.request = std::move(sub.request);
        auto rp = self->make_response_promise<order_result>();
        if (!dk.empty())
          st.waiting[dk].push_back(rp);
        launch(self, sub.kind, std::move(job), dk, rp);
        return rp;
      },
      [=](stats_atom) {
        auto& st = self->state;
        return desk_stats{st.in_flight, st.deduplicated, st.stats};
      },
  };
}

} // namespace order_node
