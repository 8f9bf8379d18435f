// actors/order_core.cpp — see order_core.hpp.
#include "actors/order_core.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

// How many instances can serve slot `id`, and the call of slot `id` (a
// failover sends the same attempt to the next instance).
size_t instances_for(order_self self, int32_t id);
void call_slot(order_self self, int32_t id, bool failover);

namespace {

using clock_type = caf::actor_clock;

double ms_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The instances named `instance` (any name if empty): one per node hosting
// it. Orders spread over them by their key; a failover takes the next one.
template <class Handle>
size_t count_routes(const std::vector<instance_route<Handle>>& routes,
                    const std::string& instance) {
  size_t n = 0;
  for (auto& r : routes)
    if (instance.empty() || r.instance == instance)
      ++n;
  return n;
}

template <class Handle>
const instance_route<Handle>*
pick_route(const std::vector<instance_route<Handle>>& routes,
           const std::string& instance, size_t pick) {
  auto n = count_routes(routes, instance);
  if (n == 0)
    return nullptr;
  pick %= n;
  for (auto& r : routes)
    if (instance.empty() || r.instance == instance) {
      if (pick == 0)
        return &r;
      --pick;
    }
  return nullptr;
}

void record(order_self self, int32_t id, const char* service,
            const std::string& instance, int32_t attempt, std::string outcome) {
  auto& st = self->state;
  auto ms
    = ms_between(st.sent_at[static_cast<size_t>(id)], self->clock().now());
  st.calls.push_back(
    call_record{service, instance, attempt, ms, std::move(outcome)});
}

template <class Reply>
void set_final(order_self self, int32_t id, check_slot<Reply>* slot,
               call_state state, std::string&& error) {
  slot->state = state;
  slot->error = std::move(error);
  self->state.on_final(self, id);
}

template <class Reply>
void on_error(order_self self, int32_t id, check_slot<Reply>* slot,
              const char* service, int32_t attempt, const caf::error& err) {
  auto& st = self->state;
  auto text = error_text(err);
  record(self, id, service, slot->instance, attempt, "error: " + text);
  auto& failovers = st.failovers[static_cast<size_t>(id)];
  if (is_node_lost(err)
      && static_cast<size_t>(failovers) + 1 < instances_for(self, id)
      && self->clock().now() < st.deadline) {
    // Lost with its node, not refused: the same attempt goes to the next
    // instance at once.
    ++failovers;
    slot->state = call_state::pending;
    call_slot(self, id, true);
    return;
  }
  auto backoff = st.params->backoff * (int64_t{1} << std::min(attempt - 1, 20));
  if (attempt < st.params->max_attempts
      && worth_retry(st.replies, slot_of(st.replies, id))
      && self->clock().now() + backoff < st.deadline) {
    slot->error = text;
    self->delayed_send(self, backoff, retry_atom::value, id);
    return;
  }
  set_final(self, id, slot, call_state::failed, std::move(text));
}

// `make_request(call_id)` builds the request of this attempt.
template <class Reply, class Handle, class Atom, class MakeRequest>
void send_call(order_self self, int32_t id, check_slot<Reply>* slot,
               const char* service, const Handle& handle, Atom atom,
               bool failover, MakeRequest make_request) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto attempt = failover ? slot->attempts : ++slot->attempts;
  st.sent_at[static_cast<size_t>(id)] = now;
  auto remaining = st.deadline - now;
  if (remaining.count() <= 0) {
    record(self, id, service, slot->instance, attempt, "timeout");
    set_final(self, id, slot, call_state::timed_out, "");
    return;
  }
  if (!handle) {
    auto text = std::string{"no "} + service + " instance " + slot->instance
                + " available";
    record(self, id, service, slot->instance, attempt, "error: " + text);
    set_final(self, id, slot, call_state::failed, std::move(text));
    return;
  }
  auto& log = node_log();
  if (log.should_log(spdlog::level::debug))
    log.debug("order {}: call {}/{} attempt {}", st.job.order_id, service,
              slot->instance, attempt);
  slot->state = call_state::pending;
  // No timeout of its own: the order's deadline timer bounds the call.
  self
    ->request(handle, caf::infinite, atom,
              make_request(call_id{st.job.order_key, attempt}))
    .then(
      [=](Reply& reply) {
        if (self->state.decided)
          return;
        record(self, id, service, slot->instance, attempt, describe(reply));
        slot->reply = std::move(reply);
        set_final(self, id, slot, call_state::answered, "");
      },
      [=](caf::error& err) {
        if (!self->state.decided)
          on_error(self, id, slot, service, attempt, err);
      });
}

