// actors/desk/order_desk.cpp — see order_desk.hpp.
#include "actors/desk/order_desk.hpp"

#include <algorithm>
#include <optional>
#include <string_view>
#include <type_traits>

#include <spdlog/spdlog.h>

#include "actors/desk/voids.hpp"
#include "actors/journal/journal_actor.hpp"
#include "actors/order/routes.hpp"
#include "actors/rules/outcome.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/validate.hpp"

namespace order_node {

const char* to_string(order_engine x) {
  return x == order_engine::actor ? "actor" : "batched";
}

bool from_string(const std::string& text, order_engine& x) {
  if (text == "actor")
    x = order_engine::actor;
  else if (text == "batched")
    x = order_engine::batched;
  else
    return false;
  return true;
}

void schedule_journal_write(desk_self self) {
  auto& st = self->state;
  if (st.journal_write_pending)
    return;
  st.journal_write_pending = true;
  self->send(self, commit_atom::value);
}

namespace {

using time_point = caf::actor_clock::time_point;

void count(desk_state& st, order_kind kind, const order_result& r) {
  for (auto& s : st.stats)
    if (s.kind == kind && s.status == r.status) {
      s.latency.observe(r.processing_time_us);
      return;
    }
  st.stats.push_back(status_stats{kind, r.status, {}});
  st.stats.back().latency.observe(r.processing_time_us);
}

// Counts the calls of a finished order per service instance.
void count_calls(desk_state& st, const order_result& r) {
  for (auto& c : r.calls) {
    auto i = std::find_if(
      st.calls.begin(), st.calls.end(), [&](const call_stats& x) {
        return x.service == c.service && x.instance == c.instance;
      });
    if (i == st.calls.end()) {
      st.calls.push_back(call_stats{c.service, c.instance, {}, 0, 0});
      i = st.calls.end() - 1;
    }
    i->latency.observe(static_cast<int64_t>(c.ms * 1000.0));
    if (c.outcome == call_end::timeout)
      ++i->timeouts;
    else if (c.outcome == call_end::error)
      ++i->errors;
  }
}

// Forgets decided keys whose window has passed, and the oldest beyond
// capacity (every decided key has one entry in `done_order`, and leaves
// `keys` only here).
void expire_results(desk_state& st, time_point now) {
  while (!st.done_order.empty()
         && (st.done_order.front().expires <= now
             || st.done_order.size() > st.cfg.dedup_capacity)) {
    st.keys.erase(st.done_order.front().key);
    st.done_order.pop_front();
  }
}

int64_t in_flight(const desk_state& st) {
  return static_cast<int64_t>(st.running.size() + st.spawned.size());
}

// Decided orders whose answers wait for a commit.
int64_t unanswered(const desk_state& st) {
  auto n = st.held.answers.size();
  for (auto& [write, batch] : st.committing)
    n += batch.answers.size();
  return static_cast<int64_t>(n);
}

std::string dedup_key(order_kind kind, const std::string& key) {
  return std::string{kind == order_kind::parallel ? "p/" : "s/"} + key;
}

void spawn_order(desk_self self, uint64_t id, desk_state::spawned_order& entry,
                 order_job job);

void deliver_now(desk_self self, order_kind kind,
                 caf::typed_response_promise<order_result>& promise,
                 std::string dk, order_result r, bool journaled);

// Answers every client waiting on idempotency key `dk` with `x` (a result
// or an error) and forgets them.
template <class T>
void answer_waiting(desk_state& st, const std::string& dk, const T& x) {
  if (auto w = st.waiting.find(dk); w != st.waiting.end()) {
    for (auto& rp : w->second)
      rp.deliver(x);
    st.waiting.erase(w);
  }
  if constexpr (std::is_same_v<T, caf::error>) {
    // No result is kept: the key is free again.
    if (auto i = st.keys.find(dk); i != st.keys.end() && !i->second.decided)
      st.keys.erase(i);
  }
}

// Tells the clients of an order the journal does not hold (its acceptance's
// write failed) that it was not recorded, instead of its result `r`. Its
// payment was never sent (it waits for the record), so there is nothing to
// void; a key is free again, to be sent again.
void fail_unrecorded(desk_self self,
                     caf::typed_response_promise<order_result>& promise,
                     const std::string& dk, const order_result& r) {
  auto& st = self->state;
  if (owes_void(r)) // cannot happen (see above); a void does no harm
    start_void(
      self, void_request{authorization_key(st.params->auth_scope, r.order_id),
                         r.transaction_id});
  auto err = make_error(order_errc::journal_failed,
                        "the journal could not record order " + r.order_id
                          + " (" + st.journal_error
                          + "); nothing was charged: send it again");
  if (dk.empty())
    promise.deliver(err);
  else
    answer_waiting(st, dk, err);
}

// Marks the orders of a write whose acceptance the journal failed: each
// still in flight decides now, and its clients get an error.
void unrecord(desk_self self, const std::vector<desk_state::new_record>& xs) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (auto& x : xs) {
    if (auto* o = st.running.find(x.id)) {
      st.unrecorded.insert(x.seq);
      desk_context ctx{self};
      o->expire(ctx, now); // may finish it
    } else if (auto i = st.spawned.find(x.id); i != st.spawned.end()) {
      st.unrecorded.insert(x.seq);
      if (i->second.actor)
        self->send(i->second.actor, expire_atom::value);
      // (One waiting for routes decides at its deadline.)
    }
  }
}

// Tells the orders of a committed write that their acceptance is durable:
// their payment calls may go.
void recorded(desk_self self, const std::vector<desk_state::new_record>& xs) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (auto& x : xs) {
    if (auto* o = st.running.find(x.id)) {
      desk_context ctx{self};
      o->on_recorded(ctx, now);
    } else if (auto i = st.spawned.find(x.id); i != st.spawned.end()) {
      if (i->second.actor)
        self->send(i->second.actor, recorded_atom::value);
      else if (auto j = st.unspawned.find(x.id); j != st.unspawned.end())
        j->second.awaiting_record = false;
    }
  }
}

