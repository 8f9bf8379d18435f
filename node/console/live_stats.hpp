// node/console/live_stats.hpp — what the console's live view shows (GET /stats,
// docs/console.md): the desk's counters now, the peers of a front, and a
// moving window of one point per second (orders/s, in flight, status counts
// and p50/p99 per kind in that second) for the last five minutes. A sampler
// actor asks the desk (and the peers) once a second, whether or not a
// browser is open: one stats request a second is nothing next to orders.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

/// One second of the node's life.
struct live_point {
  int64_t t_ms = 0; // system clock, ms since the epoch
  double orders_per_s = 0;
  int64_t in_flight = 0;
  /// Orders ended in the interval, by order_status.
  std::array<uint64_t, 4> statuses{};
  /// Per order_kind: orders decided in the interval (not overloaded) and
  /// their latency quantiles.
  struct kind_point {
    uint64_t count = 0;
    double p50_ms = 0;
    double p99_ms = 0;
  };
  std::array<kind_point, 2> kinds{};
};

/// The point between two samples of the desk's stats `seconds` apart.
live_point make_live_point(const desk_stats& before, const desk_stats& now,
                           double seconds, int64_t t_ms);

/// Everything GET /stats answers.
struct live_view {
  bool have_stats = false; // false until the desk first answered
  desk_stats now;
  bool clustered = false; // a front: `peers` are its services nodes
  std::vector<peer_info> peers;
  std::vector<live_point> points; // oldest first
};

using live_view_ptr = std::shared_ptr<const live_view>;

/// GET /stats's body (docs/console.md).
std::string live_json(const live_view& v, const std::string& role,
                      double uptime_s);

struct live_options {
  caf::timespan interval = std::chrono::seconds(1);
  size_t points = 300; // five minutes
};

/// Spawns the sampler. It answers `(get_atom)` with a live_view_ptr. Stop
/// it with an exit message.
caf::actor spawn_live_stats(caf::actor_system& sys,
                            const order_desk_actor& desk,
                            const peers_actor& peers,
                            const live_options& opts = {});

} // namespace order_node

// Local only: the sampler lives in the ingress's process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::live_view_ptr)
