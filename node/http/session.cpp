// node/http/session.cpp — see session.hpp. Every handler of a session runs
// on its strand.
#include "node/http/session.hpp"

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace order_node::http_detail {

namespace beast = boost::beast;
namespace http = beast::http;

session::session(net::ip::tcp::socket socket, std::shared_ptr<server_core> srv)
    : stream_(std::in_place_type<plain_stream>, std::move(socket)),
      core_(std::move(srv)) {
  if (core_->ssl) {
    auto sock = std::move(std::get<plain_stream>(stream_));
    stream_.emplace<tls_stream>(std::move(sock), *core_->ssl);
  }
}

beast::tcp_stream& session::lowest() {
  return std::visit(
    [](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
    stream_);
}

net::any_io_executor session::executor() {
  return lowest().get_executor();
}

void session::start() {
  auto* tls = std::get_if<tls_stream>(&stream_);
  if (tls == nullptr) {
    do_read();
    return;
  }
  // The handshake counts as a read: a client that starts none is cut at
  // the idle timeout. A plain HTTP client fails it and is closed.
  lowest().expires_after(core_->opts.idle_timeout);
  tls->async_handshake(
    net::ssl::stream_base::server,
    beast::bind_front_handler(&session::on_handshake, shared_from_this()));
}

void session::on_handshake(beast::error_code ec) {
  if (ec) {
    http_log().debug("TLS handshake failed: {}", ec.message());
    close();
    return;
  }
  do_read();
}

void session::do_read() {
  parser_.emplace();
  parser_->body_limit(core_->opts.max_body);
  parser_->header_limit(static_cast<uint32_t>(core_->opts.max_header));
  lowest().expires_after(core_->opts.idle_timeout);
  std::visit(
    [this](auto& s) {
      http::async_read(
        s, buffer_, *parser_,
        beast::bind_front_handler(&session::on_read, shared_from_this()));
    },
    stream_);
}

void session::on_read(beast::error_code ec, size_t) {
  started_ = clock_type::now();
  if (ec == http::error::end_of_stream || ec == beast::error::timeout
      || ec == net::error::connection_reset || ec == net::error::eof) {
    close();
    return;
  }
  if (ec) {
    method_ = "?";
    target_ = "?";
    handle_unreadable(*core_, ec, *this);
    return;
  }
  auto req = parser_->release();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  method_ = std::string{req.method_string()};
  target_ = std::string{req.target().substr(0, 200)};
  handle(*core_, std::move(req), shared_from_this());
}

void session::reply(http_reply r) {
  if (r.close)
    keep_alive_ = false;
  counted_ = r.counted;
  order_id_ = std::move(r.order_id);
  res_ = std::make_shared<response_t>(static_cast<http::status>(r.status),
                                      version_);
  res_->set(http::field::server, "order-node");
  res_->set(http::field::content_type,
            beast::string_view{r.content_type.data(), r.content_type.size()});
  if (!r.allow.empty())
    res_->set(http::field::allow, r.allow);
  if (r.retry_after)
    res_->set(http::field::retry_after, "1");
  if (r.auth_challenge)
    res_->set(http::field::www_authenticate, "Bearer realm=\"order-node\"");
  res_->keep_alive(keep_alive_ && !core_->shutting_down);
  res_->body() = std::move(r.body);
  res_->prepare_payload();
  if (r.head) // Content-Length stays that of the body GET would get
    res_->body().clear();
  core_->metrics.count_request(r.route, r.status);
  log_access(r.status);
  bool close_after = !res_->keep_alive();
  lowest().expires_after(core_->opts.idle_timeout);
  std::visit(
    [this, close_after](auto& s) {
      http::async_write(s, *res_,
                        beast::bind_front_handler(
                          &session::on_write, shared_from_this(), close_after));
    },
    stream_);
}

// One debug line per answer: method, target, status, time, order id.
void session::log_access(unsigned code) const {
  auto& log = http_log();
  if (log.should_log(spdlog::level::debug))
    log.debug(
      "{} {} {} {:.1f} ms{}{}", method_, target_, code,
      std::chrono::duration<double, std::milli>(clock_type::now() - started_)
        .count(),
      order_id_.empty() ? "" : " orderId=", order_id_);
}

void session::on_write(bool close_after, beast::error_code ec, size_t) {
  res_.reset();
  if (counted_) {
    counted_ = false;
    core_->written(); // may stop the I/O thread: nothing below needs it then
  }
  if (ec || close_after) {
    close();
    return;
  }
  do_read();
}

void session::close() {
  beast::error_code ignored;
  // TLS: no close_notify (the client learns the end from the TCP close;
  // HTTP's framing already told it where the answer ends).
  lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  lowest().close();
}

} // namespace order_node::http_detail
