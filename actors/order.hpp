// actors/order.hpp — the two order pipelines as modes of the desk's order
// state machine (actors/order_core.hpp):
// - parallel (the tutorial's OrderService): asks both warehouses, payment,
//   fraud and the carriers at once, collects the replies until all are in or
//   the deadline passes, decides and answers;
// - sequential (the tutorial's OrderServiceSlow): inventory(Main) -> payment
//   -> fraud -> shipping(Standard), stopping at the first failed check. It
//   exists to show what the fan-out buys.
#pragma once

#include "actors/order_core.hpp"

namespace order_node {

const order_mode& parallel_mode();

const order_mode& sequential_mode();

} // namespace order_node
