// actors/cluster/link.cpp — see link.hpp.
#include "actors/cluster/link.hpp"

#include <unordered_map>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "actors/support/pending_message.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

/// A call sent (or queued), waiting for its answer, and how to fail it.
struct link_pending {
  caf::response_promise promise;
  uint32_t slot = 0;
  uint64_t batch = 0; // a batch's own id, echoed in its outcomes
  size_t calls = 0;   // a batch's size; 0 for a single call or a void
  void (*fail)(link_pending&, const caf::error&) = nullptr;
  /// What it counts for in relay_counters: its calls (a single call is one).
  int64_t weight() const { return calls > 0 ? static_cast<int64_t>(calls) : 1; }
};

struct link_state {
  dispatcher_actor target; // invalid while the node is down
  std::vector<link_slot> slots;
  relay_counters_ptr counters;
  uint64_t next_id = 0;
  std::unordered_map<uint64_t, link_pending> pending;
  wire_calls outbox; // this round's calls, not sent yet
  pending_message flush;
  static constexpr const char* name = "link";
};

using link_impl = link_actor::extend<caf::reacts_to<flush_atom>>;
using link_self = link_impl::stateful_pointer<link_state>;

caf::error unreachable(const link_state& st, uint32_t slot) {
  auto what = slot < st.slots.size() ? st.slots[slot].what : "an instance";
  return make_error(order_errc::node_lost, what + " is unreachable");
}

// How a lost call is answered: a single call or a void with the error,
void fail_one(link_pending& c, const caf::error& why) {
  c.promise.deliver(why);
}

// a batch with one node_lost outcome per call.
template <class Outcomes>
Outcomes lost_outcomes(uint64_t batch, size_t calls, const caf::error& why) {
  Outcomes out;
  out.id = batch;
  out.outcomes.resize(calls);
  auto text = error_text(why);
  for (auto& o : out.outcomes) {
    o.status = call_status::node_lost;
    o.error = text;
  }
  return out;
}

template <class Outcomes>
void fail_batch(link_pending& c, const caf::error& why) {
  c.promise.deliver(lost_outcomes<Outcomes>(c.batch, c.calls, why));
}

// Every pending call fails: its node is lost.
void fail_pending(link_self self) {
  auto& st = self->state;
  if (!st.pending.empty())
    node_log().debug("link: failing {} pending calls", st.pending.size());
  for (auto& kvp : st.pending) {
    kvp.second.fail(kvp.second, unreachable(st, kvp.second.slot));
    st.counters->in_flight -= kvp.second.weight();
  }
  st.pending.clear();
  st.outbox = wire_calls{};
}

// The index of the slot's instance at the node, or -1 if no call can go
// there now.
int32_t index_of(const link_state& st, uint32_t slot) {
  if (!st.target || slot >= st.slots.size())
    return -1;
  return st.slots[slot].index;
}

// Takes the current message's promise for a call queued for the next flush
// (the handler returns caf::delegated: the answer comes with the node's);
// the call's id.
uint64_t enlist(link_self self, link_pending call) {
  auto& st = self->state;
  auto id = ++st.next_id;
  call.promise = self->make_response_promise();
  st.counters->in_flight += call.weight();
  st.counters->calls += call.weight();
  st.pending.emplace(id, std::move(call));
  st.flush.send(self, flush_atom::value);
  return id;
}

// Settles the call `id` with `f(call)` unless it failed already.
template <class F>
void settle(link_self self, uint64_t id, F&& f) {
  auto& st = self->state;
  auto i = st.pending.find(id);
  if (i == st.pending.end())
    return; // failed when its node was lost
  f(i->second);
  st.counters->in_flight -= i->second.weight();
  st.pending.erase(i);
}

template <class Reply>
void deliver(link_pending& c, call_outcome<Reply>& o) {
  switch (o.status) {
    case call_status::ok:
      c.promise.deliver(std::move(o.reply));
      return;
    case call_status::transient:
      c.promise.deliver(make_error(order_errc::transient, std::move(o.error)));
      return;
    case call_status::node_lost:
      c.promise.deliver(make_error(order_errc::node_lost, std::move(o.error)));
      return;
  }
}

template <class Row>
auto on_call(link_self self, Row row) {
  return [=](uint32_t slot, typename Row::atom,
             typename Row::request& req) -> caf::result<typename Row::reply> {
    auto index = index_of(self->state, slot);
    if (index < 0)
      return unreachable(self->state, slot);
    link_pending call;
    call.slot = slot;
    call.fail = fail_one;
    auto id = enlist(self, std::move(call));
    self->state.outbox.rows.of(row).single.push_back(
      {id, static_cast<uint32_t>(index), std::move(req)});
    return caf::delegated<typename Row::reply>{};
  };
}

