// actors/carrier.cpp — see carrier.hpp.
#include "actors/carrier.hpp"

namespace order_node {

carrier_impl::behavior_type
carrier(carrier_impl::stateful_pointer<carrier_state> self, carrier_config cfg,
        uint64_t seed, caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
  return {
    [=](quote_atom, const shipping_request& req) {
      auto& st = self->state;
      return st.delays.answer(self, st.cfg.latency,
                              to_expected(simulate(st.cfg, st.seed, req)));
    },
    [=](tick_atom, int64_t tick) { self->state.delays.fire(tick); },
  };
}

} // namespace order_node
