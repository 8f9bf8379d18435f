// actors/rules/simulate.hpp — what each simulated service answers: pure
// functions of the service's configuration, the seed and the request (see
// outcome.hpp).
#pragma once

#include <string>

#include "actors/rules/service_config.hpp"
#include "messages/service_types.hpp"

namespace order_node {

/// A service's answer: a reply, or a transient error with its text.
template <class T>
struct sim_outcome {
  bool ok = true;
  T reply;
  std::string error;
};

sim_outcome<inventory_reply> simulate(const warehouse_config& cfg,
                                      uint64_t seed,
                                      const inventory_request& req);

sim_outcome<payment_reply> simulate(const payment_config& cfg, uint64_t seed,
                                    const payment_request& req);

sim_outcome<fraud_reply> simulate(const fraud_config& cfg, uint64_t seed,
                                  const fraud_request& req);

sim_outcome<shipping_quote> simulate(const carrier_config& cfg, uint64_t seed,
                                     const shipping_request& req);

} // namespace order_node
