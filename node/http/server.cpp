// node/http/server.cpp — see server.hpp. One Asio io_context run by
// `io_threads` threads: each connection's handlers run on the connection's
// strand, the server's own (acceptor, drain) on the core's strand.
// The desk's answers arrive on CAF threads and are posted back in batches.
#include "node/http/server.hpp"

#include "actors/support/log.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "node/base/text.hpp"
#include "node/base/units.hpp"
#include "node/console/console.hpp"
#include "node/console/live_stats.hpp"
#include "node/http/bridge.hpp"
#include "node/http/metrics.hpp"
#include "node/http/router.hpp"

namespace order_node {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace http_detail;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

using response_t = http::response<http::string_body>;
using clock_type = std::chrono::steady_clock;

// The 404 of an order the journal does not have (the lookup routes).
std::string not_in_journal(const std::string& order_id) {
  return error_body("no order " + order_id
                    + " in the journal (never accepted here, or decided "
                      "longer ago than --idempotency-retention)");
}

spdlog::logger& http_log() {
  static spdlog::logger& instance = room_log("http");
  return instance;
}

// Posts work to the I/O threads (to a session's or the core's strand) while
// they serve; drops it afterwards.
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

struct core;

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<core> srv);

  void start();

 private:
  beast::tcp_stream& lowest() {
    return std::visit(
      [](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
      stream_);
  }
  void on_handshake(beast::error_code ec);
  void respond(http_action& a);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void handle(request_t req);
  bool admit(const char* route);
  void start_order(http_action& a);
  void start_send(http_action& a);
  void start_lookup(http_action& a);
  void start_stats(bool metrics, const char* route);
  void start_live();
  void start_list(http_action& a);
  void start_history(http_action& a);
  template <class T, class F>
  std::function<void(caf::expected<T>)> on_strand(F f);
  template <class T, class Pick, class F, class... Ts>
  void ask(const char* route, Pick pick, F on_answer, Ts... xs);
  void answer_error(const caf::error& err, const char* route);
  void answer_order(caf::expected<order_result>& r, const char* route);
  void answer_accepted(caf::expected<order_accepted>& r, const char* route);
  void answer_lookup(caf::expected<journal_lookup>& r, const char* route,
                     const std::string& order_id);
  void send(http::status status, std::string body, const char* route,
            const char* content_type = "application/json");
  void on_write(bool close, beast::error_code ec, size_t);
  void close();

  std::variant<plain_stream, tls_stream> stream_; // tls with --http.tls-*
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // Shared: a session waiting for the desk is held by its order's job, which
  // an actor may drop after the server has stopped; the I/O context must
  // outlive the session's socket and timer wherever that happens.
  std::shared_ptr<core> core_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::string allow_; // Allow header of a 405
  bool retry_after_ = false;
  bool auth_challenge_ = false; // a 401: WWW-Authenticate
  clock_type::time_point started_;
  std::string method_;
  std::string target_;
  std::shared_ptr<response_t> res_;
  bool counted_ = false; // this response ends a request counted as pending
  bool head_ = false;    // HEAD: the headers of GET's answer, no body
  std::string order_id_; // of the answered order, for the access line
};

// The server's shared state. The I/O context may run on several threads:
// each session runs on its own strand, and what belongs to the server
// (acceptor, drain timer, shutdown) on `strand`; the few fields
// sessions touch across strands are atomic.
struct core : std::enable_shared_from_this<core> {
  explicit core(const http_options& o)
      : opts(at_least_one_thread(o)), ioc{opts.io_threads} {
    router.max_body = opts.max_body;
    router.max_header = opts.max_header;
    router.token = opts.token;
  }

  static http_options at_least_one_thread(http_options o) {
    o.io_threads = std::max(1, o.io_threads);
    return o;
  }

  http_options opts; // io_threads at least 1
  /// With --http.tls-cert/--http.tls-key: every connection is TLS.
  std::unique_ptr<net::ssl::context> ssl;

  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand{ioc.get_executor()};
  tcp::acceptor acceptor{strand};
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
  std::atomic<int64_t> pending{
    0}; // requests from handing to the desk to written
  std::function<void()> on_stopped; // on `strand`

  /// Hands an order to the bridge (from any I/O thread).
  void submit(order_job_ptr job) {
    if (orders->push(std::move(job)))
      caf::anon_send(bridge, drain_atom::value);
  }