constexpr auto first_rewrite = std::chrono::milliseconds(100);
constexpr auto max_rewrite = std::chrono::seconds(5);

// The journal failed write `n`: its decisions (and the voids they owe) are
// written again after a backoff, so that an order the journal holds is not
// left undecided, nor its key free to run a second order (promise 5). Their
// clients get the error now; later clients of the key wait for the next
// attempt.
void rewrite_later(desk_self self, desk_state::held_batch& batch,
                   const caf::error& err) {
  auto& st = self->state;
  if (batch.answers.empty() && batch.voids.empty())
    return;
  auto now_us = journal_now_us();
  for (auto& a : batch.answers) {
    if (a.dedup_key.empty()) {
      a.promise.deliver(err);
    } else if (auto w = st.waiting.find(a.dedup_key); w != st.waiting.end()) {
      for (auto& rp : w->second)
        rp.deliver(err);
      w->second.clear(); // the key stays in flight
    }
    st.journal_out.decided.push_back({a.seq, now_us, a.result});
    a.promise = caf::typed_response_promise<order_result>{};
    st.held.answers.push_back(std::move(a));
  }
  for (auto& v : batch.voids) {
    st.journal_out.voids.push_back(v);
    st.held.voids.push_back(std::move(v));
  }
  st.rewrite_backoff
    = st.rewrite_backoff.count() == 0
        ? caf::timespan{first_rewrite}
        : std::min(caf::timespan{max_rewrite}, 2 * st.rewrite_backoff);
  self->delayed_send(self, st.rewrite_backoff, commit_atom::value);
}

// The journal committed write `n` (or failed it: `err`): answers its held
// results, or tells their clients the orders could not be recorded.
// `unrecorded`: acceptance numbers whose decision the journal committed
// without holding the order.
void release(desk_self self, uint64_t n, const caf::error& err,
             const std::vector<uint64_t>& unrecorded) {
  auto& st = self->state;
  auto i = st.committing.find(n);
  if (i == st.committing.end())
    return;
  auto batch = std::move(i->second);
  st.committing.erase(i);
  for (auto& a : batch.accepts) {
    if (!err)
      a.promise.deliver(std::move(a.accepted));
    else
      a.promise.deliver(err);
  }
  if (err) {
    st.journal_error = error_text(err);
    unrecord(self, batch.recorded);
    // A decision the journal refused may still change at the next start
    // (the order resumes): its void waits for that decision.
    rewrite_later(self, batch, err);
    return;
  }
  st.rewrite_backoff = caf::timespan{0};
  recorded(self, batch.recorded);
  for (auto& v : batch.voids)
    start_void(self, void_request{std::move(v.auth_key), std::move(v.tx_id)});
  for (auto& a : batch.answers) {
    if (std::find(unrecorded.begin(), unrecorded.end(), a.seq)
        != unrecorded.end())
      fail_unrecorded(self, a.promise, a.dedup_key, a.result);
    else
      deliver_now(self, a.kind, a.promise, std::move(a.dedup_key),
                  std::move(a.result), true);
  }
}

