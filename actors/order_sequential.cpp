// actors/order_sequential.cpp — see order_sequential.hpp. The slots are one
// per stage, so slot id i + 1 is the stage after slot id i.
#include "actors/order_sequential.hpp"

#include "actors/simulate.hpp"

namespace order_node {

namespace {

void start_first(order_self self) {
  start_call(self, 0);
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

void next_stage(order_self self, int32_t id) {
  auto& r = self->state.replies;
  if (passed(r, slot_of(r, id)) && id + 1 < slot_count(r))
    start_call(self, id + 1);
  else
    finish(self);
}

} // namespace

order_impl::behavior_type
order_sequential(order_self self, order_job job,
                 std::shared_ptr<const order_params> params,
                 directory_actor directory) {
  auto& st = self->state;
  st.replies.warehouses.emplace_back().instance = params->warehouses.front();
  st.replies.payment.instance = "payment";
  st.replies.fraud.instance = "fraud";
  st.replies.quotes.emplace_back().instance = params->carriers.front();
  st.job = std::move(job);
  st.params = std::move(params);
  st.directory = std::move(directory);
  st.start = start_first;
  st.on_final = next_stage;
  return order_behavior(self);
}

} // namespace order_node