  /// Where the bridge sends its batches of answers: one handler on the I/O
  /// threads runs them all.
  answer_sink sink() {
    return [post = post, ex = ioc.get_executor()](std::vector<answer>&& xs) {
      post->post(ex, [xs = std::move(xs)]() mutable {
        for (auto& x : xs)
          x.done(std::move(x.result));
      });
    };
  }

  void do_accept() {
    // Each connection gets a strand of its own: its handlers never run at
    // the same time, whichever I/O thread runs them.
    acceptor.async_accept(
      net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
          // Answers are single small writes: send them at once rather than
          // wait for the client's ACK of the previous one (Nagle), as Go's
          // net/http does.
          beast::error_code ignored;
          socket.set_option(tcp::no_delay{true}, ignored);
          std::make_shared<session>(std::move(socket), shared_from_this())
            ->start();
        } else if (ec != net::error::operation_aborted)
          http_log().warn("accept failed: {}", ec.message());
        if (!shutting_down)
          do_accept();
      });
  }

  void begin_shutdown(std::function<void()> then) {
    if (then)
      on_stopped = std::move(then);
    if (shutting_down)
      return;
    shutting_down = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    auto n = pending.load();
    http_log().info("stopped accepting; {} request{} in flight", n,
                    n == 1 ? "" : "s");
    if (pending == 0) {
      finish();
      return;
    }
    drain_timer.expires_after(opts.drain_timeout);
    drain_timer.async_wait([this](beast::error_code ec) {
      if (ec)
        return;
      if (pending > 0) {
        dropped = pending.load();
        http_log().warn("drain timeout: {} requests unanswered",
                        dropped.load());
      }
      finish();
    });
  }

  // Called when the answer of a request handed to the desk is written (or
  // could not be): the drain waits for these, not just for the desk.
  // Runs on a session's strand; the drain's end runs on the core's.
  void written() {
    if (--pending == 0 && shutting_down)
      net::post(strand, [this] {
        if (pending == 0)
          finish();
      });
  }

  void finish() {
    if (stopped)
      return;
    stopped = true;
    beast::error_code ignored;
    drain_timer.cancel(ignored);
    post->close();
    ioc.stop();
    if (on_stopped)
      on_stopped();
  }
};

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

session::session(tcp::socket socket, std::shared_ptr<core> srv)
    : stream_(std::in_place_type<plain_stream>, std::move(socket)),
      core_(std::move(srv)) {
  if (core_->ssl) {
    auto sock = std::move(std::get<plain_stream>(stream_));
    stream_.emplace<tls_stream>(std::move(sock), *core_->ssl);
  }
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
    auto a = read_error(ec, core_->router);
    respond(a);
    return;
  }
  handle(parser_->release());
}

// Carries out what the router (http_router.hpp) decided.
void session::handle(request_t req) {
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  method_ = std::string{req.method_string()};
  target_ = std::string{req.target().substr(0, 200)};
  allow_.clear();
  retry_after_ = false;
  auth_challenge_ = false;
  head_ = false;
  order_id_.clear();
  auto a = route_request(req, core_->router);
  head_ = a.head;
  switch (a.kind) {
    case http_action::order:
      start_order(a);
      return;
    case http_action::send:
      start_send(a);
      return;
    case http_action::lookup:
    case http_action::attach:
      start_lookup(a);
      return;
    case http_action::history:
      start_history(a);
      return;
    case http_action::list:
      start_list(a);
      return;
    case http_action::live:
      start_live();
      return;
    case http_action::health:
    case http_action::metrics:
      start_stats(a.kind == http_action::metrics, a.route);
      return;
    case http_action::respond:
    case http_action::more:
      break;
  }
  respond(a);
}

// An answer decided without asking anyone.
void session::respond(http_action& a) {
  if (a.close)
    keep_alive_ = false;
  allow_ = std::move(a.allow);
  retry_after_ = a.retry_after;
  auth_challenge_ = a.auth_challenge;
  send(static_cast<http::status>(a.status), std::move(a.body), a.route,
       std::string{a.content_type}.c_str());
}

// Counts a request that goes to the desk as pending; false (and the 503 is
// answered) if the ingress is shutting down.
bool session::admit(const char* route) {
  // Counted before the check (both sequentially consistent): a drain that
  // begins meanwhile either sees this request pending and waits for its
  // answer, or this request sees the drain and is refused, never neither.
  ++core_->pending;
  if (!core_->shutting_down)
    return true;
  counted_ = true; // the drain ends when this refusal is written
  retry_after_ = true;
  keep_alive_ = false;
  send(http::status::service_unavailable,
       error_body("order-node is shutting down"), route);
  return false;
}

