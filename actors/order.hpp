// actors/order.hpp — one parallel order (the tutorial's OrderService): asks
// both warehouses, payment, fraud and the carriers at once, collects the
// replies until all are in or the deadline passes, decides, answers, quits.
// Interface: messages/interfaces.hpp (order_actor).
#pragma once

#include "actors/order_core.hpp"

namespace order_node {

order_impl::behavior_type order(order_self self, order_job job,
                                std::shared_ptr<const order_params> params,
                                directory_actor directory);

} // namespace order_node
