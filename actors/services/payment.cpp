// actors/services/payment.cpp — see payment.hpp.
#include "actors/services/payment.hpp"

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"

namespace order_node {

payment_impl::behavior_type
payment(payment_impl::stateful_pointer<payment_state> self, payment_config cfg,
        uint64_t seed, caf::timespan resolution) {
  init_service(self, std::move(cfg), seed, resolution);
  return {
    [=](authorize_atom, const payment_request& req) {
      return answer_one(self, req);
    },
    [=](authorize_atom, payment_batch& batch) { return answer(self, batch); },
    [=](void_atom, const void_request& req) {
      node_log().debug("payment: voided {} of order key {}", req.transaction_id,
                       req.order_key);
    },
    [=](tick_atom, int64_t tick) { fire(self, tick); },
  };
}

} // namespace order_node