// Marks every slot (the directory could not be asked) and decides.
void fail_all(order_self self, call_state state, const std::string& why) {
  auto& r = self->state.replies;
  auto mark = [&](auto& s) {
    s.state = state;
    s.error = why;
  };
  for (auto& w : r.warehouses)
    mark(w);
  mark(r.payment);
  mark(r.fraud);
  for (auto& q : r.quotes)
    mark(q);
  finish(self);
}

const char* service_of(check c) {
  switch (c) {
    case check::inventory:
      return "inventory";
    case check::payment:
      return "payment";
    case check::fraud:
      return "fraud";
    case check::shipping:
      return "shipping";
  }
  return "unknown";
}

// The deadline: every call still pending (or waiting to retry) times out.
void expire(order_self self) {
  auto& st = self->state;
  if (!st.routed) {
    fail_all(self, call_state::timed_out,
             "service directory: no answer within the deadline");
    return;
  }
  auto n = slot_count(st.replies);
  for (int32_t id = 0; id < n; ++id) {
    auto ref = slot_of(st.replies, id);
    visit_slot(st.replies, ref, [&](auto& slot) {
      if (slot.state != call_state::pending)
        return;
      slot.state = call_state::timed_out;
      record(self, id, service_of(ref.which), slot.instance, slot.attempts,
             "timeout");
    });
  }
  finish(self);
}

} // namespace

slot_ref slot_of(const order_replies& r, int32_t id) {
  auto i = static_cast<size_t>(id);
  auto nw = r.warehouses.size();
  if (i < nw)
    return {check::inventory, i};
  if (i == nw)
    return {check::payment, 0};
  if (i == nw + 1)
    return {check::fraud, 0};
  return {check::shipping, i - nw - 2};
}

int32_t slot_count(const order_replies& r) {
  return static_cast<int32_t>(r.warehouses.size() + 2 + r.quotes.size());
}

size_t instances_for(order_self self, int32_t id) {
  auto& st = self->state;
  auto& r = st.replies;
  auto ref = slot_of(r, id);
  switch (ref.which) {
    case check::inventory:
      return count_routes(st.routes->warehouses,
                          r.warehouses[ref.index].instance);
    case check::payment:
      return count_routes(st.routes->payments, "");
    case check::fraud:
      return count_routes(st.routes->frauds, "");
    case check::shipping:
      return count_routes(st.routes->carriers, r.quotes[ref.index].instance);
  }
  return 0;
}

