// actors/order.cpp — see order.hpp. A sequential order has one slot per
// stage, so slot id i + 1 is the stage after slot id i.
#include "actors/order.hpp"

#include "actors/order_desk.hpp"
#include "actors/simulate.hpp"

namespace order_node {

namespace {

void init_all(order_run& o, const order_params& params) {
  auto& r = o.replies;
  r.warehouses.reserve(params.warehouses.size());
  r.quotes.reserve(params.carriers.size());
  for (auto& name : params.warehouses)
    r.warehouses.emplace_back().instance = name;
  r.payment.instance = "payment";
  r.fraud.instance = "fraud";
  for (auto& name : params.carriers)
    r.quotes.emplace_back().instance = name;
}

void start_all(desk_self self, order_run& o) {
  auto n = slot_count(o.replies);
  o.outstanding = n;
  auto now = self->clock().now();
  // A call can end at once (no instance); the last one to end finishes the
  // order, which is then gone: nothing touches `o` after the loop.
  for (int32_t id = 0; id < n; ++id)
    start_call(self, o, id, now);
}

void count_down(desk_self self, order_run& o, int32_t) {
  if (--o.outstanding == 0)
    finish(self, o);
}

void init_stages(order_run& o, const order_params& params) {
  auto& r = o.replies;
  r.warehouses.emplace_back().instance = params.warehouses.front();
  r.payment.instance = "payment";
  r.fraud.instance = "fraud";
  r.quotes.emplace_back().instance = params.carriers.front();
}

void start_first(desk_self self, order_run& o) {
  start_call(self, o, 0, self->clock().now());
}

bool passed(const order_replies& r, slot_ref ref) {
  auto ok = [](auto& s) { return s.state == call_state::answered; };
  switch (ref.which) {
    case check::inventory:
      return ok(r.warehouses[0]) && r.warehouses[0].reply.available;
    case check::payment:
      return ok(r.payment) && r.payment.reply.authorized;
    case check::fraud:
      return ok(r.fraud) && r.fraud.reply.risk_score <= max_risk;
    case check::shipping:
      return ok(r.quotes[0]);
  }
  return false;
}

void next_stage(desk_self self, order_run& o, int32_t id) {
  auto& r = o.replies;
  if (passed(r, slot_of(r, id)) && id + 1 < slot_count(r))
    start_call(self, o, id + 1, self->clock().now());
  else
    finish(self, o);
}

} // namespace

const order_mode& parallel_mode() {
  static constexpr order_mode mode{init_all, start_all, count_down};
  return mode;
}

const order_mode& sequential_mode() {
  static constexpr order_mode mode{init_stages, start_first, next_stage};
  return mode;
}

} // namespace order_node
