// node/http/router.hpp — what the HTTP ingress does with a request, decided
// without sockets or actors (docs/http.md): the token check, the routes and
// their methods (one table in router.cpp, from which the 404 lists them),
// the order body and its Idempotency-Key, the order id of a lookup, the
// console's query; the parse of raw bytes with the ingress's limits. The
// handlers (handlers.hpp) carry out the action; the tests and the fuzz
// target (tests/fuzz/) call these functions directly.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "messages/journal_types.hpp"
#include "messages/order_types.hpp"

namespace order_node::http_detail {

using request_t = boost::beast::http::request<boost::beast::http::string_body>;

/// What the router needs to know of the ingress.
struct router_config {
  size_t max_body = size_t{64} * 1024;
  size_t max_header = size_t{8} * 1024;
  std::string token;     // non-empty: the bearer token (--http.token-file)
  bool journaled = true; // false: the journal's routes answer 501
};

/// One request's fate.
struct http_action {
  enum kind_t {
    respond, // answer at once with the fields below
    order,   // run `sub` and answer its result
    send,    // accept `sub`, answer its id
    lookup,  // GET /orders/{order_id}
    attach,  // GET /orders/{order_id}/attach
    history, // GET /orders/{order_id}/journal
    list,    // GET /orders?...
    live,    // GET /stats
    health,  // GET /health
    metrics, // GET /metrics
    more,    // parse_request only: the bytes end before the request does
  };
  kind_t kind = respond;
  /// The metrics label: one of the routes, "other" or "unauthorized".
  const char* route = "other";
  bool head = false; // HEAD: GET's headers without the body
  // respond:
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";
  std::string allow;           // the Allow header of a 405
  bool retry_after = false;    // Retry-After: 1
  bool auth_challenge = false; // WWW-Authenticate: Bearer
  bool close = false;          // a malformed request: close after answering
  // order, send:
  order_submission sub;
  // lookup, attach, history:
  std::string order_id;
  // list:
  order_query query;
};

/// {"error": text}.
std::string error_body(const std::string& text);

/// True for `application/json`, with or without parameters.
bool is_json_content_type(std::string_view ct);

/// Decides what to do with the parsed request `req` (its body may be moved
/// from).
http_action route_request(request_t& req, const router_config& cfg);

/// The answer to a request that Beast could not read (body or headers too
/// large, malformed): 413, 431 or 400, closing the connection.
http_action read_error(const boost::system::error_code& ec,
                       const router_config& cfg);

/// Parses the first request in `bytes` with the ingress's limits, then
/// routes it: `more` if the bytes end before it does.
http_action parse_request(std::string_view bytes, const router_config& cfg);

} // namespace order_node::http_detail
