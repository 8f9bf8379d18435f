// node/http/session.hpp — one connection, as in Beast's async server
// example: it reads a request (after the TLS handshake, with a TLS
// context), hands it to the handlers (handlers.hpp) and writes the reply
// they give it, then reads the next or closes. It knows no route: what to
// answer is the handlers' business, moving the bytes is its own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "node/http/handlers.hpp"
#include "node/http/server_core.hpp"

namespace order_node::http_detail {

class session : public http_exchange,
                public std::enable_shared_from_this<session> {
 public:
  session(net::ip::tcp::socket socket, std::shared_ptr<server_core> core);

  /// Reads the first request (after the TLS handshake, with TLS).
  void start();

  net::any_io_executor executor() override;

  void reply(http_reply r) override;

 private:
  using plain_stream = boost::beast::tcp_stream;
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using response_t
    = boost::beast::http::response<boost::beast::http::string_body>;

  boost::beast::tcp_stream& lowest();
  void on_handshake(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void log_access(unsigned code) const;
  void on_write(bool close, boost::beast::error_code ec, size_t);
  void close();

  std::variant<plain_stream, tls_stream> stream_; // tls with --http.tls-*
  boost::beast::flat_buffer buffer_;
  std::optional<
    boost::beast::http::request_parser<boost::beast::http::string_body>>
    parser_;
  // Shared: a session waiting for the desk is held by its order's job, which
  // an actor may drop after the server has stopped; the I/O context must
  // outlive the session's socket and timer wherever that happens.
  std::shared_ptr<server_core> core_;
  // Of the request being answered:
  unsigned version_ = 11;
  bool keep_alive_ = true;
  clock_type::time_point started_;
  std::string method_;
  std::string target_;
  std::string order_id_; // of the answered order, for the access line
  bool counted_ = false; // its answer ends a request counted as pending
  std::shared_ptr<response_t> res_;
};

} // namespace order_node::http_detail