// A callback that runs `f(session, expected<T>)` on this session's strand,
// whichever thread calls it, once.
template <class T, class F>
std::function<void(caf::expected<T>)> session::on_strand(F f) {
  return [self = shared_from_this(), f](caf::expected<T> r) mutable {
    auto ex = self->lowest().get_executor();
    net::dispatch(ex, [self = std::move(self), f, r = std::move(r)]() mutable {
      f(*self, r);
    });
  };
}

void session::start_order(http_action& a) {
  auto route = a.route;
  if (!admit(route))
    return;
  auto job = std::make_shared<order_job>();
  job->sub = std::move(a.sub);
  // Runs once, on an I/O thread (the bridge posts answers in batches), maybe
  // not in this session's strand.
  job->done = on_strand<order_result>(
    [route](session& s, caf::expected<order_result>& r) {
      s.answer_order(r, route);
    });
  core_->submit(std::move(job));
}

void session::start_send(http_action& a) {
  auto route = a.route;
  if (!admit(route))
    return;
  auto job = std::make_shared<accept_job>();
  job->sub = std::move(a.sub);
  job->done = on_strand<order_accepted>(
    [route](session& s, caf::expected<order_accepted>& r) {
      s.answer_accepted(r, route);
    });
  caf::anon_send(core_->bridge, send_atom::value, std::move(job));
}

// GET /orders/{orderId} and /orders/{orderId}/attach.
void session::start_lookup(http_action& a) {
  auto route = a.route;
  if (!admit(route))
    return;
  auto job = std::make_shared<lookup_job>();
  job->order_id = std::move(a.order_id);
  job->attach = a.kind == http_action::attach;
  job->done = on_strand<journal_lookup>(
    [route, id = job->order_id](session& s, caf::expected<journal_lookup>& r) {
      s.answer_lookup(r, route, id);
    });
  caf::anon_send(core_->bridge, get_atom::value, std::move(job));
}

// Asks `pick(bridge_targets)` (xs...) through the bridge; `on_answer(
// session&, T&)` runs on this session's strand with the answer, errors are
// answered as errors.
template <class T, class Pick, class F, class... Ts>
void session::ask(const char* route, Pick pick, F on_answer, Ts... xs) {
  if (!admit(route))
    return;
  auto done = on_strand<T>([route, on_answer](session& s, caf::expected<T>& r) {
    s.counted_ = true;
    if (!r) {
      s.answer_error(r.error(), route);
      return;
    }
    on_answer(s, *r);
  });
  auto job = std::make_shared<ask_job>();
  job->ask = [pick, done, xs...](caf::event_based_actor* self,
                                 const bridge_targets& targets,
                                 caf::timespan timeout) {
    self->request(pick(targets), timeout, xs...)
      .then([done](T& x) { done(std::move(x)); },
            [done](caf::error& err) { done(std::move(err)); });
  };
  caf::anon_send(core_->bridge, run_atom::value, std::move(job));
}

// GET /stats: the sampler's view.
void session::start_live() {
  ask<live_view_ptr>(
    "/stats", [](const bridge_targets& t) { return t.live; },
    [](session& s, live_view_ptr& v) {
      auto& c = *s.core_;
      auto uptime
        = std::chrono::duration<double>(clock_type::now() - c.started).count();
      s.send(http::status::ok, live_json(*v, c.opts.role, uptime), "/stats");
    },
    get_atom::value);
}

// GET /orders?status=&q=&limit=&before=: a page of the journal's orders.
void session::start_list(http_action& a) {
  ask<order_page>(
    a.route, [](const bridge_targets& t) { return t.reader; },
    [route = a.route](session& s, order_page& p) {
      s.send(http::status::ok, order_page_json(p), route);
    },
    list_atom::value, std::move(a.query));
}

// GET /orders/{orderId}/journal: the journal's record of one order.
void session::start_history(http_action& a) {
  ask<order_history>(
    a.route, [](const bridge_targets& t) { return t.reader; },
    [id = a.order_id, route = a.route](session& s, order_history& h) {
      if (!h.found) {
        s.send(http::status::not_found, not_in_journal(id), route);
        return;
      }
      s.order_id_ = id;
      s.send(http::status::ok, order_history_json(h), route);
    },
    history_atom::value, a.order_id);
}

void session::answer_error(const caf::error& err, const char* route) {
  auto status = http::status::internal_server_error;
  if (is_error(err, order_errc::invalid_request))
    status = http::status::bad_request;
  else if (is_error(err, order_errc::key_conflict))
    status = http::status::unprocessable_entity;
  else if (is_error(err, order_errc::no_journal))
    status = http::status::not_implemented;
  else if (is_error(err, order_errc::overloaded)) {
    status = http::status::service_unavailable;
    retry_after_ = true;
  }
  send(status, error_body(error_text(err)), route);
}

