// node/http/handlers.hpp — what the ingress answers, decided without a
// socket (as Beast's handle_request and Seastar's handlers): the router's
// action (router.hpp) carried out — an order handed to the bridge, a
// question for the desk, the journal or the live-stats sampler — and its
// answer made a reply, with the one map from errors to statuses. The
// session (session.hpp) moves the bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>
#include <caf/fwd.hpp>

#include "node/http/router.hpp"

namespace order_node::http_detail {

struct server_core;

/// An answer, as the session writes it.
struct http_reply {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  /// The metrics label: one of the routes, "other" or "unauthorized".
  const char* route = "other";
  std::string allow;           // the Allow header of a 405
  bool retry_after = false;    // Retry-After: 1
  bool auth_challenge = false; // WWW-Authenticate: Bearer
  bool close = false;          // close the connection after it
  bool head = false;           // HEAD: GET's headers without the body
  /// It ends a request counted as pending: the drain waits for its write.
  bool counted = false;
  std::string order_id; // of the answered order, for the access line
};

/// The connection a request came on, as the handlers see it.
class http_exchange {
 public:
  virtual ~http_exchange();

  /// The connection's strand: reply() is called there.
  virtual boost::asio::any_io_executor executor() = 0;

  /// Writes the answer to the request being served.
  virtual void reply(http_reply r) = 0;
};

using exchange_ptr = std::shared_ptr<http_exchange>;

/// The one map from errors to statuses (docs/http.md): invalid_request 400,
/// key_conflict 422, no_journal 501, overloaded 503, anything else 500.
unsigned status_of(const caf::error& err);

/// Carries out what the router decides for `req`: replies through `x` at
/// once, or later from the answer of the bridge. On `x`'s strand.
void handle(server_core& core, request_t req, const exchange_ptr& x);

/// Replies to bytes that are no request Beast could read (too large,
/// malformed): 413, 431 or 400, and the connection closes.
void handle_unreadable(server_core& core, const boost::system::error_code& ec,
                       http_exchange& x);

} // namespace order_node::http_detail
