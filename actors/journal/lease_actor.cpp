// actors/journal/lease_actor.cpp — see lease_actor.hpp.
#include "actors/journal/lease_actor.hpp"

#include <limits>

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/journal/pg_leases.hpp"
#include "actors/support/log.hpp"

namespace order_node {

namespace {

using lease_self = lease_actor::stateful_pointer<lease_state>;

// "0-3,7,9-10": partitions as ranges, for the log.
std::string join(const std::vector<int32_t>& xs) {
  std::string out;
  for (size_t i = 0; i < xs.size();) {
    size_t j = i;
    while (j + 1 < xs.size() && xs[j + 1] == xs[j] + 1)
      ++j;
    out += (out.empty() ? "" : ",") + std::to_string(xs[i]);
    if (j > i)
      out += "-" + std::to_string(xs[j]);
    i = j + 1;
  }
  return out;
}

// Partitions taken: their orders resume here (the desk with a reader asks
// it for decided keys: none are read).
void taken(lease_self self, const std::vector<int32_t>& gained) {
  auto& st = self->state;
  journal_contents c;
  std::string error;
  if (!st.keeper->read(gained, std::numeric_limits<int64_t>::max(), c, error)) {
    // Owned, and unread: a front that cannot read them cannot write them
    // either; the next round's renewal decides.
    node_log().error("{}", error);
    return;
  }
  node_log().info("partitions: took {} ({}): {} unfinished {} to resume, {} "
                  "{} owed",
                  gained.size(), join(gained), c.unfinished.size(),
                  c.unfinished.size() == 1 ? "order" : "orders", c.voids.size(),
                  c.voids.size() == 1 ? "void" : "voids");
  self->send(st.desk, resume_atom::value, std::move(c.unfinished),
             std::move(c.voids));
}

void round(lease_self self) {
  auto& st = self->state;
  lease_round r;
  std::string error;
  bool ok = st.keeper->round(r, error);
  if (!r.lost.empty()) {
    node_log().warn("partitions: lost {} ({}) to another front", r.lost.size(),
                    join(r.lost));
    self->send(st.desk, drop_atom::value, r.lost);
  }
  if (!ok) {
    if (error != st.failing)
      node_log().error("partitions: {}", error);
    st.failing = error;
    return;
  }
  if (!st.failing.empty())
    node_log().info("partitions: the database answers again");
  st.failing.clear();
  if (!r.gained.empty())
    taken(self, r.gained);
  std::vector<std::string> fronts;
  for (auto& f : r.fronts)
    fronts.push_back(f.name);
  if (r.owners != st.owners || fronts != st.fronts) {
    st.owners = r.owners;
    st.fronts = std::move(fronts);
    if (st.router)
      self->send(st.router, owners_atom::value, std::move(r.owners),
                 std::move(r.fronts));
  }
}

} // namespace

lease_actor::behavior_type leases(lease_self self,
                                  const std::shared_ptr<lease_keeper>& keeper,
                                  partition_desk_actor desk,
                                  owners_watcher router) {
  self->state.keeper = keeper;
  self->state.desk = std::move(desk);
  self->state.router = std::move(router);
  // A clean stop gives the leases up: the others need not wait for them.
  self->attach_functor([keeper] { keeper->release(); });
  // The first round now: the router learns the owners at once.
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      round(self);
      self->delayed_send(self, lease_round_interval, tick_atom::value);
    },
  };
}

lease_actor spawn_leases(caf::actor_system& sys,
                         std::shared_ptr<lease_keeper> keeper,
                         partition_desk_actor desk, owners_watcher router) {
  return sys.spawn<caf::detached>(leases, std::move(keeper), std::move(desk),
                                  std::move(router));
}

} // namespace order_node
