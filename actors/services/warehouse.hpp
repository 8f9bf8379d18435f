// actors/services/warehouse.hpp — a warehouse: answers whether a product is in
// stock after a simulated latency (instances Main, Backup). Interface:
// messages/interfaces.hpp (warehouse_actor).
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/services/service_common.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

struct warehouse_state : service_state<warehouse_config, inventory_reply> {
  static constexpr const char* name = "warehouse";
};

using warehouse_impl = warehouse_actor::extend<tick_input>;

warehouse_impl::behavior_type
warehouse(warehouse_impl::stateful_pointer<warehouse_state> self,
          warehouse_config cfg, uint64_t seed, caf::timespan resolution);

} // namespace order_node
