// actors/order/order_machine.cpp — see order_machine.hpp.
#include "actors/order/order_machine.hpp"

#include <algorithm>
#include <functional>
#include <type_traits>

#include <spdlog/spdlog.h>

#include "actors/order/slots.hpp"
#include "actors/rules/outcome.hpp"
#include "actors/support/log.hpp"
#include "messages/journal_codec.hpp"
#include "messages/units.hpp"

namespace order_node {

order_context::~order_context() = default;

void order_context::journal_reply(order_machine&, struct journal_reply&&) {
  // Engines without a journal drop it.
}

int32_t order_machine::slots() const {
  return slot_count(replies_);
}

void order_machine::init(order_kind kind, order_job job,
                         const order_params& params) {
  kind_ = kind;
  params_ = &params;
  job_ = std::move(job);
  auto& r = replies_;
  if (kind == order_kind::parallel) {
    r.warehouses.reserve(params.warehouses.size());
    r.quotes.reserve(params.carriers.size());
    for (auto& name : params.warehouses)
      r.warehouses.emplace_back().instance = name;
    for (auto& name : params.carriers)
      r.quotes.emplace_back().instance = name;
  } else {
    r.warehouses.emplace_back().instance = params.warehouses.front();
    r.quotes.emplace_back().instance = params.carriers.front();
  }
  r.payment.instance = "payment";
  r.fraud.instance = "fraud";
  deadline_
    = (job_.resumed ? job_.deadline_from : job_.accepted_at) + params.deadline;
  auto n = static_cast<size_t>(slot_count(r));
  sent_at_.resize(n);
  failovers_.resize(n);
  pick_ = std::hash<std::string>{}(job_.order_key);
  calls_.reserve(n); // one record per slot unless retried or failed over
}

void order_machine::reset() {
  // Field by field, not `*this = {}`: the strings and vectors keep their
  // capacity for the next order (a whole new machine cost ~500
  // instructions an order).
  id = 0;
  kind_ = order_kind::parallel;
  params_ = nullptr;
  job_.request = order_request{};
  job_.order_key.clear();
  job_.order_id.clear();
  job_.accepted_at = order_time{};
  job_.seq = 0;
  job_.deadline_from = order_time{};
  job_.resumed = false;
  job_.replayed.clear();
  job_.awaiting_record = false;
  deadline_ = order_time{};
  replies_.warehouses.clear();
  replies_.quotes.clear();
  replies_.payment = check_slot<payment_reply>{};
  replies_.fraud = check_slot<fraud_reply>{};
  calls_.clear();
  sent_at_.clear();
  failovers_.clear();
  pick_ = 0;
  outstanding_ = 0;
  deferred_ = -1;
  started_ = false;
  decided_ = false;
}

void order_machine::start(order_context& ctx, order_time now) {
  started_ = true;
  if (deadline_ <= now) {
    fail_all(ctx, call_state::timed_out,
             "deadline passed before the order started", now);
  } else if (job_.replayed.empty()) {
    start_fresh(ctx, now);
  } else {
    resume(ctx, now);
  }
}

void order_machine::start_fresh(order_context& ctx, order_time now) {
  if (kind_ == order_kind::sequential) {
    call(ctx, 0, false, now);
    return;
  }
  auto n = slots();
  outstanding_ = n;
  // A call can end at once (no instance); the last one to end finishes
  // the order, which may then be gone: nothing touches `this` after it.
  for (int32_t id = 0; id < n; ++id)
    call(ctx, id, false, now);
}

void order_machine::resume(order_context& ctx, order_time now) {
  auto n = slots();
  std::vector<bool> answered(static_cast<size_t>(n), false);
  for (auto& r : job_.replayed)
    if (replay(r, now))
      answered[static_cast<size_t>(r.slot)] = true;
  job_.replayed.clear();
  if (kind_ == order_kind::sequential) {
    // Past the stages answered before the restart, to the first one that
    // failed (the order ends) or was not answered (it is called).
    int32_t id = 0;
    while (id < n && answered[static_cast<size_t>(id)]) {
      if (!passed(replies_, id) || id + 1 == n) {
        finish(ctx, now);
        return;
      }
      ++id;
    }
    call(ctx, id, false, now);
    return;
  }
  std::vector<int32_t> to_call;
  to_call.reserve(static_cast<size_t>(n));
  for (int32_t id = 0; id < n; ++id)
    if (!answered[static_cast<size_t>(id)])
      to_call.push_back(id);
  outstanding_ = static_cast<int32_t>(to_call.size());
  if (to_call.empty()) {
    finish(ctx, now);
    return;
  }
  // A call can end at once (no instance); the last one to end finishes the
  // order, which may then be gone: nothing touches `this` after the loop.
  for (auto id : to_call)
    call(ctx, id, false, now);
}

bool order_machine::replay(const journal_reply& r, order_time now) {
  if (r.slot < 0 || r.slot >= slots())
    return false;
  bool ok = false;
  with_slot(replies_, r.slot, [&](auto& slot) {
    auto x = slot.reply;
    if (!decode(r.reply, x))
      return;
    ok = true;
    slot.reply = std::move(x);
    slot.state = call_state::answered;
    slot.attempts = r.attempt;
  });
  if (ok) {
    sent_at_[static_cast<size_t>(r.slot)] = now;
    with_slot(replies_, r.slot, [&](auto& slot) {
      record(r.slot, r.attempt, call_end::answered,
             describe(slot.reply) + " (from the journal)", now);
    });
  }
  return ok;
}

void order_machine::call(order_context& ctx, int32_t id, bool failover,
                         order_time now) {
  if (decided_)
    return;
  auto ref = slot_of(replies_, id);
  if (ref.which == check::payment && job_.awaiting_record) {
    // Charged only once the journal holds the order: on_recorded().
    with_slot(replies_, id,
              [](auto& slot) { slot.state = call_state::pending; });
    sent_at_[static_cast<size_t>(id)] = now;
    deferred_ = id;
    return;
  }
  call_ticket t;
  t.slot = id;
  t.service = ref.which;
  t.pick = pick_ + static_cast<size_t>(failovers_[static_cast<size_t>(id)]);
  bool timed_out = false;
  t.instance = &route_name(replies_, id);
  with_slot(replies_, id, [&](auto& slot) {
    t.attempt = failover ? slot.attempts : ++slot.attempts;
    slot.state = call_state::pending;
    timed_out = deadline_ <= now;
  });
  sent_at_[static_cast<size_t>(id)] = now;
  if (timed_out) {
    record(id, t.attempt, call_end::timeout, "", now);
    settle(ctx, id, call_state::timed_out, "", now);
    return;
  }
  auto& log = node_log();
  if (log.should_log(spdlog::level::debug))
    log.debug(
      "order {}: call {}/{} attempt {}", job_.order_id, service_name(ref.which),
      t.instance->empty() ? service_name(ref.which) : *t.instance, t.attempt);
  if (!ctx.send(*this, t)) {
    std::string instance;
    with_slot(replies_, id, [&](auto& slot) { instance = slot.instance; });
    auto text = std::string{"no "} + service_name(ref.which) + " instance "
                + instance + " available";
    record(id, t.attempt, call_end::error, text, now);
    settle(ctx, id, call_state::failed, std::move(text), now);
  }
}

template <class Reply>
void order_machine::answer(order_context& ctx, int32_t id, int32_t attempt,
                           Reply&& x, order_time now) {
  auto* slot = typed_slot<std::decay_t<Reply>>(replies_, id);
  if (decided_ || slot == nullptr || slot->state != call_state::pending
      || slot->attempts != attempt)
    return; // not the call this slot waits for
  record(id, attempt, call_end::answered, describe(x), now);
  if (job_.seq != 0)
    ctx.journal_reply(*this, {job_.seq, id, attempt, encode(x)});
  slot->reply = std::forward<Reply>(x);
  settle(ctx, id, call_state::answered, "", now);
}

void order_machine::on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                              inventory_reply&& x, order_time now) {
  answer(ctx, slot, attempt, std::move(x), now);
}