// Sends the journal every record since the last write; the answers held
// for them go out when the journal has committed it.
void write_journal(desk_self self) {
  auto& st = self->state;
  st.journal_write_pending = false;
  if (st.journal_out.empty())
    return;
  auto n = ++st.next_write;
  if (!st.held.empty()) {
    st.committing.emplace(n, std::move(st.held));
    st.held = desk_state::held_batch{};
  }
  auto ops = std::move(st.journal_out);
  st.journal_out = journal_ops{};
  self
    ->request(st.cfg.journal, caf::infinite, write_atom::value, std::move(ops))
    .then(
      [self, n](std::vector<uint64_t>& unrecorded) {
        release(self, n, caf::error{}, unrecorded);
      },
      [self, n](caf::error& err) { release(self, n, err, {}); });
}

// Answers the clients of an order whose actor never sent its result (it
// died: a bug, or its node's shutdown) with an error, and forgets it.
void fail_spawned(
  desk_self self,
  std::unordered_map<uint64_t, desk_state::spawned_order>::iterator i) {
  auto& st = self->state;
  auto entry = std::move(i->second);
  st.spawned.erase(i);
  auto err = make_error(order_errc::internal,
                        "the order's actor stopped without a result");
  node_log().error("an order actor stopped without a result; its clients "
                   "get an error");
  if (entry.dedup_key.empty())
    entry.promise.deliver(err);
  else
    answer_waiting(st, entry.dedup_key, err);
}

// The job of an order that waited for routes.
order_job take_unspawned(desk_state& st, uint64_t id) {
  order_job job;
  if (auto i = st.unspawned.find(id); i != st.unspawned.end()) {
    job = std::move(i->second);
    st.unspawned.erase(i);
  }
  return job;
}

// Makes sure one tick is scheduled for the oldest deadline or batch expiry.
void schedule_tick(desk_self self) {
  auto& st = self->state;
  if (st.tick_pending || (st.deadlines.empty() && st.batch_expiry.empty()))
    return;
  auto next = st.deadlines.empty() ? st.batch_expiry.front().at
                                   : st.deadlines.front().at;
  if (!st.batch_expiry.empty())
    next = std::min(next, st.batch_expiry.front().at);
  auto res = st.cfg.deadline_tick.count();
  auto at = next.time_since_epoch().count();
  time_point tick{caf::timespan{(at + res - 1) / res * res}};
  self->scheduled_send(self, tick, tick_atom::value);
  st.tick_pending = true;
}

// Every order past its deadline decides with what it has.
void on_tick(desk_self self) {
  auto& st = self->state;
  st.tick_pending = false;
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.front().at <= now) {
    auto id = st.deadlines.front().id;
    st.deadlines.pop_front();
    if (auto* o = st.running.find(id)) { // else finished in time, as usual
      desk_context ctx{self};
      o->expire(ctx, now);
    } else if (auto i = st.spawned.find(id); i != st.spawned.end()) {
      auto& entry = i->second;
      if (entry.expired) { // an order actor that died without a result
        fail_spawned(self, i);
        continue;
      }
      if (!entry.actor) // no routes came: it fails at once
        spawn_order(self, id, entry, take_unspawned(st, id));
      self->send(entry.actor, expire_atom::value);
      // It answers at once; should it have died, its clients get an error
      // one deadline later rather than never (now + the deadline keeps the
      // queue in order: every order in it was accepted before now).
      entry.expired = true;
      st.deadlines.push_back({now + st.params->deadline, id});
    }
  }
  while (!st.batch_expiry.empty() && st.batch_expiry.front().at <= now) {
    st.batches.erase(st.batch_expiry.front().id); // else answered, as usual
    st.batch_expiry.pop_front();
  }
  schedule_tick(self);
}

// Spawns the actor of order `id` with the routes the desk has now (none:
// it fails at once).
void spawn_order(desk_self self, uint64_t id, desk_state::spawned_order& entry,
                 order_job job) {
  auto& st = self->state;
  order_actor_args args;
  args.id = id;
  args.kind = entry.kind;
  args.job = std::move(job);
  args.params = st.params;
  args.routes = st.routes;
  args.desk = caf::actor_cast<order_done_sink>(self);
  entry.actor = self->spawn(order, std::move(args));
}

