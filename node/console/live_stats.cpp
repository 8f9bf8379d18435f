// node/console/live_stats.cpp — see live_stats.hpp.
#include "node/console/live_stats.hpp"
#include "messages/units.hpp"
#include "node/base/text.hpp"

#include <chrono>
#include <cmath>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>

namespace order_node {

namespace {

using json = nlohmann::ordered_json;

// A quantile, or null without observations.
json quantile(const latency_histogram& h, double q) {
  if (h.count == 0)
    return nullptr;
  return hundredths(h.quantile_ms(q));
}

const status_stats* find(const desk_stats& s, order_kind k, order_status st) {
  for (auto& x : s.orders)
    if (x.kind == k && x.status == st)
      return &x;
  return nullptr;
}

int64_t now_ms() {
  return to_ms(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace

live_point make_live_point(const desk_stats& before, const desk_stats& now,
                           double seconds, int64_t t_ms) {
  live_point p;
  p.t_ms = t_ms;
  p.in_flight = now.in_flight;
  uint64_t ended = 0;
  std::array<latency_histogram, 2> decided;
  for (auto& s : now.orders) {
    auto* old = find(before, s.kind, s.status);
    auto delta = old != nullptr ? s.latency.since(old->latency) : s.latency;
    p.statuses[static_cast<size_t>(s.status)] += delta.count;
    ended += delta.count;
    if (s.status != order_status::overloaded)
      decided[static_cast<size_t>(s.kind)].add(delta);
  }
  p.orders_per_s = seconds > 0 ? static_cast<double>(ended) / seconds : 0;
  for (size_t k = 0; k < decided.size(); ++k) {
    auto& h = decided[k];
    p.kinds[k].count = h.count;
    p.kinds[k].p50_ms = h.count > 0 ? h.quantile_ms(0.5) : 0;
    p.kinds[k].p99_ms = h.count > 0 ? h.quantile_ms(0.99) : 0;
  }
  return p;
}

namespace {

// Totals by status (`orders`) and, per kind and status, counts and
// latencies (`statuses`).
void add_orders(json& j, const desk_stats& s) {
  json totals = {{"total", 0},
                 {"confirmed", 0},
                 {"failed", 0},
                 {"timeout", 0},
                 {"overloaded", 0}};
  json statuses = json::array();
  for (auto& x : s.orders) {
    totals["total"] = totals["total"].get<uint64_t>() + x.latency.count;
    auto name = to_string(x.status);
    totals[name] = totals[name].get<uint64_t>() + x.latency.count;
    statuses.push_back(
      {{"kind", to_string(x.kind)},
       {"status", name},
       {"count", x.latency.count},
       {"p50Ms", quantile(x.latency, 0.5)},
       {"p99Ms", quantile(x.latency, 0.99)},
       {"maxMs", hundredths(static_cast<double>(x.latency.max_us) / 1000.0)}});
  }
  j["orders"] = std::move(totals);
  j["statuses"] = std::move(statuses);
}

json calls_json(const desk_stats& s) {
  json calls = json::array();
  for (auto& c : s.calls) {
    auto n = c.latency.count;
    calls.push_back(
      {{"service", c.service},
       {"instance", c.instance},
       {"count", n},
       {"p50Ms", quantile(c.latency, 0.5)},
       {"p99Ms", quantile(c.latency, 0.99)},
       {"errors", c.errors},
       {"timeouts", c.timeouts},
       {"errorRate", n > 0
                       ? std::round(static_cast<double>(c.errors + c.timeouts)
                                    * 1e4 / static_cast<double>(n))
                           / 1e4
                       : 0.0}});
  }
  return calls;
}

json peers_json(const std::vector<peer_info>& xs) {
  json peers = json::array();
  for (auto& p : xs)
    peers.push_back(
      {{"address", p.address},
       {"name", p.name},
       {"state", p.state},
       {"reason", p.reason},
       {"instances", p.instances},
       {"inFlight", p.in_flight},
       {"calls", p.calls},
       {"lastRttMs",
        p.last_rtt_ms >= 0 ? json(hundredths(p.last_rtt_ms)) : json(nullptr)}});
  return peers;
}

// One point a second: orders/s, in flight, counts by status and, per
// kind, the count and latencies.
json series_json(const std::vector<live_point>& points) {
  json series = json::array();
  for (auto& p : points) {
    json x;
    x["t"] = p.t_ms;
    x["ordersPerSecond"] = hundredths(p.orders_per_s);
    x["inFlight"] = p.in_flight;
    for (size_t i = 0; i < p.statuses.size(); ++i)
      x[to_string(static_cast<order_status>(i))] = p.statuses[i];
    for (size_t k = 0; k < p.kinds.size(); ++k) {
      auto& kp = p.kinds[k];
      auto ms = [&](double v) {
        return kp.count > 0 ? json(hundredths(v)) : json(nullptr);
      };
      x[to_string(static_cast<order_kind>(k))] = {{"count", kp.count},
                                                  {"p50Ms", ms(kp.p50_ms)},
                                                  {"p99Ms", ms(kp.p99_ms)}};
    }
    series.push_back(std::move(x));
  }
  return series;
}

} // namespace

std::string live_json(const live_view& v, const std::string& role,
                      double uptime_s) {
  auto& s = v.now;
  json j;
  j["role"] = role;
  j["uptimeSeconds"] = thousandths(uptime_s);
  j["ready"] = v.have_stats;
  j["inFlight"] = s.in_flight;
  j["resumed"] = s.resumed;
  j["voidsPending"] = s.voids_pending;
  j["deduplicated"] = s.deduplicated;
  add_orders(j, s);
  j["calls"] = calls_json(s);
  j["clustered"] = v.clustered;
  j["peers"] = peers_json(v.peers);
  j["series"] = series_json(v.points);
  return compact_json(j);
}

namespace {

struct sampler_state {
  live_options opts;
  std::shared_ptr<live_view> view = std::make_shared<live_view>();
  caf::actor_clock::time_point last_at{};
  bool asking = false;
  static constexpr const char* name = "live_stats";
};

using sampler_self = caf::stateful_actor<sampler_state>*;

// The view is shared with readers already answered: each change makes a
// new one (a copy of at most `points` points, once a second).
void publish(sampler_self self, const std::function<void(live_view&)>& f) {
  auto next = std::make_shared<live_view>(*self->state.view);
  f(*next);
  self->state.view = std::move(next);
}

caf::behavior sampler(sampler_self self, const order_desk_actor& desk,
                      const peers_actor& peers, const live_options& opts) {
  self->state.opts = opts;
  self->state.view->clustered = static_cast<bool>(peers);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      self->delayed_send(self, st.opts.interval, tick_atom::value);
      if (st.asking)
        return; // the desk has not answered the last one yet
      st.asking = true;
      self->request(desk, std::chrono::seconds(5), stats_atom::value)
        .then(
          [=](desk_stats& s) {
            auto& st = self->state;
            st.asking = false;
            auto at = self->clock().now();
            auto first = !st.view->have_stats;
            auto seconds
              = std::chrono::duration<double>(at - st.last_at).count();
            st.last_at = at;
            publish(self, [&](live_view& v) {
              if (!first) {
                v.points.push_back(
                  make_live_point(v.now, s, seconds, now_ms()));
                if (v.points.size() > st.opts.points)
                  v.points.erase(v.points.begin());
              }
              v.now = std::move(s);
              v.have_stats = true;
            });
          },
          [=](caf::error&) { self->state.asking = false; });
      if (peers)
        self->request(peers, std::chrono::seconds(5), nodes_atom::value)
          .then(
            [=](std::vector<peer_info>& xs) {
              publish(self, [&](live_view& v) { v.peers = std::move(xs); });
            },
            [](caf::error&) {});
    },
    [=](get_atom) { return live_view_ptr{self->state.view}; },
  };
}

} // namespace

caf::actor spawn_live_stats(caf::actor_system& sys,
                            const order_desk_actor& desk,
                            const peers_actor& peers,
                            const live_options& opts) {
  return sys.spawn(sampler, desk, peers, opts);
}

} // namespace order_node
