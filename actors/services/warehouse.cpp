// actors/services/warehouse.cpp — see warehouse.hpp.
#include "actors/services/warehouse.hpp"

namespace order_node {

warehouse_impl::behavior_type
warehouse(warehouse_impl::stateful_pointer<warehouse_state> self,
          warehouse_config cfg, uint64_t seed, caf::timespan resolution) {
  init_service(self, std::move(cfg), seed, resolution);
  return {
    [=](check_atom, const inventory_request& req) {
      return answer_one(self, req);
    },
    [=](check_atom, inventory_batch& batch) { return answer(self, batch); },
    [=](tick_atom, int64_t tick) { fire(self, tick); },
  };
}

} // namespace order_node