// Whether an order can start with the routes the desk has: a new one once
// the directory has spoken, a resumed one once its services are all
// reachable (a restarted front connects to its services nodes after it
// resumed its orders: they wait, within their fresh deadline, rather than
// fail for want of them).
bool ready_to_start(const desk_state& st, const order_job& job) {
  if (!st.routes)
    return false;
  return !job.resumed || routes_complete(*st.routes, *st.params);
}

// Runs a new order; its clients are `rp` or those waiting on `dk`.
void launch(desk_self self, order_kind kind, order_job job, std::string dk,
            caf::typed_response_promise<order_result> rp) {
  auto& st = self->state;
  if (st.cfg.engine == order_engine::actor) {
    auto id = ++st.next_spawned;
    auto& entry = st.spawned[id];
    entry.kind = kind;
    entry.dedup_key = std::move(dk);
    entry.promise = std::move(rp);
    entry.seq = job.seq;
    auto from = job.resumed ? job.deadline_from : job.accepted_at;
    st.deadlines.push_back({from + st.params->deadline, id});
    schedule_tick(self);
    if (job.awaiting_record)
      st.held.recorded.push_back({id, job.seq});
    if (ready_to_start(st, job)) {
      spawn_order(self, id, entry, std::move(job));
    } else {
      st.unspawned.emplace(id, std::move(job));
      st.unrouted.push_back(id);
    }
    return;
  }
  auto& o = st.running.add();
  auto id = o.id;
  if (job.awaiting_record)
    st.held.recorded.push_back({id, job.seq});
  o.init(kind, std::move(job), *st.params);
  o.dedup_key = std::move(dk);
  o.promise = std::move(rp);
  st.deadlines.push_back({o.deadline(), id});
  schedule_tick(self);
  if (ready_to_start(st, o.job())) {
    desk_context ctx{self};
    o.start(ctx, self->clock().now()); // may finish it: `o` is gone then
  } else {
    st.unrouted.push_back(id);
  }
}

// New routes from the directory; they start the orders that waited for
// them: new ones at the first routes, resumed ones once the routes reach
// every instance they may call.
void on_routes(desk_self self, service_routes_ptr& routes) {
  auto& st = self->state;
  if (!routes)
    return;
  st.routes = std::move(routes);
  auto waiting = std::move(st.unrouted);
  st.unrouted.clear();
  desk_context ctx{self};
  for (auto id : waiting) {
    if (auto* o = st.running.find(id)) {
      if (ready_to_start(st, o->job()))
        o->start(ctx, self->clock().now());
      else
        st.unrouted.push_back(id);
    } else if (auto i = st.spawned.find(id);
               i != st.spawned.end() && !i->second.actor) {
      auto j = st.unspawned.find(id);
      if (j != st.unspawned.end() && !ready_to_start(st, j->second))
        st.unrouted.push_back(id);
      else
        spawn_order(self, id, i->second, take_unspawned(st, id));
    }
  }
}

} // namespace

namespace {

// Counts `r` and answers the clients of an order: `promise`, or those
// waiting on its idempotency key `dk`. From then on the journal answers
// for the key if the desk has its reader and the decision is committed
// (`journaled`); else the desk keeps the key with `r`.
void deliver_now(desk_self self, order_kind kind,
                 caf::typed_response_promise<order_result>& promise,
                 std::string dk, order_result r, bool journaled) {
  auto& st = self->state;
  if (st.cfg.metrics) {
    count(st, kind, r);
    count_calls(st, r);
  }
  if (dk.empty()) {
    promise.deliver(std::move(r));
    return;
  }
  answer_waiting(st, dk, r);
  if (journaled && st.cfg.reader) {
    st.keys.erase(dk);
    return;
  }
  auto now = self->clock().now();
  auto& k = st.keys[dk];
  k.decided = true;
  k.order_id = r.order_id;
  k.result = std::make_unique<order_result>(std::move(r));
  st.done_order.push_back({now + st.cfg.dedup_window, std::move(dk)});
  expire_results(st, now);
}

// Queues `r` for the journal's next write and holds its answer until that
// write is committed (without a journal, or for an order never journaled:
// answers now).
void deliver(desk_self self, order_kind kind, uint64_t seq,
             caf::typed_response_promise<order_result>& promise, std::string dk,
             order_result r) {
  auto& st = self->state;
  if (seq != 0 && st.unrecorded.erase(seq) > 0) {
    fail_unrecorded(self, promise, dk, r);
    return;
  }
  std::optional<void_request> owed;
  if (owes_void(r))
    owed = void_request{authorization_key(st.params->auth_scope, r.order_id),
                        r.transaction_id};
  if (!st.cfg.journal || seq == 0) {
    if (owed)
      start_void(self, std::move(*owed));
    deliver_now(self, kind, promise, std::move(dk), std::move(r), false);
    return;
  }
  if (owed) {
    journal_void v{owed->auth_key, seq, owed->transaction_id};
    st.journal_out.voids.push_back(v);
    st.held.voids.push_back(std::move(v));
  }
  st.journal_out.decided.push_back({seq, journal_now_us(), r});
  st.held.answers.push_back(
    {kind, std::move(promise), std::move(dk), std::move(r), seq});
  schedule_journal_write(self);
}

// An order actor's result: answer its clients once.
void on_done(desk_self self, uint64_t id, order_result& r) {
  auto& st = self->state;
  auto i = st.spawned.find(id);
  if (i == st.spawned.end())
    return; // answered already
  auto entry = std::move(i->second);
  st.spawned.erase(i);
  deliver(self, entry.kind, entry.seq, entry.promise,
          std::move(entry.dedup_key), std::move(r));
}

} // namespace