void order_machine::on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                              payment_reply&& x, order_time now) {
  answer(ctx, slot, attempt, std::move(x), now);
}

void order_machine::on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                              fraud_reply&& x, order_time now) {
  answer(ctx, slot, attempt, x, now); // trivially copyable
}

void order_machine::on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                              shipping_quote&& x, order_time now) {
  answer(ctx, slot, attempt, std::move(x), now);
}

void order_machine::on_error(order_context& ctx, int32_t id, int32_t attempt,
                             bool node_lost, std::string text, order_time now) {
  if (decided_ || id < 0 || id >= slots())
    return;
  auto ref = slot_of(replies_, id);
  bool awaited = false;
  with_slot(replies_, id, [&](auto& slot) {
    awaited = slot.state == call_state::pending && slot.attempts == attempt;
  });
  if (!awaited)
    return;
  record(id, attempt, call_end::error, text, now);
  auto& failovers = failovers_[static_cast<size_t>(id)];
  if (node_lost
      && static_cast<size_t>(failovers) + 1
           < ctx.instances(ref.which, route_name(replies_, id))
      && now < deadline_) {
    // Lost with its node, not refused: the same attempt goes to the next
    // instance at once.
    ++failovers;
    call(ctx, id, true, now);
    return;
  }
  auto backoff = params_->backoff * (int64_t{1} << std::min(attempt - 1, 20));
  if (attempt < params_->max_attempts && worth_retry(replies_, ref)
      && now + backoff < deadline_) {
    with_slot(replies_, id, [&](auto& slot) { slot.error = text; });
    ctx.retry_later(*this, id, backoff);
    return;
  }
  settle(ctx, id, call_state::failed, std::move(text), now);
}

