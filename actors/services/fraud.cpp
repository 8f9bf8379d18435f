// actors/services/fraud.cpp — see fraud.hpp.
#include "actors/services/fraud.hpp"

namespace order_node {

fraud_impl::behavior_type fraud(fraud_impl::stateful_pointer<fraud_state> self,
                                fraud_config cfg, uint64_t seed,
                                caf::timespan resolution) {
  init_service(self, std::move(cfg), seed, resolution);
  return {
    [=](assess_atom, const fraud_request& req) {
      return answer_one(self, req);
    },
    [=](assess_atom, fraud_batch& batch) { return answer(self, batch); },
    [=](tick_atom, int64_t tick) { fire(self, tick); },
  };
}

} // namespace order_node
