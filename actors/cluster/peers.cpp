// actors/cluster/peers.cpp — see peers.hpp.
#include "actors/cluster/peers.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "actors/cluster/address.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/service_table.hpp"
#include "messages/units.hpp"

namespace order_node {

namespace {

using clock_type = caf::actor_clock;
using time_point = clock_type::time_point;

enum class phase { down, up, suspect };

const char* to_string(phase x) {
  constexpr const char* names[] = {"down", "up", "suspect"};
  return names[static_cast<size_t>(x)];
}

/// A peer's stand-ins of the instances of one service, by instance name,
/// each with its slot at the peer's link.
template <class Row>
using stand_in_map
  = std::map<std::string, std::pair<typename Row::handle, uint32_t>>;

struct peer {
  std::string address; // as configured
  std::string host;
  uint16_t port = 0;
  phase state = phase::down;
  std::string reason = "not connected yet";
  bool attempted = false;  // the first connect attempt has ended
  bool connecting = false; // a connect attempt is under way
  uint64_t generation = 0; // of the current connection attempt
  node_actor node;         // invalid while not connected
  node_info info;          // what it said in its hello
  time_point next_attempt{};
  caf::timespan backoff{};
  int32_t failures = 0; // connect attempts failed in a row
  // Heartbeats.
  bool ping_outstanding = false;
  int64_t next_ping = 0;
  time_point last_pong{};
  double last_rtt_ms = -1;
  // Its link and the stand-ins of what it hosts; kept across reconnects,
  // retargeted (spawned at the first connection).
  relay_counters_ptr counters = std::make_shared<relay_counters>();
  link_ref link;
  per_service<stand_in_map> stand_ins;
  std::vector<link_slot> slots; // of the link, by slot
  service_routes routes;        // stand-ins of the instances it hosts now
};

struct peers_state {
  peers_config cfg;
  std::vector<peer> peers;
  std::set<std::string> expected_ifs; // node_actor's interface
  std::vector<caf::typed_response_promise<int32_t>> waiting_ready;
  static constexpr const char* name = "peers";
};

using peers_impl = peers_actor::extend<caf::reacts_to<tick_atom>>;
using self_ptr = peers_impl::stateful_pointer<peers_state>;

// Points the peer's stand-ins of `row`'s service at the instances it hosts
// in `remote` (spawning stand-ins for new ones) and adds them to the peer's
// routes.
template <class Row>
void attach(self_ptr self, peer& p, Row row, const service_routes& remote) {
  auto& stand_ins = p.stand_ins.of(row);
  auto& hosted = row.routes(remote);
  for (size_t k = 0; k < hosted.size(); ++k) {
    auto& name = hosted[k].instance;
    auto i = stand_ins.find(name);
    if (i == stand_ins.end()) {
      auto slot = static_cast<uint32_t>(p.slots.size());
      p.slots.push_back({name + " (" + Row::role + ") on " + p.address, -1});
      auto h = spawn_stand_in<Row>(self->system(), p.link, slot);
      i = stand_ins.emplace(name, std::make_pair(h, slot)).first;
    }
    p.slots[i->second.second].index = static_cast<int32_t>(k);
    row.routes(p.routes).push_back({name, i->second.first});
  }
}

// Points the peer's link at `dispatcher` (invalid: the peer is down, its
// calls fail) with every stand-in's instance as the peer's hello says.
void retarget(self_ptr self, peer& p, dispatcher_actor dispatcher) {
  self->send(p.link.actor, target_atom::value, std::move(dispatcher), p.slots);
}

// "warehouse:Main", "payment" (an instance named as its service), ...
std::vector<std::string> hosted_names(const service_routes& r) {
  std::vector<std::string> out;
  for_each_service([&](auto row) {
    std::string role = row.role;
    for (auto& x : row.routes(r))
      out.push_back(x.instance == role ? role : role + ":" + x.instance);
  });
  return out;
}

// Sends the directory the routes of every peer that is up or suspect.
void publish_routes(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.directory)
    return;
  auto merged = std::make_shared<service_routes>();
  for (auto& p : st.peers) {
    if (p.state == phase::down)
      continue;
    for_each_service([&](auto row) {
      auto& to = row.routes(*merged);
      auto& from = row.routes(p.routes);
      to.insert(to.end(), from.begin(), from.end());
    });
  }
  self->send(st.cfg.directory, routes_atom::value,
             service_routes_ptr{std::move(merged)});
}

// The peer answers: route to it (first connection or back from a freeze).
void take_in(self_ptr self, peer& p) {
  p.routes = service_routes{};
  if (p.info.dispatcher) { // a services node
    if (!p.link.actor) {
      p.link = spawn_link(self->system(), p.counters);
      self->link_to(p.link.actor);
    }
    for (auto& s : p.slots)
      s.index = -1;
    for_each_service([&](auto row) { attach(self, p, row, p.info.routes); });
    retarget(self, p, p.info.dispatcher);
  }
  if (self->state.cfg.desk && p.info.desk)
    self->send(self->state.cfg.desk, target_atom::value, p.info.desk);
  p.state = phase::up;
  p.reason.clear();
  publish_routes(self);
}

// The peer is gone or frozen: no more routes to it, its calls fail now.
void take_out(self_ptr self, peer& p, std::string reason) {
  p.state = phase::down;
  p.reason = std::move(reason);
  if (p.link.actor)
    retarget(self, p, dispatcher_actor{});
  if (self->state.cfg.desk && p.info.desk)
    self->send(self->state.cfg.desk, target_atom::value, order_desk_actor{});
  p.routes = service_routes{};
  publish_routes(self);
}

void check_ready(self_ptr self) {
  auto& st = self->state;
  if (st.waiting_ready.empty())
    return;
  int32_t up = 0;
  for (auto& p : st.peers) {
    if (!p.attempted)
      return;
    if (p.state != phase::down)
      ++up;
  }
  for (auto& rp : st.waiting_ready)
    rp.deliver(up);
  st.waiting_ready.clear();
}

void connect_failed(self_ptr self, size_t i, const std::string& why) {
  auto& st = self->state;
  auto& p = st.peers[i];
  p.connecting = false;
  p.attempted = true;
  p.reason = why;
  p.node = node_actor{};
  p.backoff = p.failures == 0 ? st.cfg.reconnect_min
                              : std::min(p.backoff * 2, st.cfg.reconnect_max);
  p.next_attempt = self->clock().now() + p.backoff;
  if (p.failures++ == 0)
    node_log().warn("peer {}: cannot connect: {}; retrying with backoff up "
                    "to {:.0f} ms",
                    p.address, why, ms_of(st.cfg.reconnect_max));
  else
    node_log().debug("peer {}: attempt {} failed: {}", p.address, p.failures,
                     why);
  check_ready(self);
}

void connected(self_ptr self, size_t i, node_actor node, node_info info) {
  auto& p = self->state.peers[i];
  p.connecting = false;
  p.attempted = true;
  p.failures = 0;
  p.node = std::move(node);
  p.info = std::move(info);
  p.last_pong = self->clock().now();
  p.ping_outstanding = false;
  self->monitor(p.node);
  take_in(self, p);
  auto names = hosted_names(p.info.routes);
  if (p.info.desk)
    names.emplace_back("desk");
  std::string list;
  for (auto& n : names)
    list += (list.empty() ? "" : ",") + n;
  node_log().info("peer {}: up, node {} hosts {}", p.address, p.info.name,
                  list.empty() ? "nothing" : list);
  check_ready(self);
}

// Why a peer that said `info` in its hello is not what this node asked
// for: a client connects to a front, a front to services nodes. Empty if
// it is.
std::string wrong_role(const peers_config& cfg, const node_info& info) {
  if (cfg.desk && info.role != "front")
    return "it is a " + info.role
           + " node, not a front: --connect takes a front's --listen "
             "address";
  if (cfg.directory && info.role != "services")
    return "it is a " + info.role
           + " node, not a services node: --peers lists services nodes' "
             "--listen addresses";
  return {};
}

void try_connect(self_ptr self, size_t i) {
  auto& st = self->state;
  auto& p = st.peers[i];
  p.connecting = true;
  auto gen = ++p.generation;
  // The middleman actor connects and shakes hands off this actor; the
  // timeout bounds a peer that accepts TCP but never answers.
  self
    ->request(st.cfg.connector, st.cfg.connect_timeout,
              caf::connect_atom::value, p.host, p.port)
    .then(
      [=](caf::node_id&, caf::strong_actor_ptr& ptr,
          std::set<std::string>& ifs) {
        auto& st = self->state;
        if (st.peers[i].generation != gen)
          return;
        if (!ptr) {
          connect_failed(self, i, "nothing is published on that port");
          return;
        }
        if (ifs != st.expected_ifs) {
          node_log().error("peer {}: refused: it publishes another interface "
                           "(a different order-node version or not an "
                           "order-node)",
                           st.peers[i].address);
          connect_failed(self, i, "incompatible interface");
          return;
        }
        auto node = caf::actor_cast<node_actor>(ptr);
        self
          ->request(node, st.cfg.connect_timeout, hello_atom::value,
                    st.cfg.fingerprint)
          .then(
            [=](node_info& info) {
              if (self->state.peers[i].generation != gen)
                return;
              if (auto why = wrong_role(self->state.cfg, info); !why.empty()) {
                node_log().error("peer {}: refused: {}",
                                 self->state.peers[i].address, why);
                connect_failed(self, i, why);
                return;
              }
              connected(self, i, node, std::move(info));
            },
            [=](caf::error& err) {
              if (self->state.peers[i].generation != gen)
                return;
              auto why = error_text(err);
              if (is_error(err, order_errc::incompatible))
                node_log().error("peer {}: refused: {}",
                                 self->state.peers[i].address, why);
              connect_failed(self, i, "hello failed: " + why);
            });
      },
      [=](caf::error& err) {
        if (self->state.peers[i].generation != gen)
          return;
        // CAF says only that the connection closed during the handshake;
        // with TLS that is almost always a certificate the peer refused.
        if (self->state.cfg.tls && err == caf::sec::disconnect_during_handshake)
          connect_failed(self, i,
                         "TLS handshake failed: check --tls-ca, and that "
                         "both nodes use TLS with certificates signed by it ("
                           + error_text(err) + ")");
        else
          connect_failed(self, i, error_text(err));
      });
}

void ping(self_ptr self, size_t i) {
  auto& st = self->state;
  auto& p = st.peers[i];
  p.ping_outstanding = true;
  auto gen = p.generation;
  auto sent = self->clock().now();
  self
    ->request(p.node, st.cfg.heartbeat_timeout, ping_atom::value, ++p.next_ping)
    .then(
      [=](int64_t) {
        auto& p = self->state.peers[i];
        if (p.generation != gen || !p.node)
          return;
        auto now = self->clock().now();
        p.ping_outstanding = false;
        p.last_pong = now;
        p.last_rtt_ms = ms_of(now - sent);
        if (p.state == phase::suspect) {
          p.state = phase::up;
          p.reason.clear();
          node_log().info("peer {}: answering again", p.address);
        } else if (p.state == phase::down) {
          node_log().info("peer {}: back (answering heartbeats again)",
                          p.address);
          take_in(self, p);
        }
      },
      [=](caf::error&) {
        auto& p = self->state.peers[i];
        if (p.generation == gen)
          p.ping_outstanding = false; // the tick judges the silence
      });
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  for (size_t i = 0; i < st.peers.size(); ++i) {
    auto& p = st.peers[i];
    if (!p.node) {
      if (!p.connecting && now >= p.next_attempt)
        try_connect(self, i);
      continue;
    }
    auto silence = now - p.last_pong;
    if (p.state != phase::down && silence >= st.cfg.heartbeat_timeout) {
      node_log().warn(
        "peer {}: down: no heartbeat answer for {:.0f} ms; routing "
        "around it",
        p.address, ms_of(silence));
      take_out(self, p,
               "no heartbeat answer for "
                 + std::to_string(static_cast<int64_t>(ms_of(silence)))
                 + " ms");
    } else if (p.state == phase::up
               && silence > 2 * st.cfg.heartbeat_interval) {
      p.state = phase::suspect;
      p.reason = "missed heartbeats";
      node_log().warn("peer {}: suspect: no heartbeat answer for {:.0f} ms",
                      p.address, ms_of(silence));
    }
    if (!p.ping_outstanding)
      ping(self, i);
  }
  self->delayed_send(self, st.cfg.heartbeat_interval, tick_atom::value);
}

peers_impl::behavior_type peers_behavior(self_ptr self, peers_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.expected_ifs = self->system().message_types<node_actor>();
  for (auto& address : st.cfg.addresses) {
    peer p;
    p.address = address;
    parse_host_port(address, p.host, p.port); // checked by the caller
    st.peers.push_back(std::move(p));
  }
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto& p : st.peers) {
      if (!p.node || dm.source != p.node.address())
        continue;
      node_log().warn("peer {}: down: connection lost ({}); reconnecting",
                      p.address, to_string(dm.reason));
      p.node = node_actor{};
      ++p.generation;
      p.connecting = false;
      p.ping_outstanding = false;
      p.failures = 0;
      p.next_attempt = self->clock().now() + st.cfg.reconnect_min;
      p.backoff = st.cfg.reconnect_min;
      take_out(self, p, "connection lost");
    }
  });
  self->send(self, tick_atom::value);
  return {
    [=](nodes_atom) {
      std::vector<peer_info> out;
      for (auto& p : self->state.peers) {
        peer_info x;
        x.address = p.address;
        x.name = p.info.name;
        x.state = to_string(p.state);
        x.reason = p.reason;
        if (p.state != phase::down) {
          x.instances = hosted_names(p.info.routes);
          if (p.info.desk)
            x.instances.emplace_back("desk");
        }
        x.in_flight = p.counters->in_flight.load(std::memory_order_relaxed);
        x.calls = p.counters->calls.load(std::memory_order_relaxed);
        x.last_rtt_ms = p.last_rtt_ms;
        out.push_back(std::move(x));
      }
      return out;
    },
    [=](ready_atom) -> caf::result<int32_t> {
      auto rp = self->make_response_promise<int32_t>();
      self->state.waiting_ready.push_back(rp);
      check_ready(self);
      return rp;
    },
    [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

peers_actor spawn_peers(caf::actor_system& sys, peers_config cfg) {
  return sys.spawn(peers_behavior, std::move(cfg));
}

} // namespace order_node
