// node/http/server_core.hpp — what the ingress's server and its sessions
// share: the I/O context, the listener (the acceptor loop), the drain, the
// bridge's inbox and the counters. The I/O context may run on several
// threads: each session runs on its own strand, and what belongs to the
// server (acceptor, drain timer, shutdown) on `strand`; the few fields
// sessions touch across strands are atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <caf/actor.hpp>

#include "node/http/bridge.hpp"
#include "node/http/metrics.hpp"
#include "node/http/router.hpp"
#include "node/http/server.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace order_node::http_detail {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

/// The ingress's logger, "http".
spdlog::logger& http_log();

/// Posts work to the I/O threads (to a session's or the core's strand)
/// while they serve; drops it afterwards.
class poster {
 public:
  template <class Executor, class F>
  void post(const Executor& ex, F&& f) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (open_)
      net::post(ex, std::forward<F>(f));
  }

  void close() {
    std::lock_guard<std::mutex> guard{mtx_};
    open_ = false;
  }

 private:
  std::mutex mtx_;
  bool open_ = true;
};

struct server_core : std::enable_shared_from_this<server_core> {
  explicit server_core(const http_options& o);

  http_options opts; // io_threads at least 1
  /// With --http.tls-cert/--http.tls-key: every connection is TLS.
  std::unique_ptr<net::ssl::context> ssl;

  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand{ioc.get_executor()};
  net::ip::tcp::acceptor acceptor{strand};
  net::steady_timer drain_timer{strand};
  std::shared_ptr<poster> post = std::make_shared<poster>();
  caf::actor bridge;
  router_config router; // what the router knows of the ingress
  std::shared_ptr<inbox> orders = std::make_shared<inbox>();
  http_metrics metrics;
  clock_type::time_point started = clock_type::now();
  std::atomic<bool> shutting_down{false};
  std::atomic<int64_t> dropped{0}; // unanswered at the drain timeout
  bool stopped = false;            // on `strand`
  /// Requests from handing to the desk to written.
  std::atomic<int64_t> pending{0};
  std::function<void()> on_stopped; // on `strand`

  /// Hands an order to the bridge (from any I/O thread).
  void submit(order_job_ptr job);

  /// Where the bridge sends its batches of answers: one handler on the I/O
  /// threads runs them all.
  answer_sink sink();

  /// The listener: accepts connections, each a session, until shutdown.
  void do_accept();

  /// begin_shutdown() on `strand`, from any thread; nothing once stopped.
  void shutdown(std::function<void()> then);

  /// Stops accepting and waits for the pending requests (at most
  /// opts.drain_timeout), then finish(). On `strand`.
  void begin_shutdown(std::function<void()> then);

  /// Called when the answer of a request handed to the desk is written (or
  /// could not be): the drain waits for these, not just for the desk. Runs
  /// on a session's strand; the drain's end runs on the core's.
  void written();

  /// Stops the I/O context and calls on_stopped, once. On `strand`.
  void finish();
};

} // namespace order_node::http_detail
