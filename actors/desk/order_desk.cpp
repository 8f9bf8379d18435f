// actors/desk/order_desk.cpp — see order_desk.hpp.
#include "actors/desk/order_desk.hpp"

#include <chrono>

#include "actors/desk/actor_engine.hpp"
#include "actors/desk/admission.hpp"
#include "actors/desk/batched_engine.hpp"
#include "actors/order/calls.hpp"
#include "messages/errors.hpp"

namespace order_node {

const char* to_string(order_engine x) {
  return x == order_engine::actor ? "actor" : "batched";
}

bool from_string(const std::string& text, order_engine& x) {
  if (text == "actor")
    x = order_engine::actor;
  else if (text == "batched")
    x = order_engine::batched;
  else
    return false;
  return true;
}

bool ready_to_start(const desk_state& st, const order_job& job) {
  if (!st.routes)
    return false;
  return !job.resumed || routes_complete(*st.routes, *st.params);
}

void schedule_tick(desk_self self) {
  auto& st = self->state;
  auto next = st.engine->next_due();
  if (!next)
    return;
  st.tick.post([&] {
    auto res = st.cfg.deadline_tick.count();
    auto at = next->time_since_epoch().count();
    caf::actor_clock::time_point tick{
      caf::timespan{(at + res - 1) / res * res}};
    self->scheduled_send(self, tick, tick_atom::value);
  });
}

void answer_clients(desk_self self, order_kind kind, order_client& client,
                    order_result r, bool journaled) {
  auto& st = self->state;
  if (st.cfg.metrics) {
    st.counters.count(kind, r);
    st.counters.count_calls(r);
  }
  auto& dk = client.dedup_key;
  if (dk.empty()) {
    client.promise.deliver(std::move(r));
    return;
  }
  st.keys.answer(dk, r);
  if (journaled && st.cfg.reader) {
    st.keys.keys.erase(dk);
    return;
  }
  auto now = self->clock().now();
  st.keys.keep(std::move(dk), std::move(r), now + st.cfg.dedup_window);
  st.keys.expire(now, st.cfg.dedup_capacity);
}

namespace {

// The deadline tick: every order past its deadline decides with what it has.
void on_tick(desk_self self) {
  self->state.tick.arrived();
  self->state.engine->expire_due(self->clock().now());
  schedule_tick(self);
}

// New routes from the directory; they start the orders that waited for
// them: new ones at the first routes, resumed ones once the routes reach
// every instance they may call.
void on_routes(desk_self self, service_routes_ptr& routes) {
  if (!routes)
    return;
  self->state.routes = std::move(routes);
  self->state.engine->routes_changed();
}

// Hands a lookup (get or attach) to the journal, which has every order of
// every shard.
template <class Atom>
caf::result<journal_lookup> look_up(desk_self self, Atom atom,
                                    std::string& order_id) {
  auto& st = self->state;
  if (!st.cfg.journal)
    return make_error(order_errc::no_journal,
                      "looking an order up needs the journal, and this "
                      "node runs with --journal=off");
  return self->delegate(st.cfg.journal, atom, std::move(order_id));
}

// The desk's counters, with the journal's when it has one (the journal runs
// on a thread of its own, and answers later).
caf::result<desk_stats> stats(desk_self self) {
  auto& st = self->state;
  desk_stats out;
  out.in_flight = static_cast<int64_t>(st.engine->in_flight());
  out.unanswered = out.in_flight + st.gate.unanswered();
  out.deduplicated = st.counters.deduplicated;
  out.orders = st.counters.orders;
  out.calls = st.counters.calls;
  out.resumed = st.counters.resumed;
  out.voids_pending = static_cast<int64_t>(st.voids.size());
  if (!st.cfg.journal)
    return out;
  out.journaled = true;
  auto rp = self->make_response_promise<desk_stats>();
  self->request(st.cfg.journal, caf::infinite, stats_atom::value)
    .then(
      [rp, out](journal_stats& j) mutable {
        out.journal = std::move(j);
        rp.deliver(std::move(out));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

std::unique_ptr<desk_engine> make_engine(desk_self self, order_engine kind) {
  if (kind == order_engine::batched)
    return std::make_unique<batched_engine>(self);
  return std::make_unique<actor_engine>(self);
}

} // namespace

order_desk_impl::behavior_type
order_desk(desk_self self, const directory_actor& directory, desk_config cfg) {
  auto& st = self->state;
  if (cfg.deadline_tick.count() <= 0)
    cfg.deadline_tick = caf::timespan{1};
  st.params = std::make_shared<const order_params>(cfg.order);
  st.engine = make_engine(self, cfg.engine);
  st.cfg = std::move(cfg);
  recover(self);
  // The directory answers with its routes now and whenever they change.
  self->send(directory, watch_atom::value,
             caf::actor_cast<routes_watcher>(self));
  return {
    [=](submit_atom, order_submission& sub) { return on_submit(self, sub); },
    [=](send_atom, order_submission& sub) { return on_send(self, sub); },
    [=](get_atom atom, std::string& id) { return look_up(self, atom, id); },
    [=](attach_atom atom, std::string& id) { return look_up(self, atom, id); },
    [=](stats_atom) { return stats(self); },
    [=](tick_atom) { on_tick(self); },
    [=](routes_atom, service_routes_ptr& routes) { on_routes(self, routes); },
    [=](append_atom, journal_reply& r) { journal(self, std::move(r)); },
    [=](commit_atom) { write_journal(self); },
    [=](void_atom, std::string& auth_key) { send_void(self, auth_key); },
    // A shared journal's partitions, as they move (issue #28).
    [=](resume_atom, std::vector<journaled_order>& orders,
        std::vector<journal_void>& voids) {
      resume(self, std::move(orders), std::move(voids));
    },
    [=](drop_atom, std::vector<int32_t>& lost) {
      drop_partitions(self, std::move(lost));
    },
    // The engines' own messages.
    [=](done_atom, uint64_t id, order_result& r) {
      self->state.engine->on_done(id, r);
    },
    [=](retry_atom, uint64_t id, int32_t slot) {
      self->state.engine->retry(id, slot);
    },
    [=](flush_atom) { self->state.engine->flush(); },
    [=](inventory_outcomes& x) { self->state.engine->on_outcomes(&x); },
    [=](payment_outcomes& x) { self->state.engine->on_outcomes(&x); },
    [=](fraud_outcomes& x) { self->state.engine->on_outcomes(&x); },
    [=](shipping_outcomes& x) { self->state.engine->on_outcomes(&x); },
  };
}

} // namespace order_node
