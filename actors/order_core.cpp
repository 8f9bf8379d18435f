// actors/order_core.cpp — see order_core.hpp.
#include "actors/order_core.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "actors/order_desk.hpp"

namespace order_node {

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

// Records a call of `o` that ended `now` (the caller's clock reading: one
// per message, not one per call).
void record(clock_type::time_point now, order_run& o, int32_t id,
            const char* service, const std::string& instance, int32_t attempt,
            std::string outcome) {
  auto ms = ms_between(o.sent_at[static_cast<size_t>(id)], now);
  o.calls.push_back(
    call_record{service, instance, attempt, ms, std::move(outcome)});
}

// How many instances can serve slot `id`.
size_t instances_for(desk_self self, const order_run& o, int32_t id) {
  auto& routes = *self->state.routes;
  auto& r = o.replies;
  auto ref = slot_of(r, id);
  switch (ref.which) {
    case check::inventory:
      return count_routes(routes.warehouses, r.warehouses[ref.index].instance);
    case check::payment:
      return count_routes(routes.payments, "");
    case check::fraud:
      return count_routes(routes.frauds, "");
    case check::shipping:
      return count_routes(routes.carriers, r.quotes[ref.index].instance);
  }
  return 0;
}

void call_slot(desk_self self, order_run& o, int32_t id, bool failover,
               clock_type::time_point now);

template <class Reply>
void set_final(desk_self self, order_run& o, int32_t id,
               check_slot<Reply>* slot, call_state state, std::string&& error) {
  slot->state = state;
  slot->error = std::move(error);
  o.mode->on_final(self, o, id);
}

// A call failed: `lost` with its node (try the next instance), else refused
// by the service (retry after a backoff if it can still matter).
template <class Reply>
void on_error(desk_self self, order_run& o, int32_t id, check_slot<Reply>* slot,
              const char* service, int32_t attempt, bool lost, std::string text,
              clock_type::time_point now) {
  record(now, o, id, service, slot->instance, attempt, "error: " + text);
  auto& failovers = o.failovers[static_cast<size_t>(id)];
  if (lost && static_cast<size_t>(failovers) + 1 < instances_for(self, o, id)
      && now < o.deadline) {
    // Lost with its node, not refused: the same attempt goes to the next
    // instance at once.
    ++failovers;
    slot->state = call_state::pending;
    call_slot(self, o, id, true, now);
    return;
  }
  auto& params = *self->state.params;
  auto backoff = params.backoff * (int64_t{1} << std::min(attempt - 1, 20));
  if (attempt < params.max_attempts
      && worth_retry(o.replies, slot_of(o.replies, id))
      && now + backoff < o.deadline) {
    slot->error = text;
    self->delayed_send(self, backoff, retry_atom::value, o.id, id);
    return;
  }
  set_final(self, o, id, slot, call_state::failed, std::move(text));
}

// Finds the order a reply is for; nullptr when it has decided (and gone).
order_run* find_running(desk_self self, uint64_t order) {
  auto* o = self->state.running.find(order);
  return o != nullptr && !o->decided ? o : nullptr;
}

// The slot of order `o` with id `id`, as a check_slot<Reply>.
template <class Reply>
check_slot<Reply>* typed_slot(order_run& o, int32_t id);

template <>
check_slot<inventory_reply>* typed_slot(order_run& o, int32_t id) {
  return &o.replies.warehouses[slot_of(o.replies, id).index];
}

template <>
check_slot<payment_reply>* typed_slot(order_run& o, int32_t) {
  return &o.replies.payment;
}

template <>
check_slot<fraud_reply>* typed_slot(order_run& o, int32_t) {
  return &o.replies.fraud;
}

template <>
check_slot<shipping_quote>* typed_slot(order_run& o, int32_t id) {
  return &o.replies.quotes[slot_of(o.replies, id).index];
}

// Queues the call of slot `id` in `out`; `make_request(call_id)` builds the
// request of this attempt.
template <class Reply, class Handle, class Request, class MakeRequest>
void send_call(desk_self self, order_run& o, int32_t id,
               check_slot<Reply>* slot, const char* service,
               const Handle& handle, outbox<Handle, Request>& out,
               bool failover, clock_type::time_point now,
               MakeRequest make_request) {
  auto attempt = failover ? slot->attempts : ++slot->attempts;
  o.sent_at[static_cast<size_t>(id)] = now;
  if (o.deadline <= now) {
    record(now, o, id, service, slot->instance, attempt, "timeout");
    set_final(self, o, id, slot, call_state::timed_out, "");
    return;
  }
  if (!handle) {
    auto text = std::string{"no "} + service + " instance " + slot->instance
                + " available";
    record(now, o, id, service, slot->instance, attempt, "error: " + text);
    set_final(self, o, id, slot, call_state::failed, std::move(text));
    return;
  }
  auto& log = node_log();
  if (log.should_log(spdlog::level::debug))
    log.debug("order {}: call {}/{} attempt {}", o.job.order_id, service,
              slot->instance, attempt);
  slot->state = call_state::pending;
  // No timeout of its own: the order's deadline bounds the call.
  out.add(handle, make_request(call_id{o.job.order_key, attempt}),
          call_tag{o.id, id, attempt});
  auto& st = self->state;
  if (!st.flush_pending) {
    // Behind every message already in the mailbox: under load, the calls
    // of many orders leave together.
    st.flush_pending = true;
    self->send(self, flush_atom::value);
  }
}

template <class Handle, class Request, class Atom>
void flush_outbox(desk_self self, outbox<Handle, Request>& out, Atom atom,
                  clock_type::time_point expires) {
  auto& st = self->state;
  out.flush([&](const Handle& to, std::vector<Request>&& calls,
                std::vector<call_tag>&& tags) {
    auto id = ++st.next_batch;
    st.batches.emplace(id, std::move(tags));
    st.batch_expiry.push_back({expires, id});
    self->send(to, atom, call_batch<Request>{id, std::move(calls)});
  });
}

template <class Reply>
void apply_outcomes(desk_self self, call_outcomes<Reply>& x) {
  auto& st = self->state;
  auto i = st.batches.find(x.id);
  if (i == st.batches.end())
    return; // not ours, or answered already
  auto tags = std::move(i->second);
  st.batches.erase(i);
  if (x.outcomes.size() != tags.size())
    node_log().error("a service answered {} of {} calls; the rest time out",
                     x.outcomes.size(), tags.size());
  auto n = std::min(x.outcomes.size(), tags.size());
  auto now = self->clock().now();
  for (size_t k = 0; k < n; ++k) {
    auto& tag = tags[k];
    auto* o = find_running(self, tag.order);
    if (o == nullptr)
      continue; // decided at its deadline: a late reply
    auto* slot = typed_slot<Reply>(*o, tag.slot);
    if (slot->state != call_state::pending || slot->attempts != tag.attempt)
      continue; // not the call this slot waits for
    auto service = service_of(slot_of(o->replies, tag.slot).which);
    auto& out = x.outcomes[k];
    switch (out.status) {
      case call_status::ok:
        record(now, *o, tag.slot, service, slot->instance, tag.attempt,
               describe(out.reply));
        slot->reply = std::move(out.reply);
        set_final(self, *o, tag.slot, slot, call_state::answered, "");
        break;
      case call_status::transient:
      case call_status::node_lost:
        on_error(self, *o, tag.slot, slot, service, tag.attempt,
                 out.status == call_status::node_lost, std::move(out.error),
                 now);
        break;
    }
  }
}

void call_slot(desk_self self, order_run& o, int32_t id, bool failover,
               clock_type::time_point now) {
  if (o.decided || o.id == 0) // decided, or finished and its slot cleared
    return;
  auto& routes = *self->state.routes;
  auto& r = o.replies;
  auto& req = o.job.request;
  auto ref = slot_of(r, id);
  auto pick
    = o.pick + static_cast<size_t>(o.failovers[static_cast<size_t>(id)]);
  // The chosen route's handle, or an invalid one (no instance).
  auto handle_of = [](auto* route) {
    using handle_type = std::decay_t<decltype(route->handle)>;
    return route != nullptr ? route->handle : handle_type{};
  };
  switch (ref.which) {
    case check::inventory: {
      auto& s = r.warehouses[ref.index];
      send_call(
        self, o, id, &s, service_of(ref.which),
        handle_of(pick_route(routes.warehouses, s.instance, pick)),
        self->state.to_warehouses, failover, now, [&](call_id c) {
          return inventory_request{std::move(c), req.product_id, req.quantity};
        });
      break;
    }
    case check::payment: {
      auto* route = pick_route(routes.payments, "", pick);
      if (route != nullptr)
        r.payment.instance = route->instance;
      o.payment_used = handle_of(route);
      send_call(self, o, id, &r.payment, service_of(ref.which), o.payment_used,
                self->state.to_payments, failover, now, [&](call_id c) {
                  return payment_request{std::move(c), req.amount, "USD"};
                });
      break;
    }
    case check::fraud: {
      auto* route = pick_route(routes.frauds, "", pick);
      if (route != nullptr)
        r.fraud.instance = route->instance;
      send_call(self, o, id, &r.fraud, service_of(ref.which), handle_of(route),
                self->state.to_frauds, failover, now, [&](call_id c) {
                  return fraud_request{std::move(c), req.user_id, req.amount};
                });
      break;
    }
    case check::shipping: {
      auto& s = r.quotes[ref.index];
      send_call(
        self, o, id, &s, service_of(ref.which),
        handle_of(pick_route(routes.carriers, s.instance, pick)),
        self->state.to_carriers, failover, now, [&](call_id c) {
          return shipping_request{std::move(c), req.weight, req.destination};
        });
      break;
    }
  }
}

// Marks every slot (the order never had routes) and decides.
void fail_all(desk_self self, order_run& o, call_state state,
              const std::string& why) {
  auto& r = o.replies;
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
  finish(self, o);
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

void init_order(order_run& o, const order_params& params) {
  o.mode->init(o, params);
  o.deadline = o.job.accepted_at + params.deadline;
  auto n = static_cast<size_t>(slot_count(o.replies));
  o.sent_at.resize(n);
  o.failovers.resize(n);
  o.pick = std::hash<std::string>{}(o.job.order_key);
  o.calls.reserve(n + 2);
}

void start_order(desk_self self, order_run& o) {
  o.started = true;
  if (o.deadline <= self->clock().now()) {
    fail_all(self, o, call_state::timed_out,
             "deadline passed before the order started");
    return;
  }
  o.mode->start(self, o);
}

void flush_calls(desk_self self) {
  auto& st = self->state;
  st.flush_pending = false;
  // Every order with a call in these batches was accepted by now, so its
  // deadline comes before this.
  auto expires = self->clock().now() + st.params->deadline;
  flush_outbox(self, st.to_warehouses, check_atom::value, expires);
  flush_outbox(self, st.to_payments, authorize_atom::value, expires);
  flush_outbox(self, st.to_frauds, assess_atom::value, expires);
  flush_outbox(self, st.to_carriers, quote_atom::value, expires);
}

void on_outcomes(desk_self self, inventory_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, payment_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, fraud_outcomes& x) {
  apply_outcomes(self, x);
}

void on_outcomes(desk_self self, shipping_outcomes& x) {
  apply_outcomes(self, x);
}

void start_call(desk_self self, order_run& o, int32_t id,
                clock_type::time_point now) {
  call_slot(self, o, id, false, now);
}

void retry_call(desk_self self, order_run& o, int32_t id) {
  auto ref = slot_of(o.replies, id);
  if (worth_retry(o.replies, ref)) {
    start_call(self, o, id, self->clock().now());
    return;
  }
  // The decision no longer depends on this call: settle it as failed.
  visit_slot(o.replies, ref,
             [](auto& slot) { slot.state = call_state::failed; });
  o.mode->on_final(self, o, id);
}

void expire_order(desk_self self, order_run& o) {
  if (!o.started) {
    fail_all(self, o, call_state::timed_out,
             "service directory: no answer within the deadline");
    return;
  }
  auto n = slot_count(o.replies);
  auto now = self->clock().now();
  for (int32_t id = 0; id < n; ++id) {
    auto ref = slot_of(o.replies, id);
    visit_slot(o.replies, ref, [&](auto& slot) {
      if (slot.state != call_state::pending)
        return;
      slot.state = call_state::timed_out;
      record(now, o, id, service_of(ref.which), slot.instance, slot.attempts,
             "timeout");
    });
  }
  finish(self, o);
}

void finish(desk_self self, order_run& o) {
  if (o.decided || o.id == 0) // decided, or finished and its slot cleared
    return;
  o.decided = true;
  auto d = decide(o.replies);
  auto& res = d.result;
  res.order_id = o.job.order_id;
  auto elapsed = self->clock().now() - o.job.accepted_at;
  res.processing_time_us
    = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  res.processing_time_ms = res.processing_time_us / 1000;
  res.calls = std::move(o.calls);
  if (d.void_payment && o.payment_used)
    self->send(o.payment_used, void_atom::value,
               void_request{o.job.order_key, res.transaction_id});
  // One line per order at the default level, as the tutorial's services
  // log "Order processed in parallel"; the details at debug.
  // Built by hand: fmt's parsing cost more than the rest of the line.
  auto& log = node_log();
  if (log.should_log(spdlog::level::info)) {
    std::string line;
    line.reserve(96);
    line += o.kind == order_kind::parallel
              ? "Order processed in parallel orderId="
              : "Order processed sequentially orderId=";
    line += res.order_id;
    line += " status=";
    line += res.status;
    line += " durationMs=";
    line += std::to_string(res.processing_time_ms);
    log.info(std::string_view{line});
  }
  if (log.should_log(spdlog::level::debug))
    log.debug("order {}: {}", res.order_id, res.details);
  complete_order(self, o.id, std::move(res));
}

} // namespace order_node
