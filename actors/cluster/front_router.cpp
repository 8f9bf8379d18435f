// actors/cluster/front_router.cpp — see front_router.hpp.
#include "actors/cluster/front_router.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/cluster/address.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/partition.hpp"

namespace order_node {

namespace {

constexpr auto tick_interval = std::chrono::milliseconds(100);

// Another front, as this one reaches it.
struct front_link {
  std::string listen;
  order_desk_actor desk; // invalid until connected
  caf::actor_addr node;
  bool connecting = false;
  bool warned = false; // a failed attempt is logged once, until it works
  uint64_t generation = 0;
};

// An order waiting for its partition's owner (or for a connection to it).
struct held_order {
  bool send = false; // send_atom (accepted) rather than submit (result)
  order_submission sub;
  caf::typed_response_promise<order_result> result;
  caf::typed_response_promise<order_accepted> accepted;
  caf::actor_clock::time_point until;
};

// A held order sent to a front, until it answers (or is gone).
struct pending_forward {
  std::string front;
  std::shared_ptr<held_order> order;
};

struct router_state {
  front_router_config cfg;
  std::unordered_map<uint64_t, pending_forward> pending; // by forward id
  uint64_t next_forward = 0;
  std::vector<std::string> owners; // by partition; "" none; empty: not yet
  bool owns_any = false;           // this front owns one of them
  std::unordered_map<std::string, front_link> fronts; // by name
  std::deque<held_order> held;
  uint64_t next = 0; // keyless orders of a front that owns nothing
  static constexpr const char* name = "front_router";
};

using router_self = front_router_actor::stateful_pointer<router_state>;

caf::error no_owner() {
  return make_error(order_errc::not_owner,
                    "no front owns the order's partition right now (one may "
                    "have just stopped): send it again, with its idempotency "
                    "key, in a moment");
}

// Where an order goes: a front (by name) and its desk.
struct target {
  std::string front;
  order_desk_actor desk;
};

// The desk of front `owner`, if this one can reach it now.
std::optional<target> desk_of(router_self self, const std::string& owner) {
  auto& st = self->state;
  if (owner.empty())
    return std::nullopt;
  if (owner == st.cfg.me)
    return target{owner, st.cfg.local};
  auto i = st.fronts.find(owner);
  if (i == st.fronts.end() || !i->second.desk)
    return std::nullopt;
  return target{owner, i->second.desk};
}

// Where `sub` runs now: a keyed order at its key's partition's owner; one
// without a key here if this front owns a partition, else at a front that
// does. None: it waits.
std::optional<target> route(router_self self, const order_submission& sub) {
  auto& st = self->state;
  if (st.owners.empty()) // before the first round: the desk decides
    return target{st.cfg.me, st.cfg.local};
  if (!sub.idempotency_key.empty())
    return desk_of(self, st.owners[static_cast<size_t>(partition_of(
                           sub.idempotency_key, st.cfg.partitions))]);
  if (st.owns_any)
    return target{st.cfg.me, st.cfg.local};
  for (size_t n = 0; n < st.owners.size(); ++n)
    if (auto t = desk_of(self, st.owners[st.next++ % st.owners.size()]))
      return t;
  return std::nullopt;
}

void hold(router_self self, held_order h) {
  self->state.held.push_back(std::move(h));
}

// The held order of forward `id`, if it is still pending.
std::shared_ptr<held_order> take_pending(router_self self, uint64_t id) {
  auto& pending = self->state.pending;
  auto i = pending.find(id);
  if (i == pending.end())
    return nullptr;
  auto out = std::move(i->second.order);
  pending.erase(i);
  return out;
}

// A forwarded order that failed with `err`: should its front have lost the
// partition (or be gone), it waits again until its time is up.
void forward_failed(router_self self, held_order& h, caf::error err) {
  if ((is_error(err, order_errc::not_owner) || is_node_lost(err))
      && self->clock().now() < h.until) {
    hold(self, std::move(h));
    return;
  }
  if (h.send)
    h.accepted.deliver(std::move(err));
  else
    h.result.deliver(std::move(err));
}

// Sends held order `h` to `desk` (front `front`'s).
void forward(router_self self, const std::string& front,
             const order_desk_actor& desk, held_order h) {
  auto& st = self->state;
  auto id = ++st.next_forward;
  auto shared = std::make_shared<held_order>(std::move(h));
  st.pending.emplace(id, pending_forward{front, shared});
  auto failed = [self, id](caf::error& err) {
    if (auto h = take_pending(self, id))
      forward_failed(self, *h, std::move(err));
  };
  if (shared->send)
    self->request(desk, st.cfg.forward_timeout, send_atom::value, shared->sub)
      .then(
        [self, id](order_accepted& a) {
          if (auto h = take_pending(self, id))
            h->accepted.deliver(a);
        },
        failed);
  else
    self->request(desk, st.cfg.forward_timeout, submit_atom::value, shared->sub)
      .then(
        [self, id](order_result& r) {
          if (auto h = take_pending(self, id))
            h->result.deliver(r);
        },
        failed);
}

// Front `name` is gone: what it had of ours waits for the next owner (a
// keyed order resumes there, and its key answers once).
void front_gone(router_self self, const std::string& name) {
  auto& pending = self->state.pending;
  std::vector<std::shared_ptr<held_order>> orphans;
  for (auto i = pending.begin(); i != pending.end();) {
    if (i->second.front == name) {
      orphans.push_back(std::move(i->second.order));
      i = pending.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& h : orphans)
    forward_failed(self, *h,
                   make_error(order_errc::node_lost,
                              "front " + name + " is gone with the order"));
}

// Held orders that have an owner now go; those past their time fail.
void release_held(router_self self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto held = std::move(st.held);
  st.held.clear();
  for (auto& h : held) {
    if (auto t = route(self, h.sub)) {
      forward(self, t->front, t->desk, std::move(h));
    } else if (now >= h.until) {
      if (h.send)
        h.accepted.deliver(no_owner());
      else
        h.result.deliver(no_owner());
    } else {
      st.held.push_back(std::move(h));
    }
  }
}

void connect(router_self self, const std::string& name) {
  auto& st = self->state;
  auto& link = st.fronts[name];
  std::string host;
  uint16_t port = 0;
  if (link.connecting || link.desk || !parse_host_port(link.listen, host, port))
    return;
  link.connecting = true;
  auto gen = ++link.generation;
  auto failed = [self, name, gen](const caf::error& err) {
    auto i = self->state.fronts.find(name);
    if (i == self->state.fronts.end() || i->second.generation != gen)
      return;
    i->second.connecting = false;
    if (!i->second.warned)
      node_log().warn("fronts: cannot reach front {} yet: {}", name,
                      error_text(err));
    i->second.warned = true;
  };
  self
    ->request(st.cfg.connector, st.cfg.connect_timeout,
              caf::connect_atom::value, host, port)
    .then(
      [=](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        if (!ptr) {
          failed(make_error(order_errc::node_lost, "nothing published"));
          return;
        }
        auto node = caf::actor_cast<node_actor>(ptr);
        self
          ->request(node, self->state.cfg.connect_timeout, hello_atom::value,
                    self->state.cfg.fingerprint)
          .then(
            [=](node_info& info) {
              auto i = self->state.fronts.find(name);
              if (i == self->state.fronts.end() || i->second.generation != gen)
                return;
              auto& l = i->second;
              l.connecting = false;
              l.warned = false;
              l.desk = info.local_desk ? info.local_desk : info.desk;
              l.node = node.address();
              self->monitor(node);
              node_log().info("fronts: connected to front {}", name);
              release_held(self);
            },
            failed);
      },
      failed);
}

// The lease actor's view: who owns what, which fronts live.
void on_owners(router_self self, std::vector<std::string>& owners,
               std::vector<front_entry>& fronts) {
  auto& st = self->state;
  st.owners = std::move(owners);
  st.owns_any = std::find(st.owners.begin(), st.owners.end(), st.cfg.me)
                != st.owners.end();
  std::set<std::string> live;
  for (auto& f : fronts) {
    live.insert(f.name);
    if (f.name == st.cfg.me)
      continue;
    auto& link = st.fronts[f.name];
    if (link.listen != f.listen) {
      link = front_link{};
      link.listen = f.listen;
    }
  }
  std::vector<std::string> gone;
  for (auto i = st.fronts.begin(); i != st.fronts.end();) {
    if (live.count(i->first) > 0) {
      ++i;
    } else {
      gone.push_back(i->first);
      i = st.fronts.erase(i);
    }
  }
  // Its session ended: what it had of ours goes to the next owner.
  for (auto& name : gone)
    front_gone(self, name);
  for (auto& [name, link] : st.fronts)
    connect(self, name);
  release_held(self);
}

// An order from a caller: to its owner, or held until there is one. A
// local owner's desk takes it over (delegate); another front's answers
// through this router, so that its loss is noticed (front_gone()).
template <class Result, class Atom>
caf::result<Result> take(router_self self, Atom atom, order_submission& sub) {
  auto t = route(self, sub);
  if (t && t->front == self->state.cfg.me)
    return self->delegate(t->desk, atom, std::move(sub));
  held_order h;
  h.send = std::is_same<Atom, send_atom>::value;
  h.until = self->clock().now() + self->state.cfg.hold;
  h.sub = std::move(sub);
  auto rp = self->make_response_promise<Result>();
  if constexpr (std::is_same<Result, order_accepted>::value)
    h.accepted = rp;
  else
    h.result = rp;
  if (t)
    forward(self, t->front, t->desk, std::move(h));
  else
    hold(self, std::move(h));
  return rp;
}

} // namespace

front_router_actor::behavior_type front_router(router_self self,
                                               front_router_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) {
    for (auto& [name, link] : self->state.fronts)
      if (link.node == dm.source) {
        node_log().info("fronts: front {} is gone", name);
        link.desk = order_desk_actor{};
        link.node = caf::actor_addr{};
        front_gone(self, name);
      }
  });
  self->send(self, tick_atom::value);
  return {
    [=](submit_atom atom, order_submission& sub) {
      return take<order_result>(self, atom, sub);
    },
    [=](send_atom atom, order_submission& sub) {
      return take<order_accepted>(self, atom, sub);
    },
    [=](get_atom atom, std::string& id) {
      return self->delegate(self->state.cfg.local, atom, std::move(id));
    },
    [=](attach_atom atom, std::string& id) {
      return self->delegate(self->state.cfg.local, atom, std::move(id));
    },
    [=](stats_atom atom) {
      return self->delegate(self->state.cfg.local, atom);
    },
    [=](owners_atom, std::vector<std::string>& owners,
        std::vector<front_entry>& fronts) { on_owners(self, owners, fronts); },
    [=](tick_atom) {
      for (auto& [name, link] : self->state.fronts)
        connect(self, name);
      release_held(self);
      self->delayed_send(self, tick_interval, tick_atom::value);
    },
  };
}

front_router_actor spawn_front_router(caf::actor_system& sys,
                                      front_router_config cfg) {
  return sys.spawn(front_router, std::move(cfg));
}

} // namespace order_node
