// actors/journal/journal_actor.cpp — see journal_actor.hpp.
#include "actors/journal/journal_actor.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

using journal_self = journal_impl::stateful_pointer<journal_state>;

constexpr auto purge_interval = std::chrono::minutes(1);
// On a shared journal, how often orders with attached clients are looked up
// again (another front may decide them).
constexpr auto attach_poll = std::chrono::milliseconds(100);

size_t count(const journal_ops& ops) {
  return ops.accepted.size() + ops.replies.size() + ops.decided.size()
         + ops.voids.size() + ops.voids_acknowledged.size();
}

void add(journal_self self, const journal_ops& ops) {
  auto& st = self->state;
  st.store->write(ops);
  st.group_records += static_cast<int32_t>(count(ops));
  if (!st.attached.empty())
    for (auto& d : ops.decided)
      if (st.attached.count(d.result.order_id) > 0)
        st.group_attached.push_back(
          journal_lookup{true, true, d.result.order_id, d.result});
  st.commit.send(self, commit_atom::value);
}

void commit(journal_self self) {
  auto& st = self->state;
  st.commit.arrived();
  auto t0 = std::chrono::steady_clock::now();
  std::string error;
  std::vector<uint64_t> unrecorded;
  bool ok = st.store->commit(error, unrecorded);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::steady_clock::now() - t0)
              .count();
  auto& s = st.stats;
  s.observe(static_cast<int64_t>(us), st.group_records);
  auto writers = std::move(st.writers);
  st.writers.clear();
  st.group_records = 0;
  auto decided = std::move(st.group_attached);
  st.group_attached.clear();
  caf::error err;
  if (!ok) {
    ++s.failed_commits;
    node_log().error("{}", error);
    err = make_error(order_errc::journal_failed, error);
  }
  // Each writer gets every unrecorded acceptance number: a desk knows its
  // own (the numbers of a node's shards never meet).
  for (auto& w : writers) {
    if (err)
      w.deliver(err);
    else
      w.deliver(unrecorded);
  }
  for (auto& d : decided) {
    auto i = st.attached.find(d.order_id);
    if (i == st.attached.end())
      continue;
    for (auto& rp : i->second) {
      if (err)
        rp.deliver(err);
      else
        rp.deliver(d);
    }
    st.attached.erase(i);
  }
}

// On a shared journal: the attached orders another front decided answer.
void poll_attached(journal_self self) {
  auto& st = self->state;
  for (auto i = st.attached.begin(); i != st.attached.end();) {
    std::string error;
    auto found = st.store->lookup(i->first, &error);
    if (!error.empty() || found.decided || !found.found) {
      for (auto& rp : i->second) {
        if (!error.empty())
          rp.deliver(make_error(order_errc::journal_failed, error));
        else
          rp.deliver(found);
      }
      i = st.attached.erase(i);
    } else {
      ++i;
    }
  }
  if (!st.attached.empty())
    self->delayed_send(self, attach_poll, poll_atom::value);
}

// Commits the current group, if any, so that a lookup reads only what is
// durable (SQLite shows a connection its own uncommitted writes).
void settle(journal_self self) {
  if (self->state.commit.pending())
    commit(self);
}

} // namespace

journal_impl::behavior_type journal(journal_self self,
                                    std::shared_ptr<journal_store> store,
                                    caf::timespan retention) {
  self->state.store = std::move(store);
  self->state.retention = retention;
  self->delayed_send(self, purge_interval, purge_atom::value);
  return {
    [=](write_atom,
        const journal_ops& ops) -> caf::result<std::vector<uint64_t>> {
      add(self, ops);
      auto rp = self->make_response_promise<std::vector<uint64_t>>();
      self->state.writers.push_back(rp);
      return rp;
    },
    [=](get_atom, const std::string& order_id) -> caf::result<journal_lookup> {
      settle(self);
      std::string error;
      auto found = self->state.store->lookup(order_id, &error);
      if (!error.empty())
        return make_error(order_errc::journal_failed, error);
      return found;
    },
    [=](attach_atom,
        const std::string& order_id) -> caf::result<journal_lookup> {
      settle(self);
      std::string error;
      auto found = self->state.store->lookup(order_id, &error);
      if (!error.empty())
        return make_error(order_errc::journal_failed, error);
      if (!found.found || found.decided)
        return found;
      auto rp = self->make_response_promise<journal_lookup>();
      auto& st = self->state;
      if (st.store->shared() && st.attached.empty())
        self->delayed_send(self, attach_poll, poll_atom::value);
      st.attached[order_id].push_back(rp);
      return rp;
    },
    [=](stats_atom) {
      auto& st = self->state;
      st.stats.wal_bytes = st.store->wal_bytes();
      return st.stats;
    },
    [=](commit_atom) { commit(self); },
    [=](poll_atom) { poll_attached(self); },
    [=](purge_atom) {
      auto& st = self->state;
      settle(self); // the group first; purge runs after it
      auto cutoff
        = journal_now_us()
          - std::chrono::duration_cast<std::chrono::microseconds>(st.retention)
              .count();
      st.stats.purged += st.store->purge(cutoff);
      st.stats.wal_bytes = st.store->wal_bytes();
      self->delayed_send(self, purge_interval, purge_atom::value);
    },
  };
}

journal_actor spawn_journal(caf::actor_system& sys,
                            std::shared_ptr<journal_store> store,
                            caf::timespan retention, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(journal, std::move(store), retention);
  return sys.spawn(journal, std::move(store), retention);
}

} // namespace order_node