template <class Row>
auto on_batch(link_self self, Row row) {
  using outcomes = outcomes_of<Row>;
  return [=](uint32_t slot, typename Row::atom,
             batch_of<Row>& batch) -> caf::result<outcomes> {
    auto index = index_of(self->state, slot);
    if (index < 0)
      return lost_outcomes<outcomes>(batch.id, batch.calls.size(),
                                     unreachable(self->state, slot));
    link_pending call;
    call.slot = slot;
    call.batch = batch.id;
    call.calls = batch.calls.size();
    call.fail = fail_batch<outcomes>;
    auto id = enlist(self, std::move(call));
    self->state.outbox.rows.of(row).batches.push_back(
      {id, static_cast<uint32_t>(index), std::move(batch.calls)});
    return caf::delegated<outcomes>{};
  };
}

auto on_void(link_self self) {
  return [=](uint32_t slot, void_atom, void_request& req) -> caf::result<bool> {
    auto index = index_of(self->state, slot);
    if (index < 0)
      return unreachable(self->state, slot);
    link_pending call;
    call.slot = slot;
    call.fail = fail_one;
    auto id = enlist(self, std::move(call));
    self->state.outbox.voids.push_back(
      {id, static_cast<uint32_t>(index), std::move(req)});
    return caf::delegated<bool>{};
  };
}

void on_answers(link_self self, wire_answers& in) {
  in.rows.each([&](auto row, auto& answers) {
    for (auto& a : answers.single)
      settle(self, a.id, [&](link_pending& c) { deliver(c, a.payload); });
    for (auto& a : answers.batches)
      settle(self, a.id, [&](link_pending& c) {
        c.promise.deliver(
          outcomes_of<decltype(row)>{c.batch, std::move(a.payload)});
      });
  });
  for (auto& a : in.voids)
    settle(self, a.id, [&](link_pending& c) { c.promise.deliver(a.payload); });
  for (auto& a : in.failed)
    settle(self, a.id, [&](link_pending& c) { c.fail(c, a.payload); });
}

void retarget(link_self self, dispatcher_actor& target,
              std::vector<link_slot>& slots) {
  auto& st = self->state;
  st.slots = std::move(slots);
  if (target == st.target)
    return;
  if (st.target) {
    self->demonitor(st.target.address());
    st.target = dispatcher_actor{};
    fail_pending(self);
  }
  st.target = std::move(target);
  if (st.target)
    self->monitor(st.target);
}

void send_outbox(link_self self) {
  auto& st = self->state;
  st.flush.arrived();
  if (!st.target || st.outbox.empty())
    return;
  self->send(st.target, wire_atom::value, std::move(st.outbox));
  st.outbox = wire_calls{};
}

link_impl::behavior_type link_behavior(link_self self,
                                       relay_counters_ptr counters) {
  self->state.counters = std::move(counters);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.target || dm.source != st.target.address())
      return; // a target replaced earlier
    st.target = dispatcher_actor{};
    fail_pending(self);
  });
  auto each_row = [=](auto... row) {
    return link_impl::behavior_type{
      on_call(self, row)...,
      on_batch(self, row)...,
      on_void(self),
      [=](wire_atom, wire_answers& in) { on_answers(self, in); },
      [=](target_atom, dispatcher_actor& target,
          std::vector<link_slot>& slots) { retarget(self, target, slots); },
      [=](flush_atom) { send_outbox(self); },
    };
  };
  return std::apply(each_row, all_services{});
}

// A stand-in: hands each call to its link with delegate(), which keeps the
// caller's request id, so the link answers the caller directly.
template <class Row>
typename Row::handle::behavior_type stand_in(typename Row::handle::pointer self,
                                             link_actor link, uint32_t slot) {
  auto call = [=](typename Row::atom atom, typename Row::request& req) {
    return self->delegate(link, slot, atom, std::move(req));
  };
  auto batch = [=](typename Row::atom atom, batch_of<Row>& b) {
    return self->delegate(link, slot, atom, std::move(b));
  };
  if constexpr (Row::kind == check::payment)
    return {call, batch, [=](void_atom atom, void_request& req) {
              return self->delegate(link, slot, atom, std::move(req));
            }};
  else
    return {call, batch};
}

} // namespace

link_actor spawn_link(caf::actor_system& sys, relay_counters_ptr counters) {
  return sys.spawn(link_behavior, std::move(counters));
}

template <class Row>
typename Row::handle spawn_stand_in(caf::actor_system& sys,
                                    const link_actor& link, uint32_t slot) {
  return sys.spawn(stand_in<Row>, link, slot);
}

// Every row's stand-in, for peers.cpp.
template warehouse_actor
spawn_stand_in<service<check::inventory>>(caf::actor_system&, const link_actor&,
                                          uint32_t);
template payment_actor
spawn_stand_in<service<check::payment>>(caf::actor_system&, const link_actor&,
                                        uint32_t);
template fraud_actor spawn_stand_in<service<check::fraud>>(caf::actor_system&,
                                                           const link_actor&,
                                                           uint32_t);
template carrier_actor
spawn_stand_in<service<check::shipping>>(caf::actor_system&, const link_actor&,
                                         uint32_t);

} // namespace order_node
