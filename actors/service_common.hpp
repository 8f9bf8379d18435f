// actors/service_common.hpp — what the simulated service actors share: the
// private tick message of their delay_line and the outcome-to-reply step.
#pragma once

#include <caf/expected.hpp>
#include <caf/replies_to.hpp>

#include "actors/delay_line.hpp"
#include "actors/simulate.hpp"
#include "messages/errors.hpp"

namespace order_node {

/// The private message every service sends itself when a tick is due.
using tick_input = caf::reacts_to<tick_atom, int64_t>;

/// A simulated outcome as CAF sees it: the reply or a transient error.
template <class T>
caf::expected<T> to_expected(sim_outcome<T>&& x) {
  if (x.ok)
    return std::move(x.reply);
  return make_error(order_errc::transient, std::move(x.error));
}

/// State shared by the service actors: their configuration, the seed and the
/// replies waiting for their latency.
template <class Config, class Reply>
struct service_state {
  Config cfg;
  uint64_t seed = 0;
  delay_line<Reply> delays;
};

/// Sets up a service actor's state.
template <class Self, class Config>
void init_service(Self* self, Config cfg, uint64_t seed,
                  caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
}

/// Answers `req` with its simulated outcome after the service's latency.
template <class Self, class Request>
auto answer(Self* self, const Request& req) {
  auto& st = self->state;
  return st.delays.answer(self, st.cfg.latency,
                          to_expected(simulate(st.cfg, st.seed, req)));
}

} // namespace order_node