void call_slot(order_self self, int32_t id, bool failover) {
  auto& st = self->state;
  if (st.decided)
    return;
  auto& r = st.replies;
  auto& req = st.job.request;
  auto ref = slot_of(r, id);
  auto pick
    = st.pick + static_cast<size_t>(st.failovers[static_cast<size_t>(id)]);
  // The chosen route's handle, or an invalid one (no instance).
  auto handle_of = [](auto* route) {
    using handle_type = std::decay_t<decltype(route->handle)>;
    return route != nullptr ? route->handle : handle_type{};
  };
  switch (ref.which) {
    case check::inventory: {
      auto& s = r.warehouses[ref.index];
      send_call(
        self, id, &s, service_of(ref.which),
        handle_of(pick_route(st.routes->warehouses, s.instance, pick)),
        check_atom::value, failover, [&](call_id c) {
          return inventory_request{std::move(c), req.product_id, req.quantity};
        });
      break;
    }
    case check::payment: {
      auto* route = pick_route(st.routes->payments, "", pick);
      if (route != nullptr)
        r.payment.instance = route->instance;
      st.payment_used = handle_of(route);
      send_call(self, id, &r.payment, service_of(ref.which), st.payment_used,
                authorize_atom::value, failover, [&](call_id c) {
                  return payment_request{std::move(c), req.amount, "USD"};
                });
      break;
    }
    case check::fraud: {
      auto* route = pick_route(st.routes->frauds, "", pick);
      if (route != nullptr)
        r.fraud.instance = route->instance;
      send_call(self, id, &r.fraud, service_of(ref.which), handle_of(route),
                assess_atom::value, failover, [&](call_id c) {
                  return fraud_request{std::move(c), req.user_id, req.amount};
                });
      break;
    }
    case check::shipping: {
      auto& s = r.quotes[ref.index];
      send_call(
        self, id, &s, service_of(ref.which),
        handle_of(pick_route(st.routes->carriers, s.instance, pick)),
        quote_atom::value, failover, [&](call_id c) {
          return shipping_request{std::move(c), req.weight, req.destination};
        });
      break;
    }
  }
}

void start_call(order_self self, int32_t id) {
  call_slot(self, id, false);
}

void finish(order_self self) {
  auto& st = self->state;
  if (st.decided)
    return;
  st.decided = true;
  auto d = decide(st.replies);
  auto& res = d.result;
  res.order_id = st.job.order_id;
  auto elapsed = self->clock().now() - st.job.accepted_at;
  res.processing_time_us
    = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  res.processing_time_ms = res.processing_time_us / 1000;
  res.calls = std::move(st.calls);
  if (d.void_payment && st.payment_used)
    self->send(st.payment_used, void_atom::value,
               void_request{st.job.order_key, res.transaction_id});
  auto& log = node_log();
  if (log.should_log(spdlog::level::debug))
    log.debug("order {}: {} after {} ms: {}", res.order_id, res.status,
              res.processing_time_ms, res.details);
  st.promise.deliver(std::move(res));
  self->quit();
}

order_impl::behavior_type order_behavior(order_self self) {
  auto& st = self->state;
  st.deadline = st.job.accepted_at + st.params->deadline;
  st.sent_at.resize(static_cast<size_t>(slot_count(st.replies)));
  st.failovers.resize(st.sent_at.size());
  st.pick = std::hash<std::string>{}(st.job.order_key);
  st.calls.reserve(st.sent_at.size() + 2);
  return {
    [=](run_atom) -> caf::result<order_result> {
      auto& st = self->state;
      if (st.running)
        return make_error(order_errc::internal, "order is already running");
      st.running = true;
      st.promise = self->make_response_promise<order_result>();
      auto remaining = st.deadline - self->clock().now();
      if (remaining.count() <= 0) {
        fail_all(self, call_state::timed_out,
                 "deadline passed before the order started");
        return st.promise;
      }
      self->request(st.directory, caf::infinite, lookup_atom::value)
        .then(
          [=](service_routes_ptr& routes) {
            if (!routes) {
              fail_all(self, call_state::failed, "service directory is empty");
              return;
            }
            self->state.routes = std::move(routes);
            self->state.routed = true;
            self->state.start(self);
          },
          [=](caf::error& err) {
            fail_all(self, call_state::failed,
                     "service directory failed: " + error_text(err));
          });
      return st.promise;
    },
    [=](deadline_atom) {
      if (!self->state.decided)
        expire(self);
    },
    [=](retry_atom, int32_t id) {
      auto& st = self->state;
      if (st.decided)
        return;
      auto ref = slot_of(st.replies, id);
      if (worth_retry(st.replies, ref)) {
        start_call(self, id);
        return;
      }
      // The decision no longer depends on this call: settle it as failed.
      visit_slot(st.replies, ref,
                 [](auto& slot) { slot.state = call_state::failed; });
      st.on_final(self, id);
    },
  };
}

} // namespace order_node
