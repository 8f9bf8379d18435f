// actors/order_sequential.hpp — one sequential order (the tutorial's
// OrderServiceSlow): inventory(Main) -> payment -> fraud -> shipping(Standard),
// stopping at the first failed check. It exists to show what the fan-out buys.
// Interface: messages/interfaces.hpp (order_actor).
#pragma once

#include "actors/order_core.hpp"

namespace order_node {

order_impl::behavior_type
order_sequential(order_self self, order_job job,
                 std::shared_ptr<const order_params> params,
                 directory_actor directory);

} // namespace order_node
