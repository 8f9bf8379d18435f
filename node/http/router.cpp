// node/http/router.cpp — see router.hpp.
#include "node/http/router.hpp"

#include <iterator>

#include <algorithm>
#include <cctype>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <nlohmann/json.hpp>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "messages/validate.hpp"
#include "node/base/text.hpp"
#include "node/console/console.hpp"

namespace order_node::http_detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr const char* route_parallel = "/OrderService/ProcessOrder";
constexpr const char* route_sequential = "/OrderServiceSlow/ProcessOrder";
constexpr const char* route_send_parallel = "/OrderService/ProcessOrder/send";
constexpr const char* route_send_sequential
  = "/OrderServiceSlow/ProcessOrder/send";
// Metrics labels of the lookup routes (the path has the order id).
constexpr const char* route_get = "/orders/{orderId}";
constexpr const char* route_attach = "/orders/{orderId}/attach";
constexpr const char* route_journal = "/orders/{orderId}/journal";
constexpr const char* route_orders = "/orders";
constexpr const char* route_stats = "/stats";
constexpr const char* route_console = "/";
constexpr std::string_view orders_prefix = "/orders/";
constexpr std::string_view journal_suffix = "/journal";
constexpr std::string_view attach_suffix = "/attach";

http_action answer(unsigned status, std::string body, const char* route) {
  http_action a;
  a.kind = http_action::respond;
  a.status = status;
  a.body = std::move(body);
  a.route = route;
  return a;
}

http_action error(unsigned status, const std::string& text, const char* route) {
  return answer(status, error_body(text), route);
}

bool ends_with(std::string_view x, std::string_view suffix) {
  return x.size() >= suffix.size()
         && x.compare(x.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// With a token, every route but /health and the console's files (which hold
// no data: the page asks for the token) needs `Authorization: Bearer
// TOKEN`, compared in constant time. The 401 if not.
std::optional<http_action> unauthorized(const request_t& req,
                                        std::string_view path,
                                        const router_config& cfg) {
  auto& token = cfg.token;
  if (token.empty() || path == "/health" || find_console_asset(path) != nullptr)
    return std::nullopt;
  auto given = req[http::field::authorization];
  static constexpr beast::string_view scheme = "Bearer ";
  bool ok = given.size() == scheme.size() + token.size()
            && beast::iequals(given.substr(0, scheme.size()), scheme);
  unsigned char diff = ok ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    auto c = scheme.size() + i < given.size() ? given[scheme.size() + i] : 0;
    diff |= static_cast<unsigned char>(c ^ token[i]);
  }
  if (diff == 0)
    return std::nullopt;
  auto a
    = error(401,
            given.empty() ? "this order-node needs a bearer token: send "
                            "'Authorization: Bearer TOKEN' (--http.token-file)"
                          : "wrong bearer token",
            "unauthorized");
  a.auth_challenge = true;
  return a;
}

// The order of a POST's body and Idempotency-Key header, or the error.
http_action read_order(request_t& req, order_kind kind, bool send,
                       const char* route) {
  auto ct = req[http::field::content_type];
  if (!is_json_content_type(std::string_view{ct.data(), ct.size()}))
    return error(415,
                 "content-type must be application/json, got '"
                   + std::string{ct.substr(0, 64)} + "'",
                 route);
  auto input = parse_order_json(req.body(), false);
  if (!input)
    return error(400, error_text(input.error()), route);
  http_action a;
  a.kind = send ? http_action::send : http_action::order;
  a.route = route;
  a.sub.kind = kind;
  a.sub.request = std::move(input->request);
  // A header given but empty, or given twice, is refused: either would
  // run an order the client may believe is keyed.
  auto keys = req.equal_range("idempotency-key");
  if (keys.first != keys.second) {
    if (std::next(keys.first) != keys.second)
      return error(400, "idempotency-key is given twice", route);
    auto key = keys.first->value();
    if (key.empty())
      return error(400, "idempotency-key must not be empty", route);
    a.sub.idempotency_key = std::string{key};
    if (auto err = validate_idempotency_key(a.sub.idempotency_key))
      return error(400, error_text(err), route);
  }
  return a;
}

// An order id of a lookup route, or the 404.
std::optional<http_action> bad_order_id(std::string_view id,
                                        const char* route) {
  bool valid = !id.empty() && id.size() <= max_id_bytes;
  for (auto c : id)
    valid = valid && c > 0x20 && c < 0x7F && c != '/';
  if (valid)
    return std::nullopt;
  return error(404,
               "no order '" + std::string{id.substr(0, 64)}
                 + "': an order id looks like ORD_ and 8 hex digits",
               route);
}

http_action no_journal(const char* route, const char* what) {
  return error(501, std::string{"no journal (--journal=off): "} + what, route);
}

} // namespace

std::string error_body(const std::string& text) {
  nlohmann::json j;
  j["error"] = text;
  return compact_json(j);
}

bool is_json_content_type(std::string_view ct) {
  auto lower = std::string{ct.substr(0, 32)};
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view json = "application/json";
  if (lower.compare(0, json.size(), json) != 0)
    return false;
  return lower.size() == json.size() || lower[json.size()] == ';'
         || lower[json.size()] == ' ';
}