void journal(desk_self self, journal_reply&& r) {
  self->state.journal_out.replies.push_back(std::move(r));
  schedule_journal_write(self);
}

// Answers every client of order `id` with `r`, once.
void complete_order(desk_self self, uint64_t id, order_result r) {
  auto& st = self->state;
  auto* o = st.running.find(id);
  if (o == nullptr)
    return; // answered already
  auto kind = o->kind();
  auto seq = o->job().seq;
  auto promise = std::move(o->promise);
  auto dk = std::move(o->dedup_key);
  st.running.erase(id);
  deliver(self, kind, seq, promise, std::move(dk), std::move(r));
}

namespace {

// `key` as this run's order key (see desk_config::run).
std::string run_key(const desk_state& st, std::string key) {
  if (st.cfg.run <= 1)
    return key;
  return "r" + std::to_string(st.cfg.run) + ":" + key;
}

// A submission past its checks: a known key (`known`: in flight, or
// finished with its result in `done`), a key to ask the journal about
// (`lookup`: the first client, or `queue`: one more while it is asked), an
// order to launch (`job`, journaled), or the desk's "overloaded" result.
struct admission {
  bool known = false;
  bool lookup = false;
  bool queue = false;
  const order_result* done = nullptr;
  std::string order_id; // of a known key
  std::string dk;       // dedup key; empty without idempotency key
  order_job job;
  std::optional<order_result> overloaded;
};

caf::error key_conflict(const std::string& key) {
  return make_error(order_errc::key_conflict,
                    "idempotency key " + key
                      + " was used for another order (another body); "
                        "a new order needs a new key");
}

// What every submission goes through, whatever the client waits for:
// validation, the idempotency key (same body, known or new: `checked` once
// the journal said it does not know the key), the order key and id, the
// in-flight bound, and the journal's acceptance record.
caf::expected<admission> admit(desk_self self, order_submission& sub,
                               bool checked, int64_t key_uses = 0) {
  auto& st = self->state;
  if (auto err = validate(sub.request))
    return err;
  sub.request.weight += 0.0; // -0 is 0: no "$-0.00" in a quote
  if (st.cfg.scope_clients && !checked) {
    auto sender = self->current_sender();
    st.clients.scope(self->node(), sender ? sender->node() : caf::node_id{},
                     sub.order_key);
  }
  admission a;
  auto& job = a.job;
  // Each route has its own key space (as Restate scopes keys per service):
  // one key on both routes is two orders, so the order key names the kind,
  // and with it the order id and every outcome.
  if (!sub.idempotency_key.empty()) {
    if (auto err = validate_idempotency_key(sub.idempotency_key))
      return err;
    a.dk = dedup_key(sub.kind, sub.idempotency_key);
    expire_results(st, self->clock().now());
    auto k = st.keys.find(a.dk);
    if (k != st.keys.end() && !(k->second.body == sub.request))
      return key_conflict(sub.idempotency_key);
    job.order_key = (sub.kind == order_kind::parallel ? "key:" : "slow-key:")
                    + sub.idempotency_key;
    // A key used again after its retention is a new order, with an id of
    // its own: the journal counts the orders each key had.
    if (key_uses > 0)
      job.order_key += "#" + std::to_string(key_uses + 1);
    job.order_id = make_order_id(st.cfg.seed, job.order_key);
    if (k != st.keys.end()) {
      if (k->second.looking_up) {
        a.queue = true;
        return a;
      }
      ++st.deduplicated;
      a.known = true;
      a.order_id = k->second.order_id; // a resumed order's may be older
      a.done = k->second.result.get();
      return a;
    }
    if (st.cfg.reader && !checked) {
      a.lookup = true;
      return a;
    }
  } else if (!sub.order_key.empty()) {
    job.order_key = run_key(st, std::move(sub.order_key));
  } else {
    job.order_key = run_key(st, "seq:" + std::to_string(++st.next_seq));
  }
  if (job.order_id.empty())
    job.order_id = make_order_id(st.cfg.seed, job.order_key);
  job.accepted_at = self->clock().now();
  auto bound = st.cfg.share > 0 ? st.cfg.share : st.cfg.max_in_flight;
  if (in_flight(st) >= bound) {
    order_result r;
    r.order_id = job.order_id;
    r.status = order_status::overloaded;
    r.details = "Order desk at capacity ("
                + std::to_string(st.cfg.max_in_flight)
                + (st.cfg.max_in_flight == 1 ? " order" : " orders")
                + " in flight); retry later";
    if (st.cfg.metrics)
      count(st, sub.kind, r);
    a.overloaded = std::move(r);
    return a;
  }
  job.request = std::move(sub.request);
  if (!a.dk.empty()) {
    auto& k = st.keys[a.dk];
    k.body = job.request;
    k.order_id = job.order_id;
  }
  if (st.cfg.journal) {
    job.seq = st.cfg.acceptances
                ? st.cfg.acceptances->fetch_add(1, std::memory_order_relaxed)
                : st.next_acceptance++;
    job.awaiting_record = true;
    st.journal_out.accepted.push_back({job.seq, job.order_id, sub.kind,
                                       job.order_key, sub.idempotency_key,
                                       job.request, journal_now_us()});
    schedule_journal_write(self);
  }
  return a;
}

void wait_for_journal(desk_self self, admission& a,
                      desk_state::key_client client);

// Runs a submission that `admit` let in and did not answer at once, for a
// client waiting for its result on `rp`.
void run_submit(desk_self self, admission a, order_submission& sub,
                caf::typed_response_promise<order_result>& rp) {
  auto& st = self->state;
  if (a.lookup || a.queue) {
    wait_for_journal(self, a, {std::move(sub), false, rp, {}});
  } else if (a.known) {
    st.waiting[a.dk].push_back(rp);
  } else if (a.dk.empty()) {
    launch(self, sub.kind, std::move(a.job), {}, rp);
  } else {
    st.waiting[a.dk].push_back(rp); // answered through `waiting`
    launch(self, sub.kind, std::move(a.job), std::move(a.dk), {});
  }
}

// As run_submit, for a client waiting for the acceptance (`send`): it is
// durable once the write that carries it is committed.
void run_send(desk_self self, admission a, order_submission& sub,
              caf::typed_response_promise<order_accepted>& rp) {
  auto& st = self->state;
  if (a.lookup || a.queue) {
    wait_for_journal(self, a, {std::move(sub), true, {}, rp});
    return;
  }
  if (a.known) {
    rp.deliver(order_accepted{a.order_id, true});
    return;
  }
  if (a.overloaded) {
    rp.deliver(make_error(order_errc::overloaded, a.overloaded->details));
    return;
  }
  order_accepted out{a.job.order_id, false};
  if (!a.dk.empty())
    st.waiting[a.dk]; // a repeated key waits for the order
  launch(self, sub.kind, std::move(a.job), std::move(a.dk), {});
  if (!st.cfg.journal) {
    rp.deliver(std::move(out));
    return;
  }
  st.held.accepts.push_back({rp, std::move(out)});
  schedule_journal_write(self);
}

// Answers `c` with an error, whichever answer it waits for.
void fail_client(desk_state::key_client& c, const caf::error& err) {
  if (c.send)
    c.accepted.deliver(err);
  else
    c.result.deliver(err);
}

// Runs a client's submission again, the journal having said that it has no
// decided order of its key within the retention; the key had `key_uses`
// orders before.
void run_checked(desk_self self, desk_state::key_client& c, int64_t key_uses) {
  auto a = admit(self, c.sub, true, key_uses);
  if (!a) {
    fail_client(c, a.error());
  } else if (c.send) {
    run_send(self, std::move(*a), c.sub, c.accepted);
  } else if (a->done != nullptr) {
    c.result.deliver(*a->done);
  } else if (a->overloaded) {
    c.result.deliver(std::move(*a->overloaded));
  } else {
    run_submit(self, std::move(*a), c.sub, c.result);
  }
}

// The clients waiting for the journal's word on key `dk`; the key is
// forgotten (none if it is not being looked up).
std::vector<desk_state::key_client> take_queued(desk_state& st,
                                                const std::string& dk) {
  std::vector<desk_state::key_client> out;
  auto i = st.keys.find(dk);
  if (i == st.keys.end() || !i->second.looking_up)
    return out;
  out = std::move(i->second.queued);
  st.keys.erase(i);
  return out;
}

// The journal's word on key `dk`: its decided order (within the window),
// whose result or acceptance every waiting client gets, or none (seq 0),
// and the clients' orders run: the first one, and the others wait for it.
void on_journal_key(desk_self self, const std::string& dk, journaled_order& o) {
  auto& st = self->state;
  for (auto& c : take_queued(st, dk)) {
    if (o.accepted.seq == 0) {
      run_checked(self, c, o.key_uses);
    } else if (!(c.sub.request == o.accepted.request)) {
      fail_client(c, key_conflict(c.sub.idempotency_key));
    } else {
      ++st.deduplicated;
      if (c.send)
        c.accepted.deliver(order_accepted{o.accepted.order_id, true});
      else
        c.result.deliver(o.result);
    }
  }
}

// The journal's reader failed: the clients of key `dk` get the error (no
// order runs, since the journal may know the key).
void on_journal_error(desk_self self, const std::string& dk,
                      const caf::error& err) {
  auto clients = take_queued(self->state, dk);
  if (clients.empty())
    return;
  node_log().warn("journal reader: {} (idempotency key {})", error_text(err),
                  dk);
  for (auto& c : clients)
    fail_client(c, err);
}

// Queues `client` for the journal's word on its key, and asks the journal's
// reader (on its own thread) for the first client of the key. It sees
// committed records only: an order decided in this run is in the journal,
// since the desk forgets a key only once its decision is committed.
void wait_for_journal(desk_self self, admission& a,
                      desk_state::key_client client) {
  auto& st = self->state;
  auto& k = st.keys[a.dk];
  if (a.lookup) {
    k.looking_up = true;
    k.body = client.sub.request;
    auto window = std::chrono::duration_cast<std::chrono::microseconds>(
      st.cfg.dedup_window);
    key_query q{client.sub.kind, client.sub.idempotency_key,
                journal_now_us() - window.count()};
    auto dk = a.dk;
    self->request(st.cfg.reader, caf::infinite, key_atom::value, std::move(q))
      .then([self, dk](journaled_order& o) { on_journal_key(self, dk, o); },
            [self, dk](caf::error& err) { on_journal_error(self, dk, err); });
  }
  k.queued.push_back(std::move(client));
}

// Takes what recovery found: remembers the results of keys still within
// their window and resumes every unfinished order with a fresh deadline
// (its time still counts from its first acceptance).
void recover(desk_self self) {
  auto& st = self->state;
  auto& cfg = st.cfg;
  st.next_acceptance = cfg.first_seq;
  auto now = self->clock().now();
  auto now_us = journal_now_us();
  auto age = [&](int64_t us) {
    return std::chrono::microseconds{std::max<int64_t>(0, now_us - us)};
  };
  // (With the reader the journal answers for them: the node loads none.)
  for (auto& k : cfg.keyed) {
    auto dk = dedup_key(k.accepted.kind, k.accepted.idempotency_key);
    auto left = cfg.dedup_window - age(k.decided_us);
    if (left <= caf::timespan{0} || cfg.reader)
      continue;
    auto& e = st.keys[dk];
    e.body = std::move(k.accepted.request);
    e.decided = true;
    e.order_id = k.accepted.order_id;
    e.result = std::make_unique<order_result>(std::move(k.result));
    st.done_order.push_back({now + left, std::move(dk)});
  }
  std::vector<journaled_order>{}.swap(cfg.keyed); // its memory too
  auto resume = std::move(cfg.resume);
  cfg.resume.clear();
  for (auto& o : resume) {
    auto& a = o.accepted;
    order_job job;
    job.request = std::move(a.request);
    job.order_key = std::move(a.order_key);
    job.order_id = std::move(a.order_id);
    job.accepted_at = now - age(a.accepted_us);
    job.deadline_from = now;
    job.seq = a.seq;
    job.resumed = true;
    job.replayed = std::move(o.replies);
    std::string dk;
    if (!a.idempotency_key.empty()) {
      dk = dedup_key(a.kind, a.idempotency_key);
      st.waiting[dk]; // a duplicate waits for the resumed order
      auto& k = st.keys[dk];
      k.body = job.request;
      k.order_id = job.order_id;
    }
    ++st.resumed;
    launch(self, a.kind, std::move(job), std::move(dk), {});
  }
  // Voids a crash left unacknowledged (their orders' shard need not be
  // this one: a void needs only its key).
  auto voids = std::move(cfg.voids);
  cfg.voids.clear();
  for (auto& v : voids)
    start_void(self, void_request{std::move(v.auth_key), std::move(v.tx_id)});
}

// Hands a lookup (get or attach) to the journal, which has every order of
// every shard.
template <class Atom>
caf::result<journal_lookup> look_up(desk_self self, Atom atom,
                                    std::string& order_id) {
  auto& st = self->state;
  if (!st.cfg.journal)
    return make_error(order_errc::no_journal,
                      "looking an order up needs the journal, and this "
                      "node runs with --journal=off");
  return self->delegate(st.cfg.journal, atom, std::move(order_id));
}

} // namespace

