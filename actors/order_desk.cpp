// actors/order_desk.cpp — see order_desk.hpp.
#include "actors/order_desk.hpp"

#include <algorithm>
#include <string_view>

#include "actors/outcome.hpp"
#include "messages/json_codec.hpp"

namespace order_node {

namespace {

using time_point = caf::actor_clock::time_point;

void count(desk_state& st, order_kind kind, const order_result& r) {
  for (auto& s : st.stats)
    if (s.kind == kind && s.status == r.status) {
      s.latency.observe(r.processing_time_us);
      return;
    }
  st.stats.push_back(status_stats{kind, r.status, {}});
  st.stats.back().latency.observe(r.processing_time_us);
}

// Counts the calls of a finished order per service instance.
void count_calls(desk_state& st, const order_result& r) {
  for (auto& c : r.calls) {
    auto i = std::find_if(
      st.calls.begin(), st.calls.end(), [&](const call_stats& x) {
        return x.service == c.service && x.instance == c.instance;
      });
    if (i == st.calls.end()) {
      st.calls.push_back(call_stats{c.service, c.instance, {}, 0, 0});
      i = st.calls.end() - 1;
    }
    i->latency.observe(static_cast<int64_t>(c.ms * 1000.0));
    // string_view: compared inline, without strlen (six calls an order).
    std::string_view outcome{c.outcome};
    if (outcome == std::string_view{"timeout"})
      ++i->timeouts;
    else if (outcome.substr(0, 5) == std::string_view{"error"})
      ++i->errors;
  }
}

// Forgets results whose window has passed, and the oldest beyond capacity.
void expire_results(desk_state& st, time_point now) {
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

// Makes sure one tick is scheduled for the oldest deadline or batch expiry.
void schedule_tick(desk_self self) {
  auto& st = self->state;
  if (st.tick_pending || (st.deadlines.empty() && st.batch_expiry.empty()))
    return;
  auto next = st.deadlines.empty() ? st.batch_expiry.front().at
                                   : st.deadlines.front().at;
  if (!st.batch_expiry.empty())
    next = std::min(next, st.batch_expiry.front().at);
  auto res = st.cfg.deadline_tick.count();
  auto at = next.time_since_epoch().count();
  time_point tick{caf::timespan{(at + res - 1) / res * res}};
  self->scheduled_send(self, tick, tick_atom::value);
  st.tick_pending = true;
}

// Every order past its deadline decides with what it has.
void on_tick(desk_self self) {
  auto& st = self->state;
  st.tick_pending = false;
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.front().at <= now) {
    auto id = st.deadlines.front().id;
    st.deadlines.pop_front();
    if (auto* o = st.running.find(id)) { // else finished in time, as usual
      desk_context ctx{self};
      o->expire(ctx, now);
    }
  }
  while (!st.batch_expiry.empty() && st.batch_expiry.front().at <= now) {
    st.batches.erase(st.batch_expiry.front().id); // else answered, as usual
    st.batch_expiry.pop_front();
  }
  schedule_tick(self);
}

// Runs a new order; its clients are `rp` or those waiting on `dk`.
void launch(desk_self self, order_kind kind, order_job job, std::string dk,
            caf::typed_response_promise<order_result> rp) {
  auto& st = self->state;
  auto& o = st.running.add();
  auto id = o.id;
  o.init(kind, std::move(job), *st.params);
  o.dedup_key = std::move(dk);
  o.promise = std::move(rp);
  st.deadlines.push_back({o.deadline(), id});
  schedule_tick(self);
  if (st.routes) {
    desk_context ctx{self};
    o.start(ctx, self->clock().now()); // may finish it: `o` is gone then
  } else {
    st.unrouted.push_back(id);
  }
}

// New routes from the directory; the first ones start the orders that
// waited for them.
void on_routes(desk_self self, service_routes_ptr& routes) {
  auto& st = self->state;
  if (!routes)
    return;
  st.routes = std::move(routes);
  auto waiting = std::move(st.unrouted);
  st.unrouted.clear();
  desk_context ctx{self};
  for (auto id : waiting)
    if (auto* o = st.running.find(id))
      o->start(ctx, self->clock().now());
}

} // namespace

// Answers every client of order `id` with `r`, once.
void complete_order(desk_self self, uint64_t id, order_result r) {
  auto& st = self->state;
  auto* o = st.running.find(id);
  if (o == nullptr)
    return; // answered already
  auto kind = o->kind();
  auto promise = std::move(o->promise);
  auto dk = std::move(o->dedup_key);
  st.running.erase(id);
  if (st.cfg.metrics) {
    count(st, kind, r);
    count_calls(st, r);
  }
  if (dk.empty()) {
    promise.deliver(std::move(r));
    return;
  }
  if (auto w = st.waiting.find(dk); w != st.waiting.end()) {
    for (auto& rp : w->second)
      rp.deliver(r);
    st.waiting.erase(w);
  }
  auto now = self->clock().now();
  st.done_order.push_back({now + st.cfg.dedup_window, dk});
  st.done[std::move(dk)] = std::move(r);
  expire_results(st, now);
}

order_desk_impl::behavior_type
order_desk(desk_self self, const directory_actor& directory, desk_config cfg) {
  if (cfg.deadline_tick.count() <= 0)
    cfg.deadline_tick = caf::timespan{1};
  self->state.params = std::make_shared<const order_params>(cfg.order);
  self->state.cfg = std::move(cfg);
  // The directory answers with its routes now and whenever they change.
  self->send(directory, watch_atom::value,
             caf::actor_cast<routes_watcher>(self));
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
        expire_results(st, self->clock().now());
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
      // Each route has its own key space (as Restate scopes keys per
      // service): one key on both routes is two orders, so the order key
      // names the kind, and with it the order id and every outcome.
      if (!sub.idempotency_key.empty())
        job.order_key
          = (sub.kind == order_kind::parallel ? "key:" : "slow-key:")
            + sub.idempotency_key;
      else if (!sub.order_key.empty())
        job.order_key = std::move(sub.order_key);
      else
        job.order_key = "seq:" + std::to_string(++st.next_seq);
      job.order_id = make_order_id(st.cfg.seed, job.order_key);
      job.accepted_at = self->clock().now();
      auto bound = st.cfg.share > 0 ? st.cfg.share : st.cfg.max_in_flight;
      if (static_cast<int64_t>(st.running.size()) >= bound) {
        order_result r;
        r.order_id = job.order_id;
        r.status = status::overloaded;
        r.details = "Order desk at capacity ("
                    + std::to_string(st.cfg.max_in_flight)
                    + (st.cfg.max_in_flight == 1 ? " order" : " orders")
                    + " in flight); retry later";
        if (st.cfg.metrics)
          count(st, sub.kind, r);
        return r;
      }
      job.request = std::move(sub.request);
      auto rp = self->make_response_promise<order_result>();
      if (dk.empty()) {
        launch(self, sub.kind, std::move(job), std::move(dk), rp);
      } else {
        st.waiting[dk].push_back(rp); // answered through `waiting`
        launch(self, sub.kind, std::move(job), std::move(dk), {});
      }
      return rp;
    },
    [=](stats_atom) {
      auto& st = self->state;
      return desk_stats{static_cast<int64_t>(st.running.size()),
                        st.deduplicated, st.stats, st.calls};
    },
    [=](tick_atom) { on_tick(self); },
    [=](retry_atom, uint64_t id, int32_t slot) {
      if (auto* o = self->state.running.find(id)) {
        desk_context ctx{self};
        o->retry(ctx, slot, self->clock().now());
      }
    },
    [=](flush_atom) { flush_calls(self); },
    [=](inventory_outcomes& x) { on_outcomes(self, x); },
    [=](payment_outcomes& x) { on_outcomes(self, x); },
    [=](fraud_outcomes& x) { on_outcomes(self, x); },
    [=](shipping_outcomes& x) { on_outcomes(self, x); },
    [=](routes_atom, service_routes_ptr& routes) { on_routes(self, routes); },
  };
}

} // namespace order_node
