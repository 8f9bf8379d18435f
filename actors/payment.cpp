// actors/payment.cpp — see payment.hpp.
#include "actors/payment.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"

namespace order_node {

payment_impl::behavior_type
payment(payment_impl::stateful_pointer<payment_state> self, payment_config cfg,
        uint64_t seed, caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
  return {
    [=](authorize_atom, const payment_request& req) {
      auto& st = self->state;
      return st.delays.answer(self, st.cfg.latency,
                              to_expected(simulate(st.cfg, st.seed, req)));
    },
    [=](void_atom, const void_request& req) {
      ++self->state.voided;
      node_log().debug("payment: voided {} of order key {}", req.transaction_id,
                       req.order_key);
    },
    [=](tick_atom, int64_t tick) { self->state.delays.fire(tick); },
  };
}

} // namespace order_node
