// actors/cluster/link.cpp — see link.hpp.
#include "actors/cluster/link.hpp"

#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_actor.hpp>
#include <caf/message.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "actors/support/pending_message.hpp"
#include "messages/errors.hpp"

namespace order_node {

/// A call a stand-in queued: its service and slot, and the message as it
/// came.
struct queued_call {
  check kind = check::inventory;
  uint32_t slot = 0;
  caf::mailbox_element_ptr message;
};

struct call_queue {
  std::mutex mtx;
  std::vector<queued_call> calls;
};

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
  std::shared_ptr<call_queue> queue;
  std::vector<queued_call> taken; // the queue's calls, swapped out
  dispatcher_actor target;        // invalid while the node is down
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

// Takes the promise of the caller of `msg` for a call queued for the next
// flush; the call's id.
uint64_t enlist(link_self self, link_pending call, caf::mailbox_element& msg) {
  auto& st = self->state;
  auto id = ++st.next_id;
  call.promise
    = caf::response_promise{caf::actor_cast<caf::strong_actor_ptr>(self), msg};
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

// Takes `call` for the caller of `msg` and `push(id, index)`es its payload
// into the outbox; or, when no call can go to its instance now, fails it at
// once as a lost node would.
template <class Push>
void take_one(link_self self, link_pending call, int32_t index,
              caf::mailbox_element& msg, Push push) {
  if (index < 0) {
    call.promise = caf::response_promise{
      caf::actor_cast<caf::strong_actor_ptr>(self), msg};
    call.fail(call, unreachable(self->state, call.slot));
    return;
  }
  push(enlist(self, std::move(call), msg), static_cast<uint32_t>(index));
}

// One queued call, by what its stand-in's service takes: a single call, a
// batch (the batched desk's) or, for payment, a void. Anything else is
// answered with an error.
void take(link_self self, queued_call& q) {
  auto& st = self->state;
  auto& msg = *q.message;
  auto index = index_of(st, q.slot);
  link_pending call;
  call.slot = q.slot;
  call.fail = fail_one;
  visit_service(q.kind, [&](auto row) {
    using row_type = decltype(row);
    using atom = typename row_type::atom;
    auto& out = self->state.outbox;
    auto& x = msg.content();
    if (x.match_elements<atom, typename row_type::request>()) {
      auto& req = x.get_mutable_as<typename row_type::request>(1);
      take_one(self, call, index, msg, [&](uint64_t id, uint32_t at) {
        out.rows.of(row).single.push_back({id, at, std::move(req)});
      });
    } else if (x.match_elements<atom, batch_of<row_type>>()) {
      auto& batch = x.get_mutable_as<batch_of<row_type>>(1);
      call.batch = batch.id;
      call.calls = batch.calls.size();
      call.fail = fail_batch<outcomes_of<row_type>>;
      take_one(self, call, index, msg, [&](uint64_t id, uint32_t at) {
        out.rows.of(row).batches.push_back({id, at, std::move(batch.calls)});
      });
    } else if (row.kind == check::payment
               && x.match_elements<void_atom, void_request>()) {
      auto& req = x.get_mutable_as<void_request>(1);
      take_one(self, call, index, msg, [&](uint64_t id, uint32_t at) {
        out.voids.push_back({id, at, std::move(req)});
      });
    } else {
      caf::response_promise{caf::actor_cast<caf::strong_actor_ptr>(self), msg}
        .deliver(caf::make_error(caf::sec::unexpected_message));
    }
  });
}

// Takes every call the stand-ins queued.
void drain(link_self self) {
  auto& st = self->state;
  {
    std::lock_guard<std::mutex> guard{st.queue->mtx};
    st.taken.swap(st.queue->calls);
  }
  for (auto& q : st.taken)
    take(self, q);
  st.taken.clear();
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
                                       std::shared_ptr<call_queue> queue,
                                       relay_counters_ptr counters) {
  self->state.queue = std::move(queue);
  self->state.counters = std::move(counters);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.target || dm.source != st.target.address())
      return; // a target replaced earlier
    st.target = dispatcher_actor{};
    fail_pending(self);
  });
  return {
    [=](drain_atom) { drain(self); },
    [=](wire_atom, wire_answers& in) { on_answers(self, in); },
    [=](target_atom, dispatcher_actor& target, std::vector<link_slot>& slots) {
      retarget(self, target, slots);
    },
    [=](flush_atom) { send_outbox(self); },
  };
}

// A stand-in has no mailbox and no behaviour: enqueue() runs on the caller's
// thread, puts the message in the link's queue with the stand-in's slot, and
// wakes the link when the queue was empty (CAF's decorators also do their
// work in enqueue()). The link answers the caller directly.
class stand_in final : public caf::monitorable_actor {
 public:
  stand_in(link_ref link, check kind, uint32_t slot)
      : caf::monitorable_actor(config()), link_(std::move(link)), kind_(kind),
        slot_(slot) {}

  void enqueue(caf::mailbox_element_ptr what,
               caf::execution_unit* host) override {
    if (handle_system_message(*what, host, false))
      return; // exit and system messages
    bool was_empty = false;
    {
      std::lock_guard<std::mutex> guard{link_.queue->mtx};
      was_empty = link_.queue->calls.empty();
      link_.queue->calls.push_back({kind_, slot_, std::move(what)});
    }
    if (was_empty)
      caf::actor_cast<caf::abstract_actor*>(link_.actor)
        ->enqueue(nullptr, caf::make_message_id(),
                  caf::make_message(drain_atom::value), host);
  }

  std::set<std::string> message_types() const override { return {}; }

 private:
  static caf::actor_config& config() {
    static caf::actor_config cfg;
    return cfg;
  }

  link_ref link_;
  check kind_;
  uint32_t slot_;
};

} // namespace

link_ref spawn_link(caf::actor_system& sys, relay_counters_ptr counters) {
  auto queue = std::make_shared<call_queue>();
  return {sys.spawn(link_behavior, queue, std::move(counters)), queue};
}

template <class Row>
typename Row::handle spawn_stand_in(caf::actor_system& sys,
                                    const link_ref& link, uint32_t slot) {
  auto ptr = caf::make_actor<stand_in, caf::strong_actor_ptr>(
    sys.next_actor_id(), sys.node(), &sys, link, Row::kind, slot);
  return caf::actor_cast<typename Row::handle>(std::move(ptr));
}

// Every row's stand-in, for peers.cpp.
template warehouse_actor
spawn_stand_in<service<check::inventory>>(caf::actor_system&, const link_ref&,
                                          uint32_t);
template payment_actor
spawn_stand_in<service<check::payment>>(caf::actor_system&, const link_ref&,
                                        uint32_t);
template fraud_actor spawn_stand_in<service<check::fraud>>(caf::actor_system&,
                                                           const link_ref&,
                                                           uint32_t);
template carrier_actor
spawn_stand_in<service<check::shipping>>(caf::actor_system&, const link_ref&,
                                         uint32_t);

} // namespace order_node
