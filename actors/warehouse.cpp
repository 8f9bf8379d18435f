// actors/warehouse.cpp — see warehouse.hpp.
#include "actors/warehouse.hpp"

namespace order_node {

warehouse_impl::behavior_type
warehouse(warehouse_impl::stateful_pointer<warehouse_state> self,
          warehouse_config cfg, uint64_t seed, caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
  return {
    [=](check_atom, const inventory_request& req) {
      auto& st = self->state;
      return st.delays.answer(self, st.cfg.latency,
                              to_expected(simulate(st.cfg, st.seed, req)));
    },
    [=](tick_atom, int64_t tick) { self->state.delays.fire(tick); },
  };
}

} // namespace order_node
