// actors/order.cpp — see order.hpp.
#include "actors/order.hpp"

namespace order_node {

namespace {

void start_all(order_self self) {
  auto n = slot_count(self->state.replies);
  self->state.outstanding = n;
  for (int32_t id = 0; id < n; ++id)
    start_call(self, id);
}

void count_down(order_self self, int32_t) {
  if (--self->state.outstanding == 0)
    finish(self);
}

} // namespace

order_impl::behavior_type order(order_self self, order_job job,
                                std::shared_ptr<const order_params> params,
                                directory_actor directory) {
  auto& st = self->state;
  for (auto& name : params->warehouses)
    st.replies.warehouses.emplace_back().instance = name;
  st.replies.payment.instance = "payment";
  st.replies.fraud.instance = "fraud";
  for (auto& name : params->carriers)
    st.replies.quotes.emplace_back().instance = name;
  st.job = std::move(job);
  st.params = std::move(params);
  st.directory = std::move(directory);
  st.start = start_all;
  st.on_final = count_down;
  return order_behavior(self);
}

} // namespace order_node
