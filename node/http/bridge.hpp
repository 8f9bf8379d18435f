// node/http/bridge.hpp — how the HTTP ingress's I/O threads hand orders to
// the order desk and get the answers back, in batches both ways: sessions
// append to an inbox and ring the bridge only when it was empty; the bridge
// requests every order it takes from the desk and posts the answers it
// collected until its own `flush` as one batch. On this machine class a
// thread woken by another costs more CPU than the order it was woken for
// (perf: futex wake-ups and context switches were a quarter of the
// ingress's samples), so each crossing wakes a thread once per batch, not
// once per request. See docs/http.md.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace order_node::http_detail {

/// Gets an order's answer, once, on an I/O thread (see answer_sink).
using order_callback = std::function<void(caf::expected<order_result>)>;

/// What the bridge asks the desk, and whom it tells.
struct order_job {
  order_submission sub;
  order_callback done;
  bool answered = false; // touched by the bridge only
};

struct stats_job {
  std::function<void(caf::expected<desk_stats>)> done;
};

/// An order to accept without waiting for its result (the /send routes).
struct accept_job {
  order_submission sub;
  std::function<void(caf::expected<order_accepted>)> done;
};

/// An order to look up (GET /orders/{id}), or to wait for (`attach`: until
/// it is decided or the bridge's timeout has passed, then as it stands).
struct lookup_job {
  std::string order_id;
  bool attach = false;
  std::function<void(caf::expected<journal_lookup>)> done;
};

/// The actors the console's routes ask, held by the bridge only: a handle
/// in a session could outlive the server (a keep-alive connection's
/// session lives as long as the I/O context), and a detached actor's thread
/// ends only when its last handle is gone.
struct bridge_targets {
  journal_reader_actor reader; // invalid without a journal
  caf::actor live;             // the sampler (live_stats.hpp); ends with it
};

/// A question for one of the bridge's targets (the console's routes):
/// `ask` sends it from the bridge, with the bridge's timeout, and calls its
/// client back.
struct ask_job {
  std::function<void(caf::event_based_actor*, const bridge_targets&,
                     caf::timespan)>
    ask;
};

using order_job_ptr = std::shared_ptr<order_job>;
using stats_job_ptr = std::shared_ptr<stats_job>;
using accept_job_ptr = std::shared_ptr<accept_job>;
using lookup_job_ptr = std::shared_ptr<lookup_job>;
using ask_job_ptr = std::shared_ptr<ask_job>;

/// Tells the bridge that its inbox has orders.
using drain_atom = caf::atom_constant<caf::atom("drain")>;

/// Orders from the I/O threads waiting for the bridge.
class inbox {
 public:
  /// Queues `job`; true if the bridge must be rung (the inbox was empty).
  bool push(order_job_ptr job) {
    std::lock_guard<std::mutex> guard{mtx_};
    jobs_.push_back(std::move(job));
    return jobs_.size() == 1;
  }

  /// Everything queued so far; `out` is empty when called.
  void take(std::vector<order_job_ptr>& out) {
    std::lock_guard<std::mutex> guard{mtx_};
    out.swap(jobs_);
  }

 private:
  std::mutex mtx_;
  std::vector<order_job_ptr> jobs_;
};

/// An order's answer on its way back to the I/O threads.
struct answer {
  order_callback done;
  caf::expected<order_result> result;
};

/// Takes a batch of answers to the I/O threads (the ingress posts it there
/// as one handler that calls every `done`).
using answer_sink = std::function<void(std::vector<answer>&&)>;

/// Spawns the bridge. It answers `(drain_atom)` by requesting every order
/// in `in` from `desk`, and hands their answers to `sink` in batches;
/// `(stats_atom, stats_job_ptr)`, `(send_atom, accept_job_ptr)` and
/// `(get_atom, lookup_job_ptr)` by asking the desk and calling the job's
/// `done` on the CAF thread that got the answer (these are not the hot
/// path); `(run_atom, ask_job_ptr)` by running the job's `ask` with
/// `targets` (the bridge is linked to targets.live: it ends with the
/// bridge). An order the desk
/// has not answered within `timeout` gets an error instead (only a stopped
/// desk would cause that: the desk answers every order by its deadline).
caf::actor spawn_bridge(caf::actor_system& sys, const order_desk_actor& desk,
                        caf::timespan timeout, const std::shared_ptr<inbox>& in,
                        const answer_sink& sink,
                        const bridge_targets& targets = {});

} // namespace order_node::http_detail

// Local only: the bridge lives in the ingress's own process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::http_detail::order_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::http_detail::stats_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::http_detail::accept_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::http_detail::lookup_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(order_node::http_detail::ask_job_ptr)
