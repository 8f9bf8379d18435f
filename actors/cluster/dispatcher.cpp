// actors/cluster/dispatcher.cpp — see dispatcher.hpp.
#include "actors/cluster/dispatcher.hpp"

#include <iterator>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/support/pending_message.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

/// The answers owed to one front's link.
struct front_box {
  wire_caller link;
  wire_answers answers;
};

/// A part of a batch sent to an instance: one of the front's calls (a
/// single call, or `calls` calls of a batch).
struct piece {
  uint64_t id = 0; // the front's
  uint32_t calls = 1;
  bool batch = false;
};

/// A batch sent to an instance: whose calls it carries.
struct sent_batch {
  caf::actor_addr front;
  std::vector<piece> pieces;
};

struct dispatcher_state {
  service_routes local;
  std::unordered_map<caf::actor_addr, front_box> fronts;
  std::unordered_map<uint64_t, sent_batch> sent; // by the batch's id
  uint64_t next_id = 0;
  pending_message flush;
  static constexpr const char* name = "dispatcher";
};

using dispatcher_impl = dispatcher_actor::extend_with<service_caller>::extend<
  caf::reacts_to<flush_atom>>;
using dispatcher_self = dispatcher_impl::stateful_pointer<dispatcher_state>;

// The box of the front that sent the current message (monitored from its
// first message on, so that its box goes when it does).
front_box* sender_box(dispatcher_self self, caf::actor_addr& addr) {
  auto& sender = self->current_sender();
  if (!sender)
    return nullptr; // an anonymous message: nobody to answer
  addr = sender->address();
  auto& st = self->state;
  auto i = st.fronts.find(addr);
  if (i == st.fronts.end()) {
    i = st.fronts.emplace(addr, front_box{}).first;
    i->second.link = caf::actor_cast<wire_caller>(sender);
    self->monitor(sender);
  }
  return &i->second;
}

// An answer for `box` is ready: the round's answers leave together.
wire_answers& owed(dispatcher_self self, front_box& box) {
  self->state.flush.send(self, flush_atom::value);
  return box.answers;
}

caf::error no_instance(const char* role, uint32_t index) {
  return make_error(order_errc::node_lost, std::string{"this node hosts no "}
                                             + role + " number "
                                             + std::to_string(index));
}

// One batch per instance of `row`'s service with the calls for it.
template <class Row>
void hand_out(dispatcher_self self, front_box& box,
              const caf::actor_addr& front, Row row,
              wire_row_calls<Row>& calls) {
  if (calls.empty())
    return;
  auto& st = self->state;
  auto& instances = row.routes(st.local);
  std::vector<std::pair<batch_of<Row>, sent_batch>> per(instances.size());
  // The batch for the call's instance, with the call's piece noted.
  auto take = [&](auto& c, size_t n, bool batch) -> batch_of<Row>* {
    if (c.instance >= per.size()) {
      owed(self, box).failed.push_back(
        {c.id, no_instance(Row::role, c.instance)});
      return nullptr;
    }
    auto& [b, sent] = per[c.instance];
    sent.pieces.push_back({c.id, static_cast<uint32_t>(n), batch});
    return &b;
  };
  for (auto& c : calls.single)
    if (auto b = take(c, 1, false))
      b->calls.push_back(std::move(c.payload));
  for (auto& c : calls.batches)
    if (auto b = take(c, c.payload.size(), true))
      std::move(c.payload.begin(), c.payload.end(),
                std::back_inserter(b->calls));
  for (size_t i = 0; i < per.size(); ++i) {
    auto& [b, sent] = per[i];
    if (b.calls.empty())
      continue;
    b.id = ++st.next_id;
    sent.front = front;
    st.sent.emplace(b.id, std::move(sent));
    self->send(instances[i].handle, typename Row::atom{}, std::move(b));
  }
}

void hand_out_voids(dispatcher_self self, front_box& box,
                    const caf::actor_addr& front,
                    std::vector<wire_call<void_request>>& voids) {
  auto& payments = self->state.local.payments;
  for (auto& v : voids) {
    if (v.instance >= payments.size()) {
      owed(self, box).failed.push_back(
        {v.id, no_instance("payment", v.instance)});
      continue;
    }
    auto id = v.id;
    auto box_of = [=]() -> front_box* {
      auto i = self->state.fronts.find(front);
      return i == self->state.fronts.end() ? nullptr : &i->second;
    };
    // Voids are few (a failed order that was authorized): one request each.
    self
      ->request(payments[v.instance].handle, caf::infinite, void_atom::value,
                std::move(v.payload))
      .then(
        [=](bool known) {
          if (auto b = box_of())
            owed(self, *b).voids.push_back({id, known});
        },
        [=](caf::error& err) {
          if (auto b = box_of())
            owed(self, *b).failed.push_back({id, std::move(err)});
        });
  }
}

void on_calls(dispatcher_self self, wire_calls& in) {
  caf::actor_addr front;
  auto box = sender_box(self, front);
  if (box == nullptr)
    return;
  in.rows.each(
    [&](auto row, auto& calls) { hand_out(self, *box, front, row, calls); });
  hand_out_voids(self, *box, front, in.voids);
}

// An instance answered a batch: its outcomes go to the calls' front, each
// piece as the answer to the front's call.
template <class Row>
void on_outcomes(dispatcher_self self, Row row, outcomes_of<Row>& got) {
  auto& st = self->state;
  auto s = st.sent.find(got.id);
  if (s == st.sent.end())
    return;
  auto sent = std::move(s->second);
  st.sent.erase(s);
  auto f = st.fronts.find(sent.front);
  if (f == st.fronts.end())
    return; // the front is gone
  auto& answers = owed(self, f->second).rows.of(row);
  auto& outcomes = got.outcomes;
  size_t at = 0;
  for (auto& p : sent.pieces) {
    if (at + p.calls > outcomes.size()) {
      owed(self, f->second)
        .failed.push_back(
          {p.id, make_error(order_errc::transient, "the instance lost calls")});
      continue;
    }
    auto first = outcomes.begin() + static_cast<std::ptrdiff_t>(at);
    if (p.batch)
      answers.batches.push_back({p.id,
                                 {std::make_move_iterator(first),
                                  std::make_move_iterator(first + p.calls)}});
    else
      answers.single.push_back({p.id, std::move(*first)});
    at += p.calls;
  }
}

void send_answers(dispatcher_self self) {
  auto& st = self->state;
  st.flush.arrived();
  for (auto& kvp : st.fronts) {
    auto& box = kvp.second;
    if (box.answers.empty())
      continue;
    self->send(box.link, wire_atom::value, std::move(box.answers));
    box.answers = wire_answers{};
  }
}

dispatcher_impl::behavior_type dispatcher(dispatcher_self self,
                                          service_routes local) {
  self->state.local = std::move(local);
  self->set_down_handler([=](caf::down_msg& dm) {
    // A front is gone: so are the answers it was owed.
    self->state.fronts.erase(dm.source);
  });
  auto each_row = [=](auto... row) {
    return dispatcher_impl::behavior_type{
      [=](wire_atom, wire_calls& in) { on_calls(self, in); },
      [=](outcomes_of<decltype(row)>& got) { on_outcomes(self, row, got); }...,
      [=](flush_atom) { send_answers(self); },
    };
  };
  return std::apply(each_row, all_services{});
}

} // namespace

dispatcher_actor spawn_dispatcher(caf::actor_system& sys,
                                  service_routes local) {
  return sys.spawn(dispatcher, std::move(local));
}

} // namespace order_node
