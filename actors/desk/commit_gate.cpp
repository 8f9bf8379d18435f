// actors/desk/commit_gate.cpp — see commit_gate.hpp.
#include "actors/desk/commit_gate.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "actors/desk/admission.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/desk/voids.hpp"
#include "actors/rules/outcome.hpp"
#include "messages/errors.hpp"

namespace order_node {

int64_t commit_gate::unanswered() const {
  auto n = held.answers.size();
  for (auto& [write, batch] : committing)
    n += batch.answers.size();
  return static_cast<int64_t>(n);
}

void schedule_journal_write(desk_self self) {
  self->state.gate.write.send(self, commit_atom::value);
}

void record_acceptance(desk_self self, journal_accepted a) {
  self->state.gate.out.accepted.push_back(std::move(a));
  schedule_journal_write(self);
}

void await_record(desk_self self, uint64_t id, uint64_t seq) {
  self->state.gate.held.recorded.push_back({id, seq});
}

void hold_accept(desk_self self,
                 caf::typed_response_promise<order_accepted> promise,
                 order_accepted accepted) {
  self->state.gate.held.accepts.push_back(
    {std::move(promise), std::move(accepted)});
  schedule_journal_write(self);
}

void journal(desk_self self, journal_reply&& r) {
  self->state.gate.out.replies.push_back(std::move(r));
  schedule_journal_write(self);
}

namespace {

constexpr auto first_rewrite = std::chrono::milliseconds(100);
constexpr auto max_rewrite = std::chrono::seconds(5);

// Tells the clients of an order the journal does not hold (its acceptance's
// write failed) that it was not recorded, instead of its result `r`. Its
// payment was never sent (it waits for the record), so there is nothing to
// void; a key is free again, to be sent again.
void fail_unrecorded(desk_self self, order_client& client,
                     const order_result& r) {
  auto& st = self->state;
  if (owes_void(r)) // cannot happen (see above); a void does no harm
    start_void(
      self, void_request{authorization_key(st.params->auth_scope, r.order_id),
                         r.transaction_id});
  auto err
    = make_error(order_errc::journal_failed,
                 "the journal could not record order " + r.order_id + " ("
                   + st.gate.error + "); nothing was charged: send it again");
  st.keys.fail(client, err);
}

// The orders of a write whose acceptance the journal failed: each still in
// flight decides now, and its clients get an error.
void unrecord(desk_self self,
              const std::vector<commit_gate::new_record>& records) {
  auto& st = self->state;
  for (auto& x : records)
    if (st.engine->running(x.id)) {
      st.gate.unrecorded.insert(x.seq); // before it decides
      st.engine->expire(x.id);
    }
}

// Whether answer `a` is of a partition of a shared journal this front does
// not own (any more): its decision is the new owner's to make.
bool lost_to_another(const desk_state& st, const commit_gate::held_answer& a) {
  auto& parts = st.cfg.partitions;
  if (!parts)
    return false;
  auto& dk = a.client.dedup_key; // "p/KEY" or "s/KEY"
  return !parts->owns(parts->part_of(dk.empty()
                                       ? std::string_view{a.result.order_id}
                                       : std::string_view{dk}.substr(2)));
}

// The journal failed a write: its decisions (and the voids they owe) are
// written again after a backoff, so that an order the journal holds is not
// left undecided, nor its key free to run a second order (promise 5). Their
// clients get the error now; later clients of the key wait for the next
// attempt.
void rewrite_later(desk_self self, commit_gate::held_batch& batch,
                   const caf::error& err) {
  auto& gate = self->state.gate;
  if (batch.answers.empty() && batch.voids.empty())
    return;
  auto now_us = journal_now_us();
  std::vector<uint64_t> dropped; // with the voids their decisions owe
  for (auto& a : batch.answers) {
    if (lost_to_another(self->state, a)) { // not written again
      self->state.keys.fail(a.client, not_owner_error());
      dropped.push_back(a.seq);
      continue;
    }
    if (a.client.dedup_key.empty()) {
      a.client.promise.deliver(err);
    } else if (auto w = self->state.keys.waiting.find(a.client.dedup_key);
               w != self->state.keys.waiting.end()) {
      for (auto& rp : w->second)
        rp.deliver(err);
      w->second.clear(); // the key stays in flight
    }
    gate.out.decided.push_back({a.seq, now_us, a.result});
    a.client.promise = caf::typed_response_promise<order_result>{};
    gate.held.answers.push_back(std::move(a));
  }
  for (auto& v : batch.voids) {
    if (std::find(dropped.begin(), dropped.end(), v.seq) != dropped.end())
      continue;
    gate.out.voids.push_back(v);
    gate.held.voids.push_back(std::move(v));
  }
  if (gate.held.answers.empty() && gate.held.voids.empty())
    return;
  gate.rewrite_backoff
    = gate.rewrite_backoff.count() == 0
        ? caf::timespan{first_rewrite}
        : std::min(caf::timespan{max_rewrite}, 2 * gate.rewrite_backoff);
  self->delayed_send(self, gate.rewrite_backoff, commit_atom::value);
}

// The journal committed write `n` (or failed it: `err`): answers its held
// results, or tells their clients the orders could not be recorded.
// `unrecorded`: acceptance numbers whose decision the journal committed
// without holding the order.
void release(desk_self self, uint64_t n, const caf::error& err,
             const std::vector<uint64_t>& unrecorded) {
  auto& gate = self->state.gate;
  auto i = gate.committing.find(n);
  if (i == gate.committing.end())
    return;
  auto batch = std::move(i->second);
  gate.committing.erase(i);
  for (auto& a : batch.accepts) {
    if (!err)
      a.promise.deliver(std::move(a.accepted));
    else
      a.promise.deliver(err);
  }
  if (err) {
    gate.error = error_text(err);
    unrecord(self, batch.recorded);
    // A decision the journal refused may still change at the next start
    // (the order resumes): its void waits for that decision.
    rewrite_later(self, batch, err);
    return;
  }
  gate.rewrite_backoff = caf::timespan{0};
  for (auto& x : batch.recorded)
    if (self->state.engine->running(x.id))
      self->state.engine->recorded(x.id);
  for (auto& v : batch.voids)
    start_void(self, void_request{std::move(v.auth_key), std::move(v.tx_id)});
  for (auto& a : batch.answers) {
    if (std::find(unrecorded.begin(), unrecorded.end(), a.seq)
        != unrecorded.end())
      fail_unrecorded(self, a.client, a.result);
    else
      answer_clients(self, a.kind, a.client, std::move(a.result), true);
  }
}

} // namespace

void write_journal(desk_self self) {
  auto& gate = self->state.gate;
  gate.write.arrived();
  if (gate.out.empty())
    return;
  auto n = ++gate.next_write;
  if (!gate.held.empty()) {
    gate.committing.emplace(n, std::move(gate.held));
    gate.held = commit_gate::held_batch{};
  }
  auto ops = std::move(gate.out);
  gate.out = journal_ops{};
  self
    ->request(self->state.cfg.journal, caf::infinite, write_atom::value,
              std::move(ops))
    .then(
      [self, n](std::vector<uint64_t>& unrecorded) {
        release(self, n, caf::error{}, unrecorded);
      },
      [self, n](caf::error& err) { release(self, n, err, {}); });
}

void finish_order(desk_self self, order_kind kind, uint64_t seq,
                  order_client client, order_result r) {
  auto& st = self->state;
  auto& gate = st.gate;
  if (seq != 0 && gate.unrecorded.erase(seq) > 0) {
    fail_unrecorded(self, client, r);
    return;
  }
  std::optional<void_request> owed;
  if (owes_void(r))
    owed = void_request{authorization_key(st.params->auth_scope, r.order_id),
                        r.transaction_id};
  if (!st.cfg.journal || seq == 0) {
    if (owed)
      start_void(self, std::move(*owed));
    answer_clients(self, kind, client, std::move(r), false);
    return;
  }
  if (owed) {
    journal_void v{owed->auth_key, seq, owed->transaction_id};
    gate.out.voids.push_back(v);
    gate.held.voids.push_back(std::move(v));
  }
  gate.out.decided.push_back({seq, journal_now_us(), r});
  gate.held.answers.push_back({kind, std::move(client), std::move(r), seq});
  schedule_journal_write(self);
}

} // namespace order_node
