// node/http/server.hpp — the HTTP/1.1 ingress (Boost.Beast on Asio I/O
// threads): the tutorial's routes POST /OrderService/ProcessOrder and
// POST /OrderServiceSlow/ProcessOrder, their /send variants (Restate's: 202
// once the order is durable), GET /orders/{id} and /orders/{id}/attach (from
// the journal), GET /health and GET /metrics; and the console (GET /, its
// files, GET /stats, GET /orders and GET /orders/{id}/journal). Requests
// are handed to the order desk through one bridge actor, in batches, and
// answered when the desk answers: no thread per connection or per order.
// See docs/http.md. Inside: server_core.hpp (the listener, the drain),
// session.hpp (the bytes), handlers.hpp (the answers), router.hpp (the
// route table), bridge.hpp (to the actors), metrics.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"

namespace order_node {

struct http_options {
  std::string host = "127.0.0.1";
  uint16_t port = 9080; // 0: pick a free port
  std::string role = "single";
  std::chrono::milliseconds idle_timeout{30'000}; // per read or write
  std::chrono::milliseconds drain_timeout{10'000};
  int io_threads = 1; // threads running the Asio I/O context
  size_t max_body = size_t{64} * 1024;
  size_t max_header = size_t{8} * 1024;
  /// How long the bridge waits for the desk (deadline + margin).
  std::chrono::milliseconds order_timeout{3'000};
  /// PEM files: both or neither. With them every connection is TLS.
  std::string tls_cert;
  std::string tls_key;
  /// Non-empty: every route but /health and the console's files needs
  /// `Authorization: Bearer TOKEN` (401 otherwise).
  std::string token;
};

/// The actors the ingress talks to.
struct http_backends {
  order_desk_actor desk;
  journal_reader_actor reader; // invalid without a journal (501)
  peers_actor peers;           // a front's: shown in the console
};

/// Reads the bearer token of --http.token-file: the file's first line
/// without surrounding whitespace, 16 to 4096 printable ASCII characters.
/// False and `error` naming the file if it cannot be read or is no token.
bool load_token(const std::string& path, std::string& token,
                std::string& error);

class http_server {
 public:
  /// Binds and starts serving on a thread of its own. On failure (a busy
  /// port, a bad address) returns null and sets `error`.
  static std::unique_ptr<http_server> start(caf::actor_system& sys,
                                            const http_backends& backends,
                                            const http_options& opts,
                                            std::string& error);

  virtual ~http_server();

  /// The bound port (useful with port 0).
  virtual uint16_t port() const = 0;

  /// Stops accepting, answers the orders in flight (at most drain_timeout),
  /// closes every connection and stops the I/O thread. `on_stopped` runs on
  /// the I/O thread at the end. Safe to call from any thread, more than once.
  virtual void shutdown(std::function<void()> on_stopped) = 0;

  /// Waits for the I/O thread to end.
  virtual void join() = 0;

  /// Requests left unanswered when the drain timed out (after join()).
  virtual int64_t dropped() const = 0;
};

} // namespace order_node
