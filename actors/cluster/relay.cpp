// actors/cluster/relay.cpp — see relay.hpp.
#include "actors/cluster/relay.hpp"

#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

using relay_self = desk_relay_actor::stateful_pointer<desk_relay_state>;

caf::error unreachable(const desk_relay_state& st) {
  return make_error(order_errc::node_lost, st.what + " is unreachable");
}

void fail_pending(relay_self self) {
  auto& st = self->state;
  auto why = unreachable(st);
  for (auto& kvp : st.pending)
    kvp.second.deliver(why);
  st.counters->in_flight -= static_cast<int64_t>(st.pending.size());
  st.pending.clear();
}

// Forwards `atom, sub` and answers the caller with the front's answer, or
// with node_lost if the front goes away first.
template <class Reply, class Atom>
caf::result<Reply> forward(relay_self self, Atom atom, order_submission& sub) {
  auto& st = self->state;
  if (!st.target)
    return unreachable(st);
  auto id = ++st.next_id;
  auto rp = self->make_response_promise();
  st.pending.emplace(id, rp);
  ++st.counters->in_flight;
  ++st.counters->calls;
  auto settle = [self, id](auto&& answer) {
    auto& st = self->state;
    auto i = st.pending.find(id);
    if (i == st.pending.end())
      return; // already failed: the front was lost
    i->second.deliver(std::forward<decltype(answer)>(answer));
    --st.counters->in_flight;
    st.pending.erase(i);
  };
  self->request(st.target, caf::infinite, atom, std::move(sub))
    .then([settle](Reply& reply) { settle(std::move(reply)); },
          [settle](caf::error& err) { settle(std::move(err)); });
  return rp;
}

// Asks the front directly: `atom, xs...` (lookups and counters).
template <class Reply, class... Ts>
caf::result<Reply> ask(relay_self self, Ts&&... xs) {
  auto& st = self->state;
  if (!st.target)
    return unreachable(st);
  return self->delegate(st.target, std::forward<Ts>(xs)...);
}

} // namespace

desk_relay_actor::behavior_type desk_relay(relay_self self, relay_args args) {
  auto& st = self->state;
  st.what = std::move(args.what);
  st.counters = std::move(args.counters);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.target || dm.source != st.target.address())
      return; // a target replaced earlier
    node_log().debug("relay {}: front down, failing {} pending orders", st.what,
                     st.pending.size());
    st.target = order_desk_actor{};
    fail_pending(self);
  });
  return {
    [=](submit_atom atom, order_submission& sub) {
      return forward<order_result>(self, atom, sub);
    },
    [=](send_atom atom, order_submission& sub) {
      return forward<order_accepted>(self, atom, sub);
    },
    [=](get_atom atom, std::string& id) {
      return ask<journal_lookup>(self, atom, std::move(id));
    },
    [=](attach_atom atom, std::string& id) {
      return ask<journal_lookup>(self, atom, std::move(id));
    },
    [=](stats_atom atom) { return ask<desk_stats>(self, atom); },
    [=](target_atom, order_desk_actor& target) {
      auto& st = self->state;
      if (target == st.target)
        return;
      if (st.target) {
        self->demonitor(st.target.address());
        fail_pending(self);
      }
      st.target = std::move(target);
      if (st.target)
        self->monitor(st.target);
    },
  };
}

} // namespace order_node
