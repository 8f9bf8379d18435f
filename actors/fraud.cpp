// actors/fraud.cpp — see fraud.hpp.
#include "actors/fraud.hpp"

namespace order_node {

fraud_impl::behavior_type fraud(fraud_impl::stateful_pointer<fraud_state> self,
                                fraud_config cfg, uint64_t seed,
                                caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
  return {
    [=](assess_atom, const fraud_request& req) {
      auto& st = self->state;
      return st.delays.answer(self, st.cfg.latency,
                              to_expected(simulate(st.cfg, st.seed, req)));
    },
    [=](tick_atom, int64_t tick) { self->state.delays.fire(tick); },
  };
}

} // namespace order_node