order_desk_impl::behavior_type
order_desk(desk_self self, const directory_actor& directory, desk_config cfg) {
  if (cfg.deadline_tick.count() <= 0)
    cfg.deadline_tick = caf::timespan{1};
  self->state.params = std::make_shared<const order_params>(cfg.order);
  self->state.cfg = std::move(cfg);
  recover(self);
  // The directory answers with its routes now and whenever they change.
  self->send(directory, watch_atom::value,
             caf::actor_cast<routes_watcher>(self));
  return {
    [=](submit_atom, order_submission& sub) -> caf::result<order_result> {
      auto a = admit(self, sub, false);
      if (!a)
        return std::move(a.error());
      if (a->done != nullptr)
        return *a->done;
      if (a->overloaded)
        return std::move(*a->overloaded);
      // (Made only now: a promise takes over the answer of this message.)
      auto rp = self->make_response_promise<order_result>();
      run_submit(self, std::move(*a), sub, rp);
      return rp;
    },
    [=](send_atom, order_submission& sub) -> caf::result<order_accepted> {
      auto a = admit(self, sub, false);
      if (!a)
        return std::move(a.error());
      auto rp = self->make_response_promise<order_accepted>();
      run_send(self, std::move(*a), sub, rp);
      return rp;
    },
    [=](get_atom atom, std::string& order_id) -> caf::result<journal_lookup> {
      return look_up(self, atom, order_id);
    },
    [=](attach_atom atom, std::string& order_id)
      -> caf::result<journal_lookup> { return look_up(self, atom, order_id); },
    [=](stats_atom atom) -> caf::result<desk_stats> {
      auto& st = self->state;
      desk_stats out;
      out.in_flight = in_flight(st);
      out.unanswered = out.in_flight + unanswered(st);
      out.deduplicated = st.deduplicated;
      out.orders = st.stats;
      out.calls = st.calls;
      out.resumed = st.resumed;
      out.voids_pending = static_cast<int64_t>(st.voids.size());
      if (!st.cfg.journal)
        return out;
      // With the journal's counters (it runs on a thread of its own).
      out.journaled = true;
      auto rp = self->make_response_promise<desk_stats>();
      self->request(st.cfg.journal, caf::infinite, atom)
        .then(
          [rp, out](journal_stats& j) mutable {
            out.journal = std::move(j);
            rp.deliver(std::move(out));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](tick_atom) { on_tick(self); },
    [=](retry_atom, uint64_t id, int32_t slot) {
      if (auto* o = self->state.running.find(id)) {
        desk_context ctx{self};
        o->retry(ctx, slot, self->clock().now());
      }
    },
    [=](flush_atom) { flush_calls(self); },
    [=](inventory_outcomes& x) { on_outcomes(self, x); },
    [=](payment_outcomes& x) { on_outcomes(self, x); },
    [=](fraud_outcomes& x) { on_outcomes(self, x); },
    [=](shipping_outcomes& x) { on_outcomes(self, x); },
    [=](routes_atom, service_routes_ptr& routes) { on_routes(self, routes); },
    [=](done_atom, uint64_t id, order_result& r) { on_done(self, id, r); },
    [=](append_atom, journal_reply& r) { journal(self, std::move(r)); },
    [=](commit_atom) { write_journal(self); },
    [=](void_atom, std::string& auth_key) { send_void(self, auth_key); },
  };
}

} // namespace order_node