void session::answer_order(caf::expected<order_result>& r, const char* route) {
  counted_ = true;
  if (!r) {
    answer_error(r.error(), route);
    return;
  }
  if (r->status == order_status::overloaded) {
    retry_after_ = true;
    send(http::status::service_unavailable, error_body(r->details), route);
    return;
  }
  order_id_ = r->order_id;
  send(http::status::ok, to_json(*r), route);
}

void session::answer_accepted(caf::expected<order_accepted>& r,
                              const char* route) {
  counted_ = true;
  if (!r) {
    answer_error(r.error(), route);
    return;
  }
  order_id_ = r->order_id;
  nlohmann::ordered_json j;
  j["orderId"] = r->order_id;
  j["status"] = r->previously ? "PreviouslyAccepted" : "Accepted";
  send(http::status::accepted, compact_json(j), route);
}

void session::answer_lookup(caf::expected<journal_lookup>& r, const char* route,
                            const std::string& order_id) {
  counted_ = true;
  if (!r) {
    answer_error(r.error(), route);
    return;
  }
  if (!r->found) {
    send(http::status::not_found, not_in_journal(order_id), route);
    return;
  }
  order_id_ = order_id;
  if (r->decided) {
    send(http::status::ok, to_json(r->result), route);
    return;
  }
  nlohmann::ordered_json j;
  j["orderId"] = order_id;
  j["status"] = "running";
  send(http::status::accepted, compact_json(j), route);
}

void session::start_stats(bool metrics, const char* route) {
  auto self = shared_from_this();
  auto post = core_->post;
  auto job = std::make_shared<stats_job>();
  job->done = [self, post, metrics, route](caf::expected<desk_stats> s) {
    post->post(self->lowest().get_executor(), [self, metrics, route,
                                               s = std::move(s)]() mutable {
      auto& c = *self->core_;
      self->counted_ = true;
      auto uptime
        = std::chrono::duration<double>(clock_type::now() - c.started).count();
      if (!s) {
        self->send(
          http::status::service_unavailable,
          error_body("order desk did not answer: " + error_text(s.error())),
          route);
        return;
      }
      if (metrics) {
        self->send(http::status::ok, render_metrics(*s, &c.metrics, uptime),
                   route, "text/plain; version=0.0.4; charset=utf-8");
        return;
      }
      nlohmann::ordered_json j;
      j["status"] = c.shutting_down ? "shutting down" : "ok";
      j["role"] = c.opts.role;
      j["uptimeSeconds"] = thousandths(uptime);
      j["ordersInFlight"] = s->in_flight;
      self->send(c.shutting_down ? http::status::service_unavailable
                                 : http::status::ok,
                 compact_json(j), route);
    });
  };
  ++core_->pending;
  caf::anon_send(core_->bridge, stats_atom::value, std::move(job));
}

void session::send(http::status status, std::string body, const char* route,
                   const char* content_type) {
  res_ = std::make_shared<response_t>(status, version_);
  res_->set(http::field::server, "order-node");
  res_->set(http::field::content_type, content_type);
  if (!allow_.empty())
    res_->set(http::field::allow, allow_);
  if (retry_after_)
    res_->set(http::field::retry_after, "1");
  if (auth_challenge_)
    res_->set(http::field::www_authenticate, "Bearer realm=\"order-node\"");
  res_->keep_alive(keep_alive_ && !core_->shutting_down);
  res_->body() = std::move(body);
  res_->prepare_payload();
  if (head_) // Content-Length stays that of the body GET would get
    res_->body().clear();
  auto code = static_cast<unsigned>(status);
  core_->metrics.count_request(route, code);
  auto& log = http_log();
  if (log.should_log(spdlog::level::debug))
    log.debug(
      "{} {} {} {:.1f} ms{}{}", method_, target_, code,
      std::chrono::duration<double, std::milli>(clock_type::now() - started_)
        .count(),
      order_id_.empty() ? "" : " orderId=", order_id_);
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
  lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
  lowest().close();
}

class server_impl final : public http_server {
 public:
  explicit server_impl(const http_options& opts)
      : core_(std::make_shared<core>(opts)) {}

  ~server_impl() override {
    try {
      begin_shutdown({});
      wait();
    } catch (const std::exception& e) { // std::thread::join, allocation
      http_log().error("stopping the ingress failed: {}", e.what());
    }
  }