http_action route_request(request_t& req, const router_config& cfg) {
  auto target = req.target();
  auto path = std::string_view{target.data(), target.size()};
  path = path.substr(0, path.find('?'));
  auto method
    = std::string_view{req.method_string().data(), req.method_string().size()};
  bool get_or_head
    = req.method() == http::verb::get || req.method() == http::verb::head;
  auto only = [&](const char* allow, const char* route) {
    auto a
      = error(405,
              "method " + std::string{method.substr(0, 32)} + " not allowed on "
                + std::string{path.substr(0, 100)} + "; use " + allow,
              route);
    a.allow = allow;
    return a;
  };
  // A GET route's action (HEAD too), or its 405.
  auto get = [&](http_action::kind_t kind, const char* route) {
    if (!get_or_head)
      return only("GET, HEAD", route);
    http_action a;
    a.kind = kind;
    a.route = route;
    a.head = req.method() == http::verb::head;
    return a;
  };
  if (auto denied = unauthorized(req, path, cfg))
    return std::move(*denied);
  if (path == route_parallel || path == route_sequential) {
    auto route = path == route_parallel ? route_parallel : route_sequential;
    if (req.method() != http::verb::post)
      return only("POST", route);
    return read_order(req,
                      route == route_parallel ? order_kind::parallel
                                              : order_kind::sequential,
                      false, route);
  }
  if (path == route_send_parallel || path == route_send_sequential) {
    bool parallel = path == route_send_parallel;
    auto route = parallel ? route_send_parallel : route_send_sequential;
    if (req.method() != http::verb::post)
      return only("POST", route);
    return read_order(req,
                      parallel ? order_kind::parallel : order_kind::sequential,
                      true, route);
  }
  if (path.substr(0, orders_prefix.size()) == orders_prefix) {
    auto rest = path.substr(orders_prefix.size());
    auto kind = http_action::lookup;
    const char* route = route_get;
    if (rest.size() > journal_suffix.size()
        && ends_with(rest, journal_suffix)) {
      kind = http_action::history;
      route = route_journal;
      rest.remove_suffix(journal_suffix.size());
    } else if (ends_with(rest, attach_suffix)) {
      kind = http_action::attach;
      route = route_attach;
      rest.remove_suffix(attach_suffix.size());
    }
    auto a = get(kind, route);
    if (a.kind == http_action::respond)
      return a;
    if (auto bad = bad_order_id(rest, route))
      return std::move(*bad);
    if (kind == http_action::history && !cfg.journaled)
      return no_journal(route, "orders have no record");
    a.order_id = std::string{rest};
    return a;
  }
  if (path == route_orders) {
    auto a = get(http_action::list, route_orders);
    if (a.kind == http_action::respond)
      return a;
    auto q = target.find('?');
    auto query
      = q == beast::string_view::npos
          ? std::string_view{}
          : std::string_view{target.data() + q + 1, target.size() - q - 1};
    std::string why;
    auto parsed = parse_order_query(query, why);
    if (!parsed)
      return error(400, why, route_orders);
    if (!cfg.journaled)
      return no_journal(route_orders, "orders are not listed");
    a.query = std::move(*parsed);
    return a;
  }
  if (path == route_stats)
    return get(http_action::live, route_stats);
  if (path == "/health")
    return get(http_action::health, "/health");
  if (path == "/metrics")
    return get(http_action::metrics, "/metrics");
  if (auto* asset = find_console_asset(path)) {
    auto a = get(http_action::respond, route_console);
    if (a.status == 405)
      return a;
    a.body = std::string{asset->body};
    a.content_type = asset->content_type;
    return a;
  }
  return error(404,
               "no route " + std::string{path.substr(0, 100)}
                 + "; the routes are POST " + route_parallel + ", POST "
                 + route_sequential + ", POST " + route_send_parallel
                 + ", POST " + route_send_sequential + ", GET " + route_get
                 + ", GET " + route_attach + ", GET " + route_journal
                 + ", GET /orders, GET /stats, GET / (the console), "
                   "GET /health and GET /metrics",
               "other");
}

http_action read_error(const boost::system::error_code& ec,
                       const router_config& cfg) {
  http_action a;
  if (ec == http::error::body_limit)
    a = error(413,
              "body is larger than " + std::to_string(cfg.max_body) + " bytes",
              "other");
  else if (ec == http::error::header_limit)
    a = error(431,
              "headers are larger than " + std::to_string(cfg.max_header)
                + " bytes",
              "other");
  else
    a = error(400, "malformed HTTP request: " + ec.message(), "other");
  a.close = true;
  return a;
}

http_action parse_request(std::string_view bytes, const router_config& cfg) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(cfg.max_body);
  parser.header_limit(static_cast<uint32_t>(cfg.max_header));
  parser.eager(true);
  boost::system::error_code ec;
  while (!bytes.empty() && !parser.is_done()) {
    auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec || used == 0)
      break;
  }
  if (ec == http::error::need_more) {
    http_action a;
    a.kind = http_action::more;
    return a;
  }
  if (ec)
    return read_error(ec, cfg);
  if (!parser.is_done()) {
    http_action a;
    a.kind = http_action::more;
    return a;
  }
  auto req = parser.release();
  return route_request(req, cfg);
}

} // namespace order_node::http_detail