void order_machine::retry(order_context& ctx, int32_t id, order_time now) {
  if (decided_ || id < 0 || id >= slots())
    return;
  auto ref = slot_of(replies_, id);
  bool waiting = false;
  with_slot(replies_, id,
            [&](auto& slot) { waiting = slot.state == call_state::pending; });
  if (!waiting)
    return;
  if (worth_retry(replies_, ref)) {
    call(ctx, id, false, now);
    return;
  }
  // The decision no longer depends on this call: settle it as failed.
  with_slot(replies_, id, [](auto& slot) { slot.state = call_state::failed; });
  on_final(ctx, id, now);
}

void order_machine::on_recorded(order_context& ctx, order_time now) {
  job_.awaiting_record = false;
  if (decided_ || deferred_ < 0)
    return;
  auto id = deferred_;
  deferred_ = -1;
  call(ctx, id, false, now);
}

void order_machine::expire(order_context& ctx, order_time now) {
  if (decided_)
    return;
  if (!started_) {
    fail_all(ctx, call_state::timed_out,
             "service directory: no answer within the deadline", now);
    return;
  }
  auto n = slots();
  for (int32_t id = 0; id < n; ++id)
    with_slot(replies_, id, [&](auto& slot) {
      if (slot.state != call_state::pending)
        return;
      if (id == deferred_) {
        // Never sent, so nothing to void: an error, not a timeout.
        static const std::string why
          = "not sent: the journal had not recorded the order";
        slot.state = call_state::failed;
        slot.error = why;
        record(id, slot.attempts, call_end::error, why, now);
        return;
      }
      slot.state = call_state::timed_out;
      record(id, slot.attempts, call_end::timeout, "", now);
    });
  deferred_ = -1;
  finish(ctx, now);
}

void order_machine::settle(order_context& ctx, int32_t id, call_state state,
                           std::string error, order_time now) {
  with_slot(replies_, id, [&](auto& slot) {
    slot.state = state;
    slot.error = std::move(error);
  });
  on_final(ctx, id, now);
}

void order_machine::on_final(order_context& ctx, int32_t id, order_time now) {
  if (kind_ == order_kind::parallel) {
    if (--outstanding_ == 0)
      finish(ctx, now);
    return;
  }
  if (passed(replies_, id) && id + 1 < slots())
    call(ctx, id + 1, false, now);
  else
    finish(ctx, now);
}

void order_machine::fail_all(order_context& ctx, call_state state,
                             const std::string& why, order_time now) {
  for (int32_t id = 0; id < slots(); ++id)
    with_slot(replies_, id, [&](auto& s) {
      s.state = state;
      s.error = why;
    });
  finish(ctx, now);
}

void order_machine::record(int32_t id, int32_t attempt, call_end outcome,
                           std::string detail, order_time now) {
  auto ref = slot_of(replies_, id);
  const std::string* instance = nullptr;
  with_slot(replies_, id, [&](auto& slot) { instance = &slot.instance; });
  auto sent = sent_at_[static_cast<size_t>(id)];
  calls_.push_back(call_record{service_name(ref.which), *instance, attempt,
                               ms_of(now - sent), outcome, std::move(detail),
                               ms_of(sent - job_.accepted_at)});
}

void order_machine::finish(order_context& ctx, order_time now) {
  if (decided_)
    return;
  decided_ = true;
  auto d = decide(replies_);
  auto& res = d.result;
  res.order_id = job_.order_id;
  res.processing_time_us
    = std::chrono::duration_cast<std::chrono::microseconds>(now
                                                            - job_.accepted_at)
        .count();
  res.processing_time_ms = res.processing_time_us / 1000;
  res.resumed = job_.resumed;
  res.calls = std::move(calls_);
  // One line per order at the default level, as the tutorial's services
  // log "Order processed in parallel"; the details at debug. Built by hand:
  // fmt's parsing cost more than the rest of the line.
  auto& log = node_log();
  if (log.should_log(spdlog::level::info)) {
    std::string line;
    line.reserve(96);
    line += kind_ == order_kind::parallel
              ? "Order processed in parallel orderId="
              : "Order processed sequentially orderId=";
    line += res.order_id;
    line += " status=";
    line += to_string(res.status);
    line += " durationMs=";
    line += std::to_string(res.processing_time_ms);
    log.info(std::string_view{line});
  }
  if (log.should_log(spdlog::level::debug))
    log.debug("order {}: {}", res.order_id, res.details);
  ctx.complete(*this, std::move(res)); // may destroy `this`
}

} // namespace order_node
