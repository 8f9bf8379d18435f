// actors/desk/desk_router.cpp — see desk_router.hpp.
#include "actors/desk/desk_router.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/desk/order_desk.hpp"
#include "messages/validate.hpp"

namespace order_node {

namespace {

// The shards' stats, as they come in.
struct stats_merge {
  desk_stats total;
  size_t left = 0;
  caf::typed_response_promise<desk_stats> promise;
};

} // namespace

void merge_stats(desk_stats& into, const desk_stats& x) {
  into.in_flight += x.in_flight;
  into.unanswered += x.unanswered;
  into.deduplicated += x.deduplicated;
  into.resumed += x.resumed;
  into.voids_pending += x.voids_pending;
  // The shards share one journal: its latest counters.
  if (x.journaled
      && (!into.journaled || x.journal.commits > into.journal.commits)) {
    into.journaled = true;
    into.journal = x.journal;
  }
  for (auto& s : x.orders) {
    auto i = std::find_if(into.orders.begin(), into.orders.end(),
                          [&](const status_stats& y) {
                            return y.kind == s.kind && y.status == s.status;
                          });
    if (i == into.orders.end())
      into.orders.push_back(s);
    else
      i->latency.add(s.latency);
  }
  for (auto& c : x.calls) {
    auto i = std::find_if(
      into.calls.begin(), into.calls.end(), [&](const call_stats& y) {
        return y.service == c.service && y.instance == c.instance;
      });
    if (i == into.calls.end()) {
      into.calls.push_back(c);
      continue;
    }
    i->latency.add(c.latency);
    i->errors += c.errors;
    i->timeouts += c.timeouts;
  }
}

namespace {

// The shard of a recovered order among `n`: its key's (as shard_for), the
// first for one without a key.
size_t shard_of(const journaled_order& o, size_t n) {
  auto& key = o.accepted.idempotency_key;
  return key.empty() ? size_t{0} : std::hash<std::string>{}(key) % n;
}

// The shard of `sub`: its key's, or the next in turn (which numbers it).
const order_desk_actor&
shard_for(desk_router_actor::stateful_pointer<desk_router_state> self,
          order_submission& sub) {
  auto& st = self->state;
  auto sender = self->current_sender();
  st.clients.scope(self->node(), sender ? sender->node() : caf::node_id{},
                   sub.order_key);
  size_t i = 0;
  if (!sub.idempotency_key.empty()) {
    i = std::hash<std::string>{}(sub.idempotency_key) % st.shards.size();
  } else {
    if (sub.order_key.empty())
      sub.order_key = "seq:" + std::to_string(++st.next_seq);
    i = st.next_shard++ % st.shards.size();
  }
  return st.shards[i];
}

} // namespace

desk_router_actor::behavior_type
desk_router(desk_router_actor::stateful_pointer<desk_router_state> self,
            std::vector<order_desk_actor> shards) {
  for (auto& s : shards)
    self->link_to(s);
  self->state.shards = std::move(shards);
  return {
    [=](submit_atom atom, order_submission& sub) -> caf::result<order_result> {
      // Invalid requests are answered here, so that they take no seq number
      // (as from a single desk).
      if (auto err = validate(sub.request))
        return err;
      return self->delegate(shard_for(self, sub), atom, std::move(sub));
    },
    [=](send_atom atom, order_submission& sub) -> caf::result<order_accepted> {
      if (auto err = validate(sub.request))
        return err;
      return self->delegate(shard_for(self, sub), atom, std::move(sub));
    },
    [=](get_atom atom, std::string& id) -> caf::result<journal_lookup> {
      // The shards share one journal: any of them looks it up.
      return self->delegate(self->state.shards.front(), atom, std::move(id));
    },
    [=](attach_atom atom, std::string& id) -> caf::result<journal_lookup> {
      return self->delegate(self->state.shards.front(), atom, std::move(id));
    },
    [=](resume_atom atom, std::vector<journaled_order>& orders,
        std::vector<journal_void>& voids) {
      auto& shards = self->state.shards;
      std::vector<std::vector<journaled_order>> per(shards.size());
      for (auto& o : orders)
        per[shard_of(o, shards.size())].push_back(std::move(o));
      // The first shard sends the voids (a void needs only its key).
      std::vector<std::vector<journal_void>> owed(shards.size());
      owed.front() = std::move(voids);
      for (size_t i = 0; i < shards.size(); ++i)
        self->send(caf::actor_cast<partition_desk_actor>(shards[i]), atom,
                   std::move(per[i]), std::move(owed[i]));
    },
    [=](drop_atom atom, const std::vector<int32_t>& lost) {
      for (auto& s : self->state.shards)
        self->send(caf::actor_cast<partition_desk_actor>(s), atom, lost);
    },
    [=](stats_atom atom) -> caf::result<desk_stats> {
      auto& st = self->state;
      auto merge = std::make_shared<stats_merge>();
      merge->left = st.shards.size();
      merge->promise = self->make_response_promise<desk_stats>();
      for (auto& s : st.shards)
        self->request(s, caf::infinite, atom)
          .then(
            [merge](desk_stats& x) {
              merge_stats(merge->total, x);
              if (--merge->left == 0)
                merge->promise.deliver(std::move(merge->total));
            },
            [merge](caf::error& err) {
              if (merge->left > 0) {
                merge->left = 0;
                merge->promise.deliver(std::move(err));
              }
            });
      return merge->promise;
    },
  };
}

order_desk_actor spawn_desk(caf::actor_system& sys, directory_actor directory,
                            desk_config cfg) {
  // No more shards than orders in flight, so that every shard can take one.
  auto n = std::min<int64_t>(cfg.shards, cfg.max_in_flight);
  if (n <= 1)
    return sys.spawn(order_desk, std::move(directory), std::move(cfg));
  // The shards share one acceptance counter (journal order is acceptance
  // order), and each takes the recovered orders and results of the keys
  // the router sends it (orders without a key: the first shard).
  std::vector<desk_config> cfgs(static_cast<size_t>(n));
  cfg.acceptances = std::make_shared<std::atomic<uint64_t>>(cfg.first_seq);
  // What recovery found goes to one shard each, moved: it can be large.
  auto resume = std::move(cfg.resume);
  auto keyed = std::move(cfg.keyed);
  auto voids = std::move(cfg.voids);
  cfg.resume.clear();
  cfg.keyed.clear();
  cfg.voids.clear();
  for (int64_t i = 0; i < n; ++i) {
    auto& shard_cfg = cfgs[static_cast<size_t>(i)];
    shard_cfg = cfg;
    shard_cfg.share = cfg.max_in_flight / n + (i < cfg.max_in_flight % n);
    auto keys = static_cast<int64_t>(cfg.dedup_capacity);
    shard_cfg.dedup_capacity = static_cast<size_t>(keys / n + (i < keys % n));
    shard_cfg.scope_clients = false; // the router did
  }
  cfgs.front().voids = std::move(voids); // the first shard sends them
  for (auto& o : resume)
    cfgs[shard_of(o, static_cast<size_t>(n))].resume.push_back(std::move(o));
  for (auto& o : keyed)
    cfgs[shard_of(o, static_cast<size_t>(n))].keyed.push_back(std::move(o));
  std::vector<order_desk_actor> shards;
  shards.reserve(cfgs.size());
  for (auto& shard_cfg : cfgs)
    shards.push_back(sys.spawn(order_desk, directory, std::move(shard_cfg)));
  return caf::actor_cast<order_desk_actor>(
    sys.spawn(desk_router, std::move(shards)));
}

} // namespace order_node
