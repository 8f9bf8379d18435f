// actors/desk/actor_engine.cpp — see actor_engine.hpp.
#include "actors/desk/actor_engine.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/desk/commit_gate.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

void actor_engine::launch(order_kind kind, order_job job, order_client client) {
  auto& st = self_->state;
  auto id = ++next_id_;
  auto& entry = spawned_[id];
  entry.kind = kind;
  entry.client = std::move(client);
  entry.seq = job.seq;
  entry.part = job.part;
  auto from = job.resumed ? job.deadline_from : job.accepted_at;
  deadlines_.push(from + st.params->deadline, id);
  schedule_tick(self_);
  if (job.awaiting_record)
    await_record(self_, id, job.seq);
  if (ready_to_start(st, job)) {
    spawn(id, entry, std::move(job));
  } else {
    unspawned_.emplace(id, std::move(job));
    unrouted_.push_back(id);
  }
}

// Spawns the actor of order `id` with the routes the desk has now (none:
// it fails at once).
void actor_engine::spawn(uint64_t id, spawned_order& entry, order_job job) {
  auto& st = self_->state;
  order_actor_args args;
  args.id = id;
  args.kind = entry.kind;
  args.job = std::move(job);
  args.params = st.params;
  args.routes = st.routes;
  args.desk = caf::actor_cast<order_done_sink>(self_);
  entry.actor = self_->spawn(order, std::move(args));
}

order_job actor_engine::take_unspawned(uint64_t id) {
  order_job job;
  if (auto i = unspawned_.find(id); i != unspawned_.end()) {
    job = std::move(i->second);
    unspawned_.erase(i);
  }
  return job;
}

void actor_engine::expire_due(order_time now) {
  auto& st = self_->state;
  deadlines_.pop_due(now, [&](uint64_t id) {
    auto i = spawned_.find(id);
    if (i == spawned_.end())
      return; // finished in time, as usual
    auto& entry = i->second;
    if (entry.expired) { // an order actor that died without a result
      fail(i);
      return;
    }
    if (!entry.actor) // no routes came: it fails at once
      spawn(id, entry, take_unspawned(id));
    self_->send(entry.actor, expire_atom::value);
    // It answers at once; should it have died, its clients get an error
    // one deadline later rather than never (now + the deadline keeps the
    // queue in order: every order in it was accepted before now).
    entry.expired = true;
    deadlines_.push(now + st.params->deadline, id);
  });
}

std::optional<order_time> actor_engine::next_due() const {
  return deadlines_.next();
}

void actor_engine::routes_changed() {
  auto& st = self_->state;
  auto waiting = std::move(unrouted_);
  unrouted_.clear();
  for (auto id : waiting) {
    auto i = spawned_.find(id);
    if (i == spawned_.end() || i->second.actor)
      continue;
    auto j = unspawned_.find(id);
    if (j != unspawned_.end() && !ready_to_start(st, j->second))
      unrouted_.push_back(id);
    else
      spawn(id, i->second, take_unspawned(id));
  }
}

void actor_engine::recorded(uint64_t id) {
  auto i = spawned_.find(id);
  if (i == spawned_.end())
    return;
  if (i->second.actor)
    self_->send(i->second.actor, recorded_atom::value);
  else if (auto j = unspawned_.find(id); j != unspawned_.end())
    j->second.awaiting_record = false;
}

void actor_engine::expire(uint64_t id) {
  // (One waiting for routes decides at its deadline.)
  if (auto i = spawned_.find(id); i != spawned_.end() && i->second.actor)
    self_->send(i->second.actor, expire_atom::value);
}

std::vector<order_client>
actor_engine::abandon(const std::vector<int32_t>& lost) {
  std::vector<order_client> out;
  for (auto i = spawned_.begin(); i != spawned_.end();) {
    auto& entry = i->second;
    if (!std::binary_search(lost.begin(), lost.end(), entry.part)) {
      ++i;
      continue;
    }
    // Its calls' answers go nowhere; the new owner asks again, with the
    // same authorization key.
    if (entry.actor)
      self_->send_exit(entry.actor, caf::exit_reason::user_shutdown);
    unspawned_.erase(i->first);
    out.push_back(std::move(entry.client));
    i = spawned_.erase(i);
  }
  return out;
}

void actor_engine::on_done(uint64_t id, order_result& r) {
  auto i = spawned_.find(id);
  if (i == spawned_.end())
    return; // answered already
  auto entry = std::move(i->second);
  spawned_.erase(i);
  finish_order(self_, entry.kind, entry.seq, std::move(entry.client),
               std::move(r));
}

// Answers the clients of an order whose actor never sent its result (it
// died: a bug, or its node's shutdown) with an error, and forgets it.
void actor_engine::fail(iterator i) {
  auto entry = std::move(i->second);
  spawned_.erase(i);
  auto err = make_error(order_errc::internal,
                        "the order's actor stopped without a result");
  node_log().error("an order actor stopped without a result; its clients "
                   "get an error");
  self_->state.keys.fail(entry.client, err);
}

} // namespace order_node
