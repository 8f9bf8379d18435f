// node/app/roles.cpp — see roles.hpp.
#include "node/app/roles.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <string_view>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/cluster/address.hpp"
#include "actors/cluster/dispatcher.hpp"
#include "actors/cluster/front_router.hpp"
#include "actors/cluster/node_actor.hpp"
#include "actors/cluster/relay.hpp"
#include "actors/desk/desk_router.hpp"
#include "actors/journal/journal_actor.hpp"
#include "actors/journal/journal_reader.hpp"
#include "actors/journal/lease_actor.hpp"
#include "actors/journal/ledger_actor.hpp"
#include "actors/journal/pg_journal.hpp"
#include "actors/services/directory.hpp"
#include "actors/services/services.hpp"
#include "actors/support/log.hpp"
#include "messages/registry.hpp"
#include "messages/units.hpp"
#include "node/app/middleman.hpp"

namespace order_node {

namespace {

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

// Spawns the node actor for `info`, publishes it on --listen and names it
// `role@address`. False (logged) if the port cannot be bound.
bool publish(caf::actor_system& sys, const node_config& cfg, node_info info,
             role_actors& out) {
  auto role = info.role;
  auto node = spawn_node_actor(sys, std::move(info), protocol_fingerprint());
  out.published = node;
  auto port = publish_node(sys, cfg, out.published);
  if (!port) {
    if (port.error() == caf::sec::cannot_open_port)
      node_log().error("cannot listen on {}: the port is in use, or the "
                       "address is not this machine's (another order-node "
                       "on it? pass another --listen=HOST:PORT)",
                       cfg.listen_address());
    else
      node_log().error("cannot listen on {}: {}", cfg.listen_address(),
                       sys.render(port.error()));
    return false;
  }
  std::string host;
  uint16_t ignored = 0;
  parse_host_port(cfg.listen_address(), host, ignored);
  auto address = host + ":" + std::to_string(*port);
  node_log().info("cluster: listening on {}{}", address,
                  cfg.tls() ? " (TLS)" : "");
  caf::anon_send(node, name_atom::value, role + "@" + address);
  return true;
}

// Scripts expect the cluster to be there: waits until every peer is up or
// has failed its first attempt (bounded by the connect timeout). The number
// of peers up.
int32_t wait_for_peers(caf::actor_system& sys, const node_config& cfg,
                       const peers_actor& peers) {
  caf::scoped_actor self{sys};
  int32_t up = -1;
  self
    ->request(peers, 2 * cfg.connect_timeout + std::chrono::seconds(1),
              ready_atom::value)
    .receive([&](int32_t n) { up = n; }, [](caf::error&) {});
  up = std::max(up, 0);
  node_log().info("cluster: {} of {} peers up", up, cfg.peer_list().size());
  return up;
}

void log_started(const node_config& cfg, uint64_t seed) {
  node_log().info(
    "order-node started: role={} engine={} seed={}{} deadline={}ms "
    "max-attempts={} latency-scale={} max-in-flight={}",
    cfg.role, cfg.engine, seed, cfg.seed_given() ? "" : " (random)",
    to_ms(cfg.deadline).count(), cfg.max_attempts, cfg.latency_scale,
    cfg.max_in_flight);
}

// The desk answers every order by its deadline; the margin only bounds a
// desk that stopped answering.
caf::timespan local_order_timeout(const node_config& cfg) {
  return cfg.deadline + std::chrono::seconds(2);
}

// The desk's configuration, with the journal (spawned into `out`) and what
// recovery found in it.
desk_config journaled_desk(caf::actor_system& sys, const node_config& cfg,
                           uint64_t seed, opened_journal& journal,
                           role_actors& out) {
  auto d = cfg.make_desk(seed);
  if (!journal.store) {
    // Without a journal nothing outlives the process, nor may its
    // authorization keys meet those of an earlier run in a ledger.
    std::random_device rd;
    d.order.auth_scope = (uint64_t{rd()} << 32) ^ rd();
    return d;
  }
  auto& c = journal.contents;
  out.journal
    = spawn_journal(sys, journal.store, cfg.idempotency_retention, true);
  out.reader = spawn_journal_reader(sys, journal.reader, true);
  d.journal = out.journal;
  d.reader = out.reader; // asked about every key not in flight
  d.run = c.run;
  d.first_seq = c.next_seq;
  d.order.auth_scope = c.uid;
  node_log().info(
    "journal: {} ({}, run {}): {} unfinished {} to resume",
    journal.store->path(),
    is_database_uri(cfg.journal) ? "a database" : "sync=" + cfg.journal_sync,
    c.run, c.unfinished.size(), c.unfinished.size() == 1 ? "order" : "orders");
  d.resume = std::move(c.unfinished);
  d.keyed = std::move(c.keyed);
  d.voids = std::move(c.voids);
  if (auto pg = std::dynamic_pointer_cast<pg_journal>(journal.store))
    d.partitions = pg->owned();
  return d;
}

// On a shared journal: the lease actor, which tells the desk what moves
// and `router` (if any) who owns what.
void start_leases(caf::actor_system& sys, const opened_journal& journal,
                  role_actors& out, owners_watcher router = {}) {
  if (auto pg = std::dynamic_pointer_cast<pg_journal>(journal.store))
    out.leases = spawn_leases(
      sys, pg->keeper(), caf::actor_cast<partition_desk_actor>(out.local.desk),
      std::move(router));
}

// The ledger's actor, if the node has one, spawned into `out`.
ledger_actor start_ledger(caf::actor_system& sys, opened_journal& journal,
                          role_actors& out) {
  if (journal.ledger) {
    node_log().info("payment ledger: {}", journal.ledger->path());
    out.ledger = spawn_ledger(sys, std::move(journal.ledger), true);
  }
  return out.ledger;
}

bool start_single(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                  opened_journal& journal, role_actors& out) {
  auto ledger = start_ledger(sys, journal, out);
  out.local
    = spawn_pipeline(sys, cfg.make_services(seed, cfg.latency_scale),
                     journaled_desk(sys, cfg, seed, journal, out), ledger);
  out.desk = out.local.desk;
  start_leases(sys, journal, out);
  out.order_timeout = local_order_timeout(cfg);
  log_started(cfg, seed);
  return true;
}

bool start_services(caf::actor_system& sys, const node_config& cfg,
                    uint64_t seed, opened_journal& journal, role_actors& out) {
  auto svc = cfg.make_services(seed, cfg.latency_scale);
  out.local.services
    = spawn_services(sys, svc, start_ledger(sys, journal, out));
  node_info info;
  info.role = "services";
  info.routes = out.local.services;
  out.dispatcher = spawn_dispatcher(sys, out.local.services);
  info.dispatcher = out.dispatcher;
  if (!publish(sys, cfg, std::move(info), out))
    return false;
  node_log().info("order-node started: role=services seed={} hosts={}", seed,
                  join(svc.hosts.empty() ? instance_names(svc) : svc.hosts));
  return true;
}

bool start_front(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                 opened_journal& journal, role_actors& out) {
  out.local.directory = sys.spawn(directory, service_routes{});
  out.local.desk = spawn_desk(sys, out.local.directory,
                              journaled_desk(sys, cfg, seed, journal, out));
  out.desk = out.local.desk;
  out.order_timeout = local_order_timeout(cfg);
  auto pc = make_peers_config(sys, cfg);
  // On a shared journal, orders reach this front through its router, which
  // hands each to its partition's owner (the desk itself for its own).
  auto pg = std::dynamic_pointer_cast<pg_journal>(journal.store);
  if (pg) {
    front_router_config rc;
    rc.me = cfg.listen_address();
    rc.local = out.local.desk;
    rc.partitions = pg->owned()->partitions();
    rc.connector = pc.connector;
    rc.fingerprint = pc.fingerprint;
    rc.forward_timeout = out.order_timeout + std::chrono::seconds(5);
    auto router = spawn_front_router(sys, std::move(rc));
    out.router = caf::actor_cast<caf::actor>(router);
    out.desk = caf::actor_cast<order_desk_actor>(router);
  }
  start_leases(sys, journal, out, caf::actor_cast<owners_watcher>(out.router));
  pc.directory = out.local.directory;
  out.peers = spawn_peers(sys, std::move(pc));
  if (!cfg.listen.empty()) {
    node_info info;
    info.role = "front";
    info.desk = out.desk;
    if (pg)
      info.local_desk = out.local.desk;
    if (!publish(sys, cfg, std::move(info), out))
      return false;
  }
  wait_for_peers(sys, cfg, out.peers);
  log_started(cfg, seed);
  return true;
}

bool start_client(caf::actor_system& sys, const node_config& cfg,
                  role_actors& out) {
  auto pc = make_peers_config(sys, cfg);
  // The front answers every order by its own deadline; this only bounds a
  // front that stops answering without dropping the line.
  out.order_timeout = std::chrono::minutes(1) + cfg.deadline;
  auto relay
    = sys.spawn(desk_relay, relay_args{"the front at " + cfg.connect,
                                       std::make_shared<relay_counters>()});
  out.desk = relay;
  pc.desk = relay;
  out.peers = spawn_peers(sys, std::move(pc));
  if (wait_for_peers(sys, cfg, out.peers) < 1) {
    node_log().error("cannot reach the front at {} (see the warnings above); "
                     "exiting",
                     cfg.connect);
    return false;
  }
  node_log().info("order-node started: role=client front={}", cfg.connect);
  return true;
}

} // namespace

bool journals(const node_config& cfg) {
  return cfg.journal != "off" && (cfg.role == "single" || cfg.role == "front");
}

std::string ledger_path(const node_config& cfg) {
  if (cfg.role != "single" && cfg.role != "services")
    return {};
  if (cfg.role == "services"
      && !hosts_instance(cfg.make_services(0, 1.0), "payment"))
    return {};
  if (cfg.payment_ledger == "off")
    return {};
  if (!cfg.payment_ledger.empty())
    return cfg.payment_ledger;
  if (cfg.journal == "off")
    return {};
  if (is_database_uri(cfg.journal))
    return cfg.journal; // the journal's database, table authorizations
  static constexpr std::string_view suffix = ".journal";
  auto& j = cfg.journal;
  if (j.size() > suffix.size()
      && j.compare(j.size() - suffix.size(), suffix.size(), suffix) == 0)
    return j.substr(0, j.size() - suffix.size()) + ".ledger";
  return j + ".ledger";
}

bool open_journal(const node_config& cfg, opened_journal& out,
                  std::string& error) {
  auto sync = journal_sync_from_string(cfg.journal_sync); // checked
  // The journal first: one it refuses leaves no new ledger file behind.
  std::unique_ptr<journal_store> store;
  if (journals(cfg)) {
    store_options o;
    o.sync = sync.value_or(journal_sync::full);
    o.front = cfg.listen.empty() ? "local" : cfg.listen_address();
    o.partitions = static_cast<int32_t>(cfg.journal_partitions);
    o.lease_ms = to_ms(cfg.journal_lease).count();
    store = journal_store::open(cfg.journal, o, error);
    if (!store)
      return false;
  }
  if (auto path = ledger_path(cfg); !path.empty()) {
    out.ledger
      = ledger_store::open(path, sync.value_or(journal_sync::full), error);
    if (!out.ledger)
      return false;
  }
  if (!store)
    return true;
  // No decided keyed orders: the desk asks the journal's reader about a
  // key when it comes (docs/durability.md), so none need to be in memory.
  if (!store->recover(std::numeric_limits<int64_t>::max(), out.contents, error))
    return false;
  out.reader = journal_reader::open(cfg.journal, error);
  if (!out.reader)
    return false;
  out.store = std::move(store);
  return true;
}

bool start_role(caf::actor_system& sys, const node_config& cfg, uint64_t seed,
                opened_journal journal, role_actors& out) {
  if (cfg.role == "services")
    return start_services(sys, cfg, seed, journal, out);
  if (cfg.role == "front")
    return start_front(sys, cfg, seed, journal, out);
  if (cfg.role == "client")
    return start_client(sys, cfg, out);
  return start_single(sys, cfg, seed, journal, out);
}

int64_t role_actors::drain(caf::actor_system& sys, caf::timespan bound) const {
  if (!local.desk)
    return 0;
  // Polled: a drain happens once, and the desk's stats are what the
  // metrics read anyway.
  caf::scoped_actor self{sys};
  auto until = std::chrono::steady_clock::now() + bound;
  int64_t left = -1;
  for (bool first = true;; first = false) {
    self->request(local.desk, std::chrono::seconds(5), stats_atom::value)
      .receive([&](desk_stats& s) { left = s.unanswered; },
               [&](caf::error&) { left = -1; });
    if (first && left > 0)
      node_log().info("stop: waiting for {} {} in flight (at most {} ms)", left,
                      left == 1 ? "order" : "orders", to_ms(bound).count());
    else if (!first && left == 0)
      node_log().info("stop: every order answered");
    if (left == 0 || std::chrono::steady_clock::now() >= until)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (left < 0)
    node_log().error("stop: the desk did not say within {} ms whether "
                     "orders are in flight",
                     to_ms(bound).count());
  else if (left > 0)
    node_log().error("stop: {} {} not answered within {} ms (a journal "
                     "resumes them at the next start)",
                     left, left == 1 ? "order was" : "orders were",
                     to_ms(bound).count());
  return left < 0 ? 1 : left;
}

void role_actors::stop() const {
  caf::anon_send_exit(peers, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(dispatcher, caf::exit_reason::user_shutdown);
  // A client's desk is its relay, not part of a pipeline.
  if (desk != local.desk)
    caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
  stop_pipeline(local);
  // Last: what the desk and the gateway wrote before they stopped is in
  // their mailboxes already.
  caf::anon_send_exit(ledger, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(leases, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
}

} // namespace order_node
