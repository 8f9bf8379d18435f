// actors/services/carrier.cpp — see carrier.hpp.
#include "actors/services/carrier.hpp"

namespace order_node {

carrier_impl::behavior_type
carrier(carrier_impl::stateful_pointer<carrier_state> self, carrier_config cfg,
        uint64_t seed, caf::timespan resolution) {
  init_service(self, std::move(cfg), seed, resolution);
  return {
    [=](quote_atom, const shipping_request& req) {
      return answer_one(self, req);
    },
    [=](quote_atom, shipping_batch& batch) { return answer(self, batch); },
    [=](tick_atom, int64_t tick) { fire(self, tick); },
  };
}

} // namespace order_node
