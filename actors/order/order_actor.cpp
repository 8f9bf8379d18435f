// actors/order/order_actor.cpp — see order_actor.hpp.
#include "actors/order/order_actor.hpp"

#include <caf/actor_system.hpp>

#include "actors/order/routes.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

// The order machine's engine inside its actor.
class actor_context final : public order_context {
 public:
  explicit actor_context(order_self self) : self_(self) {}

  size_t instances(check service, const std::string& instance) override {
    auto& routes = self_->state.routes;
    return routes ? count_instances(*routes, service, instance) : 0;
  }

  bool send(order_machine& o, const call_ticket& t) override {
    auto& st = self_->state;
    if (!st.routes)
      return false;
    auto& routes = *st.routes;
    auto& job = o.job();
    switch (t.service) {
      case check::inventory:
        return call(pick_route(routes.warehouses, *t.instance, t.pick),
                    check_atom::value, inventory_call(job, t.attempt), t);
      case check::payment:
        return call(pick_route(routes.payments, *t.instance, t.pick),
                    authorize_atom::value,
                    payment_call(job, t.attempt, st.params->auth_scope), t);
      case check::fraud:
        return call(pick_route(routes.frauds, *t.instance, t.pick),
                    assess_atom::value, fraud_call(job, t.attempt), t);
      case check::shipping:
        return call(pick_route(routes.carriers, *t.instance, t.pick),
                    quote_atom::value, shipping_call(job, t.attempt), t);
    }
    return false;
  }

  void retry_later(order_machine&, int32_t slot,
                   order_duration delay) override {
    self_->delayed_send(self_, delay, retry_atom::value, slot);
  }

  void journal_reply(order_machine&, struct journal_reply&& r) override {
    self_->send(self_->state.desk, append_atom::value, std::move(r));
  }

  void complete(order_machine& o, order_result&& r) override {
    self_->send(self_->state.desk, done_atom::value, o.id, std::move(r));
    self_->quit();
  }

 private:
  // The card's call: one request per service call, no timeout of its own
  // (the order's deadline bounds it), the reply or the error handed to
  // the machine when it comes.
  template <class Handle, class Atom, class Request>
  bool call(const Handle& to, Atom atom, Request&& req, const call_ticket& t) {
    if (!to)
      return false;
    using reply_type = decltype(simulate_reply(req));
    auto self = self_;
    auto slot = t.slot;
    auto attempt = t.attempt;
    self->request(to, caf::infinite, atom, std::forward<Request>(req))
      .then(
        [self, slot, attempt](reply_type& reply) {
          actor_context ctx{self};
          self->state.machine.on_answer(ctx, slot, attempt, std::move(reply),
                                        self->clock().now());
        },
        [self, slot, attempt](caf::error& err) {
          actor_context ctx{self};
          self->state.machine.on_error(ctx, slot, attempt, is_node_lost(err),
                                       error_text(err), self->clock().now());
        });
    return true;
  }

  // The reply type of each request (declarations only, for decltype).
  static inventory_reply simulate_reply(const inventory_request&);
  static payment_reply simulate_reply(const payment_request&);
  static fraud_reply simulate_reply(const fraud_request&);
  static shipping_quote simulate_reply(const shipping_request&);

  order_self self_;
};

} // namespace

order_actor::behavior_type order(order_self self, order_actor_args args) {
  auto& st = self->state;
  st.params = std::move(args.params);
  st.routes = std::move(args.routes);
  st.desk = std::move(args.desk);
  st.machine.id = args.id;
  st.machine.init(args.kind, std::move(args.job), *st.params);
  actor_context ctx{self};
  if (st.routes)
    st.machine.start(ctx, self->clock().now());
  else
    st.machine.expire(ctx, self->clock().now());
  return {
    [=](expire_atom) {
      actor_context ctx{self};
      self->state.machine.expire(ctx, self->clock().now());
    },
    [=](retry_atom, int32_t slot) {
      actor_context ctx{self};
      self->state.machine.retry(ctx, slot, self->clock().now());
    },
    [=](recorded_atom) {
      actor_context ctx{self};
      self->state.machine.on_recorded(ctx, self->clock().now());
    },
  };
}

} // namespace order_node
