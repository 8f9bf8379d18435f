// actors/services/service_common.hpp — what the simulated service actors share:
// the private tick message of their delay_line and the batch-to-outcomes step.
#pragma once

#include <caf/expected.hpp>
#include <caf/replies_to.hpp>

#include "actors/rules/simulate.hpp"
#include "actors/services/delay_line.hpp"
#include "messages/errors.hpp"

namespace order_node {

/// The private message every service sends itself when a tick is due.
using tick_input = caf::reacts_to<tick_atom, int64_t>;

/// State shared by the service actors: their configuration, the seed and the
/// replies waiting for their latency.
template <class Config, class Reply>
struct service_state {
  Config cfg;
  uint64_t seed = 0;
  delay_line<call_outcomes<Reply>> delays; // batches
  delay_line<Reply> single_delays;         // single calls
};

/// Sets up a service actor's state.
template <class Self, class Config>
void init_service(Self* self, Config cfg, uint64_t seed,
                  caf::timespan resolution) {
  self->state.cfg = std::move(cfg);
  self->state.seed = seed;
  self->state.delays.set_resolution(resolution);
  self->state.single_delays.set_resolution(resolution);
}

/// Delivers every answer due in `tick`, batches and single calls.
template <class Self>
void fire(Self* self, int64_t tick) {
  self->state.delays.fire(tick);
  self->state.single_delays.fire(tick);
}

/// Answers one call with its outcome `x` after the service's latency: the
/// reply, or an error of order_errc::transient that a retry may fix.
template <class Self, class Outcome>
auto answer_outcome(Self* self, Outcome x) {
  auto& st = self->state;
  using reply_type = decltype(x.reply);
  caf::expected<reply_type> out
    = x.ok ? caf::expected<reply_type>{std::move(x.reply)}
           : caf::expected<reply_type>{
             make_error(order_errc::transient, std::move(x.error))};
  return st.single_delays.answer(self, st.cfg.latency, std::move(out));
}

/// Answers one call with its simulated outcome (answer_outcome()).
template <class Self, class Request>
auto answer_one(Self* self, const Request& req) {
  auto& st = self->state;
  return answer_outcome(self, simulate(st.cfg, st.seed, req));
}

/// The simulated outcome of every call of `batch`.
template <class State, class Request>
auto simulate_batch(const State& st, const call_batch<Request>& batch) {
  using reply_type = decltype(simulate(st.cfg, st.seed, Request{}).reply);
  call_outcomes<reply_type> out;
  out.id = batch.id;
  out.outcomes.reserve(batch.calls.size());
  for (auto& req : batch.calls) {
    auto x = simulate(st.cfg, st.seed, req);
    auto& o = out.outcomes.emplace_back();
    if (x.ok) {
      o.reply = std::move(x.reply);
    } else {
      o.status = call_status::transient;
      o.error = std::move(x.error);
    }
  }
  return out;
}

/// Answers every call of `batch` with its simulated outcome, in one message
/// after the service's latency.
template <class Self, class Request>
auto answer(Self* self, call_batch<Request>& batch) {
  auto& st = self->state;
  return st.delays.answer(self, st.cfg.latency, simulate_batch(st, batch));
}

} // namespace order_node
