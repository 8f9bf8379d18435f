// node/http/router.cpp — see router.hpp.
#include "node/http/router.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

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

// With a token, every route but the open ones (/health and the console's
// files, which hold no data: the page asks for the token) needs
// `Authorization: Bearer TOKEN`, compared in constant time. The 401 if not.
std::optional<http_action> unauthorized(const request_t& req,
                                        const router_config& cfg) {
  auto& token = cfg.token;
  if (token.empty())
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

// -- The route table ---------------------------------------------------

struct route;

// True if `path` is the route's; `part` is then what stands for the
// variable part of its path (an order id, a file of the console).
using match_fn
  = bool (*)(const route& r, std::string_view path, std::string_view& part);

// The action of a request on the route, its method checked.
using act_fn = http_action (*)(const route& r, request_t& req,
                               const router_config& cfg, std::string_view part);

// One route of the ingress (docs/http.md).
struct route {
  http::verb method;        // post, or get (which answers HEAD too)
  http_action::kind_t kind; // what the handlers do with it
  const char* path;         // as the 404 lists it; the metrics label
  const char* note;         // after the path in the 404's list
  match_fn match;
  act_fn act;
  bool open = false;                       // served without the bearer token
  order_kind order = order_kind::parallel; // of the POST routes
};

bool exact(const route& r, std::string_view path, std::string_view&) {
  return path == r.path;
}

// /orders/{id}, /orders/{id}/attach and /orders/{id}/journal: `part` is the
// id (checked by the route's act).
bool order_path(const route& r, std::string_view path, std::string_view& part) {
  if (path.substr(0, orders_prefix.size()) != orders_prefix)
    return false;
  auto rest = path.substr(orders_prefix.size());
  auto kind = http_action::lookup;
  if (rest.size() > journal_suffix.size() && ends_with(rest, journal_suffix)) {
    kind = http_action::history;
    rest.remove_suffix(journal_suffix.size());
  } else if (ends_with(rest, attach_suffix)) {
    kind = http_action::attach;
    rest.remove_suffix(attach_suffix.size());
  }
  part = rest;
  return kind == r.kind;
}

// A file of the console's page: `part` is its path.
bool console_file(const route&, std::string_view path, std::string_view& part) {
  part = path;
  return find_console_asset(path) != nullptr;
}

// The route's action for a request it takes.
http_action action(const route& r, const request_t& req) {
  http_action a;
  a.kind = r.kind;
  a.route = r.path;
  a.head = req.method() == http::verb::head;
  return a;
}

http_action post_order(const route& r, request_t& req, const router_config&,
                       std::string_view) {
  return read_order(req, r.order, r.kind == http_action::send, r.path);
}

http_action get_order(const route& r, request_t& req, const router_config& cfg,
                      std::string_view id) {
  if (auto bad = bad_order_id(id, r.path))
    return std::move(*bad);
  if (r.kind == http_action::history && !cfg.journaled)
    return no_journal(r.path, "orders have no record");
  auto a = action(r, req);
  a.order_id = std::string{id};
  return a;
}

http_action get_list(const route& r, request_t& req, const router_config& cfg,
                     std::string_view) {
  auto target = req.target();
  auto q = target.find('?');
  auto query
    = q == beast::string_view::npos
        ? std::string_view{}
        : std::string_view{target.data() + q + 1, target.size() - q - 1};
  std::string why;
  auto parsed = parse_order_query(query, why);
  if (!parsed)
    return error(400, why, r.path);
  if (!cfg.journaled)
    return no_journal(r.path, "orders are not listed");
  auto a = action(r, req);
  a.query = std::move(*parsed);
  return a;
}

http_action get(const route& r, request_t& req, const router_config&,
                std::string_view) {
  return action(r, req);
}

http_action get_console(const route& r, request_t& req, const router_config&,
                        std::string_view file) {
  auto* asset = find_console_asset(file);
  auto a = action(r, req);
  a.body = std::string{asset->body};
  a.content_type = asset->content_type;
  return a;
}

// Every route, in the order the 404 lists them: method, action, path, note,
// match, act[, open[, order]].
constexpr route routes[] = {
  {http::verb::post, http_action::order, "/OrderService/ProcessOrder", "",
   exact, post_order, false, order_kind::parallel},
  {http::verb::post, http_action::order, "/OrderServiceSlow/ProcessOrder", "",
   exact, post_order, false, order_kind::sequential},
  {http::verb::post, http_action::send, "/OrderService/ProcessOrder/send", "",
   exact, post_order, false, order_kind::parallel},
  {http::verb::post, http_action::send, "/OrderServiceSlow/ProcessOrder/send",
   "", exact, post_order, false, order_kind::sequential},
  {http::verb::get, http_action::lookup, "/orders/{orderId}", "", order_path,
   get_order},
  {http::verb::get, http_action::attach, "/orders/{orderId}/attach", "",
   order_path, get_order},
  {http::verb::get, http_action::history, "/orders/{orderId}/journal", "",
   order_path, get_order},
  {http::verb::get, http_action::list, "/orders", "", exact, get_list},
  {http::verb::get, http_action::live, "/stats", "", exact, get},
  {http::verb::get, http_action::respond, "/", " (the console)", console_file,
   get_console, true},
  {http::verb::get, http_action::health, "/health", "", exact, get, true},
  {http::verb::get, http_action::metrics, "/metrics", "", exact, get},
};

const route* find_route(std::string_view path, std::string_view& part) {
  for (auto& r : routes)
    if (r.match(r, path, part))
      return &r;
  return nullptr;
}

// "POST /OrderService/ProcessOrder, ... and GET /metrics": the 404's list.
std::string route_list() {
  std::string out;
  auto n = std::size(routes);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0)
      out += i + 1 < n ? ", " : " and ";
    out += routes[i].method == http::verb::post ? "POST " : "GET ";
    out += routes[i].path;
    out += routes[i].note;
  }
  return out;
}

http_action not_found(std::string_view path) {
  static const std::string listed = route_list();
  return error(404,
               "no route " + std::string{path.substr(0, 100)}
                 + "; the routes are " + listed,
               "other");
}

// The 405 of a request whose method the route does not take, or nullopt.
std::optional<http_action> wrong_method(const route& r, const request_t& req,
                                        std::string_view path) {
  auto verb = req.method();
  bool gets = r.method == http::verb::get;
  if (verb == r.method || (gets && verb == http::verb::head))
    return std::nullopt;
  const char* allow = gets ? "GET, HEAD" : "POST";
  auto method = req.method_string();
  auto a
    = error(405,
            "method " + std::string{method.substr(0, 32)} + " not allowed on "
              + std::string{path.substr(0, 100)} + "; use " + allow,
            r.path);
  a.allow = allow;
  return a;
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
  std::string_view part;
  auto* r = find_route(path, part);
  if (r == nullptr || !r->open)
    if (auto denied = unauthorized(req, cfg))
      return std::move(*denied);
  if (r == nullptr)
    return not_found(path);
  if (auto denied = wrong_method(*r, req, path))
    return std::move(*denied);
  return r->act(*r, req, cfg, part);
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
