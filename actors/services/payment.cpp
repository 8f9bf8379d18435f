// actors/services/payment.cpp — see payment.hpp.
#include "actors/services/payment.hpp"

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"

namespace order_node {

namespace {

using payment_self = payment_impl::stateful_pointer<payment_state>;

// One call with the ledger: a fresh authorization is answered as the
// ledger records it (its first answer for the key), at the time the
// simulated latency says (the ledger's commit runs meanwhile); a refused
// call, as without a ledger. The calls that arrive before the gateway gets
// to its own `flush` go to the ledger together.
caf::result<payment_reply> authorize_one(payment_self self,
                                         const payment_request& req) {
  auto& st = self->state;
  auto x = simulate(st.cfg, st.seed, req);
  if (!x.ok || req.auth_key.empty())
    return answer_outcome(self, std::move(x));
  auto rp = self->make_response_promise<payment_reply>();
  if (st.to_ledger.empty())
    self->send(self, flush_atom::value);
  st.to_ledger.push_back({req.auth_key, req.order_id, std::move(x.reply)});
  st.waiting.push_back({self->clock().now() + st.cfg.latency, rp});
  return rp;
}

// Sends the gathered single calls to the ledger; each is answered with the
// ledger's answer at its due time.
void flush_to_ledger(payment_self self) {
  auto& st = self->state;
  if (st.to_ledger.empty())
    return;
  auto entries = std::move(st.to_ledger);
  st.to_ledger.clear();
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  self->request(st.ledger, caf::infinite, authorize_atom::value, entries)
    .then(
      [=](std::vector<payment_reply>& got) mutable {
        for (size_t i = 0; i < waiting.size() && i < got.size(); ++i)
          self->state.single_delays.deliver_at(
            self, waiting[i].due, waiting[i].promise, std::move(got[i]));
      },
      [=](caf::error& err) mutable {
        for (auto& w : waiting)
          self->state.single_delays.deliver_at(self, w.due, w.promise, err);
      });
}

// A batch with the ledger: its fresh authorizations go to the ledger in
// one request, and the batch is answered with the ledger's answers.
caf::result<payment_outcomes> authorize_batch(payment_self self,
                                              payment_batch& batch) {
  auto& st = self->state;
  auto out = simulate_batch(st, batch);
  std::vector<ledger_entry> entries;
  std::vector<size_t> at; // outcome index of each entry
  for (size_t i = 0; i < out.outcomes.size(); ++i) {
    auto& req = batch.calls[i];
    if (out.outcomes[i].status == call_status::ok && !req.auth_key.empty()) {
      entries.push_back({req.auth_key, req.order_id, out.outcomes[i].reply});
      at.push_back(i);
    }
  }
  if (entries.empty())
    return st.delays.answer(self, st.cfg.latency, std::move(out));
  auto due = self->clock().now() + st.cfg.latency;
  auto rp = self->make_response_promise<payment_outcomes>();
  self->request(st.ledger, caf::infinite, authorize_atom::value, entries)
    .then(
      [=](std::vector<payment_reply>& got) mutable {
        for (size_t k = 0; k < at.size() && k < got.size(); ++k)
          out.outcomes[at[k]].reply = std::move(got[k]);
        self->state.delays.deliver_at(self, due, rp, std::move(out));
      },
      [=](caf::error& err) mutable {
        for (auto i : at) {
          out.outcomes[i].status = call_status::transient;
          out.outcomes[i].error = error_text(err);
        }
        self->state.delays.deliver_at(self, due, rp, std::move(out));
      });
  return rp;
}

} // namespace

payment_impl::behavior_type payment(payment_self self, payment_config cfg,
                                    uint64_t seed, caf::timespan resolution,
                                    ledger_actor ledger) {
  init_service(self, std::move(cfg), seed, resolution);
  self->state.ledger = std::move(ledger);
  return {
    [=](authorize_atom,
        const payment_request& req) -> caf::result<payment_reply> {
      if (!self->state.ledger)
        return answer_one(self, req);
      return authorize_one(self, req);
    },
    [=](authorize_atom, payment_batch& batch) -> caf::result<payment_outcomes> {
      if (!self->state.ledger)
        return answer(self, batch);
      return authorize_batch(self, batch);
    },
    [=](void_atom, const void_request& req) -> caf::result<bool> {
      node_log().debug("payment: void of {} ({})", req.auth_key,
                       req.transaction_id.empty() ? "no transaction seen"
                                                  : req.transaction_id);
      if (!self->state.ledger || req.auth_key.empty())
        return false; // nothing is remembered, nothing to undo
      return self->delegate(self->state.ledger, void_atom::value, req.auth_key);
    },
    [=](tick_atom, int64_t tick) { fire(self, tick); },
    [=](flush_atom) { flush_to_ledger(self); },
  };
}

} // namespace order_node