  // The TLS context of --http.tls-cert/--http.tls-key, if given; false and
  // `error` naming the file if one cannot be used.
  bool load_tls(std::string& error) {
    auto& o = core_->opts;
    if (o.tls_cert.empty())
      return true;
    auto ctx
      = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    ctx->set_options(
      net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
      | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
      | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    ctx->use_certificate_chain_file(o.tls_cert, ec);
    if (ec) {
      error = "http.tls-cert " + o.tls_cert
              + ": not a PEM certificate chain it can read: " + ec.message();
      return false;
    }
    ctx->use_private_key_file(o.tls_key, net::ssl::context::pem, ec);
    if (ec) {
      error = "http.tls-key " + o.tls_key
              + ": not a PEM private key it can read, or not the key of "
                "http.tls-cert: "
              + ec.message();
      return false;
    }
    core_->ssl = std::move(ctx);
    return true;
  }

  bool bind(std::string& error) {
    beast::error_code ec;
    tcp::resolver resolver{core_->ioc};
    auto results = resolver.resolve(core_->opts.host,
                                    std::to_string(core_->opts.port), ec);
    auto where = core_->opts.host + ":" + std::to_string(core_->opts.port);
    if (ec || results.empty()) {
      error = "cannot resolve " + where + ": " + ec.message();
      return false;
    }
    auto ep = results.begin()->endpoint();
    core_->acceptor.open(ep.protocol(), ec);
    if (!ec)
      core_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      core_->acceptor.bind(ep, ec);
    if (!ec)
      core_->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + where + ": " + ec.message();
      return false;
    }
    return true;
  }

  void run(caf::actor_system& sys, const http_backends& backends) {
    bridge_targets targets{
      backends.reader, spawn_live_stats(sys, backends.desk, backends.peers)};
    core_->router.journaled = static_cast<bool>(backends.reader);
    core_->bridge = spawn_bridge(sys, backends.desk,
                                 caf::timespan{core_->opts.order_timeout},
                                 core_->orders, core_->sink(), targets);
    net::dispatch(core_->strand, [this] { core_->do_accept(); });
    auto n = static_cast<size_t>(core_->opts.io_threads);
    threads_.reserve(n + 1); // no reallocation while the joiner reads it
    for (size_t i = 0; i < n; ++i)
      threads_.emplace_back([this] { core_->ioc.run(); });
    // The bridge ends when every I/O thread has.
    threads_.emplace_back([this, n] {
      for (size_t i = 0; i < n; ++i)
        threads_[i].join();
      caf::anon_send_exit(core_->bridge, caf::exit_reason::user_shutdown);
    });
  }

  uint16_t port() const override {
    beast::error_code ec;
    auto ep = core_->acceptor.local_endpoint(ec);
    return ec ? core_->opts.port : ep.port();
  }

  void shutdown(std::function<void()> on_stopped) override {
    begin_shutdown(std::move(on_stopped));
  }

  void join() override { wait(); }

  int64_t dropped() const override { return core_->dropped.load(); }

 private:
  void begin_shutdown(std::function<void()> on_stopped) {
    core_->post->post(core_->strand,
                      [this, f = std::move(on_stopped)]() mutable {
                        core_->begin_shutdown(std::move(f));
                      });
  }

  void wait() {
    if (!threads_.empty() && threads_.back().joinable())
      threads_.back().join();
  }

  std::shared_ptr<core> core_;
  std::vector<std::thread> threads_; // the I/O threads, then their joiner
};

} // namespace

bool load_token(const std::string& path, std::string& token,
                std::string& error) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line)) {
    error = "http.token-file " + path + ": cannot read it";
    return false;
  }
  token = std::string{trim(line)};
  bool printable = std::all_of(token.begin(), token.end(),
                               [](char c) { return c > 0x20 && c < 0x7F; });
  if (token.size() < 16 || token.size() > 4096 || !printable) {
    error = "http.token-file " + path
            + ": its first line must be the token, 16 to 4096 printable "
              "ASCII characters without spaces (e.g. openssl rand -hex 32)";
    token.clear();
    return false;
  }
  return true;
}

http_server::~http_server() = default;

std::unique_ptr<http_server> http_server::start(caf::actor_system& sys,
                                                const http_backends& backends,
                                                const http_options& opts,
                                                std::string& error) {
  auto srv = std::make_unique<server_impl>(opts);
  if (!srv->load_tls(error) || !srv->bind(error))
    return nullptr;
  srv->run(sys, backends);
  return srv;
}

} // namespace order_node
