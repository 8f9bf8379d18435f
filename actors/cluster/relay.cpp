// actors/cluster/relay.cpp — see relay.hpp.
#include "actors/cluster/relay.hpp"

#include <type_traits>

#include <caf/actor_cast.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/service_table.hpp"

namespace order_node {

namespace {

template <class Handle>
caf::error unreachable(const relay_state<Handle>& st) {
  return make_error(order_errc::node_lost, st.what + " is unreachable");
}

template <class Handle>
void fail_pending(relay_self<Handle> self, const caf::error& why) {
  auto& st = self->state;
  for (auto& kvp : st.pending)
    kvp.second.fail(kvp.second, why);
  for (auto& kvp : st.pending)
    st.counters->in_flight -= kvp.second.weight();
  st.pending.clear();
}

template <class Handle>
void init(relay_self<Handle> self, relay_args&& args) {
  auto& st = self->state;
  st.what = std::move(args.what);
  st.counters = std::move(args.counters);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.target || dm.source != st.target.address())
      return; // a target replaced earlier
    node_log().debug("relay {}: target down, failing {} pending calls", st.what,
                     st.pending.size());
    st.target = Handle{};
    fail_pending<Handle>(self, unreachable(st));
  });
}

template <class Handle>
auto retarget(relay_self<Handle> self) {
  return [=](target_atom, Handle& target) {
    auto& st = self->state;
    if (target == st.target)
      return;
    if (st.target) {
      self->demonitor(st.target.address());
      fail_pending<Handle>(self, unreachable(st));
    }
    st.target = std::move(target);
    if (st.target)
      self->monitor(st.target);
  };
}

// How a lost call is answered: an order submission with the error itself,
void fail_request(relay_call& c, const caf::error& why) {
  c.promise.deliver(why);
}

// a call batch with one node_lost outcome per call.
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
void fail_batch(relay_call& c, const caf::error& why) {
  c.promise.deliver(lost_outcomes<Outcomes>(c.batch, c.calls, why));
}

// Forwards `atom, request` and answers the caller with the reply of the
// remote actor, or with `call.fail` if its node goes away first.
template <class Reply, class Handle, class Atom, class Request>
caf::result<Reply> forward_call(relay_self<Handle> self, Atom atom,
                                Request& request, relay_call call) {
  auto& st = self->state;
  auto id = ++st.next_id;
  call.promise = self->make_response_promise();
  auto rp = call.promise;
  st.counters->in_flight += call.weight();
  st.counters->calls += call.weight();
  st.pending.emplace(id, std::move(call));
  auto settle = [self, id](auto&& answer) {
    auto& st = self->state;
    auto i = st.pending.find(id);
    if (i == st.pending.end())
      return; // already failed: the node was lost
    if constexpr (std::is_same_v<std::decay_t<decltype(answer)>, caf::error>)
      i->second.fail(i->second, answer);
    else
      i->second.promise.deliver(std::forward<decltype(answer)>(answer));
    st.counters->in_flight -= i->second.weight();
    st.pending.erase(i);
  };
  self->request(st.target, caf::infinite, atom, std::move(request))
    .then([settle](Reply& reply) { settle(std::move(reply)); },
          [settle](caf::error& err) { settle(std::move(err)); });
  return rp;
}

// A service's call batches.
template <class Outcomes, class Handle, class Atom, class Batch>
auto forward_batch(relay_self<Handle> self) {
  return [=](Atom atom, Batch& batch) -> caf::result<Outcomes> {
    auto& st = self->state;
    if (!st.target)
      return lost_outcomes<Outcomes>(batch.id, batch.calls.size(),
                                     unreachable(st));
    relay_call call;
    call.batch = batch.id;
    call.calls = batch.calls.size();
    call.fail = fail_batch<Outcomes>;
    return forward_call<Outcomes, Handle>(self, atom, batch, std::move(call));
  };
}

// A service's single calls: the reply, or the error of the remote actor
// (transient), or order_errc::node_lost when its node is lost.
template <class Reply, class Handle, class Atom, class Request>
auto forward_one(relay_self<Handle> self) {
  return [=](Atom atom, Request& request) -> caf::result<Reply> {
    auto& st = self->state;
    if (!st.target)
      return unreachable(st);
    relay_call call;
    call.fail = fail_request;
    return forward_call<Reply, Handle>(self, atom, request, std::move(call));
  };
}

} // namespace

template <class Row>
typename relay_actor<typename Row::handle>::behavior_type
service_relay(relay_self<typename Row::handle> self, relay_args args) {
  using handle = typename Row::handle;
  using atom = typename Row::atom;
  init<handle>(self, std::move(args));
  auto one
    = forward_one<typename Row::reply, handle, atom, typename Row::request>(
      self);
  auto batch
    = forward_batch<outcomes_of<Row>, handle, atom, batch_of<Row>>(self);
  if constexpr (Row::kind == check::payment)
    return {one, batch,
            forward_one<bool, handle, void_atom, void_request>(self),
            retarget<handle>(self)};
  else
    return {one, batch, retarget<handle>(self)};
}

// peers.cpp spawns a relay per row through the table without seeing the
// definition above: this table of every row's relay, a definition the
// compiler must emit, makes it emit each of them.
template <class... Rows>
constexpr auto relay_functions(std::tuple<Rows...>*) {
  return std::make_tuple(&service_relay<Rows>...);
}
extern const auto every_relay
  = relay_functions(static_cast<all_services*>(nullptr));

typename relay_actor<order_desk_actor>::behavior_type
desk_relay(relay_self<order_desk_actor> self, relay_args args) {
  init<order_desk_actor>(self, std::move(args));
  return {
    [=](submit_atom atom, order_submission& sub) -> caf::result<order_result> {
      auto& st = self->state;
      if (!st.target)
        return unreachable(st);
      relay_call call;
      call.fail = fail_request;
      return forward_call<order_result, order_desk_actor>(self, atom, sub,
                                                          std::move(call));
    },
    [=](send_atom atom, order_submission& sub) -> caf::result<order_accepted> {
      auto& st = self->state;
      if (!st.target)
        return unreachable(st);
      relay_call call;
      call.fail = fail_request;
      return forward_call<order_accepted, order_desk_actor>(self, atom, sub,
                                                            std::move(call));
    },
    [=](get_atom atom, std::string& id) -> caf::result<journal_lookup> {
      auto& st = self->state;
      if (!st.target)
        return unreachable(st);
      return self->delegate(st.target, atom, std::move(id));
    },
    [=](attach_atom atom, std::string& id) -> caf::result<journal_lookup> {
      auto& st = self->state;
      if (!st.target)
        return unreachable(st);
      return self->delegate(st.target, atom, std::move(id));
    },
    [=](stats_atom atom) -> caf::result<desk_stats> {
      auto& st = self->state;
      if (!st.target)
        return unreachable(st);
      return self->delegate(st.target, atom);
    },
    retarget<order_desk_actor>(self),
  };
}

} // namespace order_node
