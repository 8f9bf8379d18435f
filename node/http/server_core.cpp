// node/http/server_core.cpp — see server_core.hpp.
#include "node/http/server_core.hpp"

#include <algorithm>

#include <boost/beast/core/error.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "node/http/session.hpp"

namespace order_node::http_detail {

namespace {

http_options at_least_one_thread(http_options o) {
  o.io_threads = std::max(1, o.io_threads);
  return o;
}

} // namespace

spdlog::logger& http_log() {
  static spdlog::logger& instance = room_log("http");
  return instance;
}

server_core::server_core(const http_options& o)
    : opts(at_least_one_thread(o)), ioc{opts.io_threads} {
  router.max_body = opts.max_body;
  router.max_header = opts.max_header;
  router.token = opts.token;
}

void server_core::submit(order_job_ptr job) {
  if (orders->push(std::move(job)))
    caf::anon_send(bridge, drain_atom::value);
}

answer_sink server_core::sink() {
  return [post = post, ex = ioc.get_executor()](std::vector<answer>&& xs) {
    post->post(ex, [xs = std::move(xs)]() mutable {
      for (auto& x : xs)
        x.done(std::move(x.result));
    });
  };
}

void server_core::do_accept() {
  // Each connection gets a strand of its own: its handlers never run at
  // the same time, whichever I/O thread runs them.
  acceptor.async_accept(net::make_strand(ioc), [this](
                                                 boost::beast::error_code ec,
                                                 net::ip::tcp::socket socket) {
    if (!ec) {
      // Answers are single small writes: send them at once rather than
      // wait for the client's ACK of the previous one (Nagle), as Go's
      // net/http does.
      boost::beast::error_code ignored;
      socket.set_option(net::ip::tcp::no_delay{true}, ignored);
      std::make_shared<session>(std::move(socket), shared_from_this())->start();
    } else if (ec != net::error::operation_aborted)
      http_log().warn("accept failed: {}", ec.message());
    if (!shutting_down)
      do_accept();
  });
}

void server_core::shutdown(std::function<void()> then) {
  post->post(strand, [this, f = std::move(then)]() mutable {
    begin_shutdown(std::move(f));
  });
}

void server_core::begin_shutdown(std::function<void()> then) {
  if (then)
    on_stopped = std::move(then);
  if (shutting_down)
    return;
  shutting_down = true;
  boost::beast::error_code ignored;
  acceptor.close(ignored);
  auto n = pending.load();
  http_log().info("stopped accepting; {} request{} in flight", n,
                  n == 1 ? "" : "s");
  if (pending == 0) {
    finish();
    return;
  }
  drain_timer.expires_after(opts.drain_timeout);
  drain_timer.async_wait([this](boost::beast::error_code ec) {
    if (ec)
      return;
    if (pending > 0) {
      dropped = pending.load();
      http_log().warn("drain timeout: {} requests unanswered", dropped.load());
    }
    finish();
  });
}

void server_core::written() {
  if (--pending == 0 && shutting_down)
    net::post(strand, [this] {
      if (pending == 0)
        finish();
    });
}

void server_core::finish() {
  if (stopped)
    return;
  stopped = true;
  boost::beast::error_code ignored;
  drain_timer.cancel(ignored);
  post->close();
  ioc.stop();
  if (on_stopped)
    on_stopped();
}

} // namespace order_node::http_detail
