// actors/order/order_actor.cpp — the design card's shape, in one file.
//
//   the card says                               here
//   "an order actor"                            order(): one per order, spawned
//                                               by the desk's actor engine
//   "spawns or looks up typed actors for        args.routes: the directory's
//    warehouses, payment, fraud and carriers"   typed handles; pick_call()
//   "sends all six requests"                    machine.start() -> send(),
//                                               once per slot
//   "with request().then handlers"              call(): request(...).then(
//                                               on_answer, on_error)
//   "aggregates replies in actor state"         order_actor_state::machine
//   "until every reply arrives or times out"    the machine decides on the
//                                               last answer, or on `expire`
//                                               from the desk's deadlines
//
// What an order is (slots, retries, failover, the decision) is the
// order_machine (order_machine.hpp), which knows no CAF; actor_context below
// is how it sends, retries and reports from inside this actor.
#include "actors/order/order_actor.hpp"

#include <caf/actor_system.hpp>

#include "actors/order/calls.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

// The order machine's engine inside its actor (defined after order()).
class actor_context final : public order_context {
 public:
  explicit actor_context(order_self self) : self_(self) {}
  size_t instances(check service, const std::string& instance) override;
  bool send(order_machine& o, const call_ticket& t) override;
  void retry_later(order_machine& o, int32_t slot,
                   order_duration delay) override;
  void journal_reply(order_machine& o, struct journal_reply&& r) override;
  void complete(order_machine& o, order_result&& r) override;

 private:
  template <class Row, class Handle, class Request>
  void call(Row row, const Handle& to, Request&& req, const call_ticket& t);

  order_self self_;
};

// Runs `f(machine, ctx, now)` for a message of the order's own.
template <class F>
void step(order_self self, F&& f) {
  actor_context ctx{self};
  f(self->state.machine, ctx, self->clock().now());
}

} // namespace

order_actor::behavior_type order(order_self self, order_actor_args args) {
  auto& st = self->state;
  st.params = std::move(args.params);
  st.routes = std::move(args.routes);
  st.desk = std::move(args.desk);
  st.machine.id = args.id;
  st.machine.init(args.kind, std::move(args.job), *st.params);
  // All six requests now (a desk without routes: the order fails at once).
  step(self, [&](order_machine& m, order_context& ctx, order_time now) {
    if (self->state.routes)
      m.start(ctx, now);
    else
      m.expire(ctx, now);
  });
  return {
    [=](expire_atom) {
      step(self, [](auto& m, auto& ctx, auto now) { m.expire(ctx, now); });
    },
    [=](retry_atom, int32_t slot) {
      step(self,
           [slot](auto& m, auto& ctx, auto now) { m.retry(ctx, slot, now); });
    },
    [=](recorded_atom) {
      step(self, [](auto& m, auto& ctx, auto now) { m.on_recorded(ctx, now); });
    },
  };
}

namespace {

size_t actor_context::instances(check service, const std::string& instance) {
  auto& routes = self_->state.routes;
  return routes ? count_instances(*routes, service, instance) : 0;
}

bool actor_context::send(order_machine& o, const call_ticket& t) {
  auto& st = self_->state;
  return st.routes
         && pick_call(*st.routes, o.job(), *st.params, t,
                      [&](auto row, auto to, auto req) {
                        call(row, to, std::move(req), t);
                      });
}

// The card's call: one request per service call, no timeout of its own (the
// order's deadline bounds it), the reply or the error handed to the machine
// when it comes.
template <class Row, class Handle, class Request>
void actor_context::call(Row, const Handle& to, Request&& req,
                         const call_ticket& t) {
  using reply_type = typename Row::reply;
  auto self = self_;
  auto slot = t.slot;
  auto attempt = t.attempt;
  self
    ->request(to, caf::infinite, typename Row::atom{},
              std::forward<Request>(req))
    .then(
      [self, slot, attempt](reply_type& reply) {
        step(self, [&](auto& m, auto& ctx, auto now) {
          m.on_answer(ctx, slot, attempt, std::move(reply), now);
        });
      },
      [self, slot, attempt](caf::error& err) {
        step(self, [&](auto& m, auto& ctx, auto now) {
          m.on_error(ctx, slot, attempt, is_node_lost(err), error_text(err),
                     now);
        });
      });
}

void actor_context::retry_later(order_machine&, int32_t slot,
                                order_duration delay) {
  self_->delayed_send(self_, delay, retry_atom::value, slot);
}

void actor_context::journal_reply(order_machine&, struct journal_reply&& r) {
  self_->send(self_->state.desk, append_atom::value, std::move(r));
}

void actor_context::complete(order_machine& o, order_result&& r) {
  self_->send(self_->state.desk, done_atom::value, o.id, std::move(r));
  self_->quit();
}

} // namespace

} // namespace order_node
