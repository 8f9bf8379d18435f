// actors/desk/order_core.cpp — see order_core.hpp.
#include "actors/desk/order_core.hpp"

#include <spdlog/spdlog.h>

#include "actors/desk/order_desk.hpp"
#include "actors/order/routes.hpp"
#include "actors/support/log.hpp"

namespace order_node {

namespace {

// Queues `req` for `to` and makes sure a flush follows.
template <class Handle, class Request>
void queue(desk_self self, outbox<Handle, Request>& out, const Handle& to,
           Request req, call_tag tag) {
  out.add(to, std::move(req), tag);
  auto& st = self->state;
  if (!st.flush_pending) {
    // Behind every message already in the mailbox: under load, the calls
    // of many orders leave together.
    st.flush_pending = true;
    self->send(self, flush_atom::value);
  }
}

template <class Handle, class Request, class Atom>
void flush_outbox(desk_self self, outbox<Handle, Request>& out, Atom atom,
                  caf::actor_clock::time_point expires) {
  auto& st = self->state;
  out.flush([&](const Handle& to, std::vector<Request>&& calls,
                std::vector<call_tag>&& tags) {
    auto id = ++st.next_batch;
    st.batches.emplace(id, std::move(tags));
    st.batch_expiry.push_back({expires, id});
    self->send(to, atom, call_batch<Request>{id, std::move(calls)});
  });
}

template <class Reply>
void apply_outcomes(desk_self self, call_outcomes<Reply>& x) {
  auto& st = self->state;
  auto i = st.batches.find(x.id);
  if (i == st.batches.end())
    return; // not ours, or answered already
  auto tags = std::move(i->second);
  st.batches.erase(i);
  if (x.outcomes.size() != tags.size())
    node_log().error("a service answered {} of {} calls; the rest time out",
                     x.outcomes.size(), tags.size());
  auto n = std::min(x.outcomes.size(), tags.size());
  auto now = self->clock().now();
  desk_context ctx{self};
  for (size_t k = 0; k < n; ++k) {
    auto& tag = tags[k];
    auto* o = st.running.find(tag.order);
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

} // namespace

size_t desk_context::instances(check service, const std::string& instance) {
  auto& routes = self_->state.routes;
  return routes ? count_instances(*routes, service, instance) : 0;
}

bool desk_context::send(order_machine& o, const call_ticket& t) {
  auto& st = self_->state;
  if (!st.routes)
    return false;
  auto& routes = *st.routes;
  auto& job = o.job();
  call_tag tag{o.id, t.slot, t.attempt};
  switch (t.service) {
    case check::inventory: {
      auto to = pick_route(routes.warehouses, *t.instance, t.pick);
      if (!to)
        return false;
      queue(self_, st.to_warehouses, to, inventory_call(job, t.attempt), tag);
      return true;
    }
    case check::payment: {
      auto to = pick_route(routes.payments, *t.instance, t.pick);
      if (!to)
        return false;
      queue(self_, st.to_payments, to,
            payment_call(job, t.attempt, st.params->auth_scope), tag);
      return true;
    }
    case check::fraud: {
      auto to = pick_route(routes.frauds, *t.instance, t.pick);
      if (!to)
        return false;
      queue(self_, st.to_frauds, to, fraud_call(job, t.attempt), tag);
      return true;
    }
    case check::shipping: {
      auto to = pick_route(routes.carriers, *t.instance, t.pick);
      if (!to)
        return false;
      queue(self_, st.to_carriers, to, shipping_call(job, t.attempt), tag);
      return true;
    }
  }
  return false;
}

void desk_context::retry_later(order_machine& o, int32_t slot,
                               order_duration delay) {
  self_->delayed_send(self_, delay, retry_atom::value, o.id, slot);
}

void desk_context::complete(order_machine& o, order_result&& r) {
  complete_order(self_, o.id, std::move(r));
}

void desk_context::journal_reply(order_machine&, struct journal_reply&& r) {
  journal(self_, std::move(r));
}

void flush_calls(desk_self self) {
  auto& st = self->state;
  st.flush_pending = false;
  // Every order with a call in these batches was accepted by now, so its
  // deadline comes before this.
  auto expires = self->clock().now() + st.params->deadline;
  flush_outbox(self, st.to_warehouses, check_atom::value, expires);
  flush_outbox(self, st.to_payments, authorize_atom::value, expires);
  flush_outbox(self, st.to_frauds, assess_atom::value, expires);
  flush_outbox(self, st.to_carriers, quote_atom::value, expires);
}

void on_outcomes(desk_self self, inventory_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, payment_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, fraud_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, shipping_outcomes& x) {
  apply_outcomes(self, x);
}

} // namespace order_node
