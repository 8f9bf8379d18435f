// node/http/handlers.cpp — see handlers.hpp.
#include "node/http/handlers.hpp"

#include <chrono>
#include <functional>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "messages/units.hpp"
#include "node/base/text.hpp"
#include "node/console/console.hpp"
#include "node/console/live_stats.hpp"
#include "node/http/server_core.hpp"

namespace order_node::http_detail {

http_exchange::~http_exchange() = default;

unsigned status_of(const caf::error& err) {
  struct row {
    order_errc code;
    unsigned status;
  };
  static constexpr row statuses[] = {
    {order_errc::invalid_request, 400},
    {order_errc::key_conflict, 422},
    {order_errc::no_journal, 501},
    {order_errc::overloaded, 503},
    {order_errc::not_owner, 503},
  };
  for (auto& r : statuses)
    if (is_error(err, r.code))
      return r.status;
  return 500;
}

namespace {

// What every reply to one request carries: its route (the metrics label)
// and whether the request was a HEAD.
struct request_tag {
  const char* route = "other";
  bool head = false;
};

// The answer to a request counted as pending (admit()).
http_reply answer(const request_tag& t, unsigned status, std::string body) {
  http_reply r;
  r.status = status;
  r.body = std::move(body);
  r.route = t.route;
  r.head = t.head;
  r.counted = true;
  return r;
}

// An error instead of the answer; a 503 asks the client to retry.
http_reply error_answer(const request_tag& t, const caf::error& err) {
  auto r = answer(t, status_of(err), error_body(error_text(err)));
  r.retry_after = r.status == 503;
  return r;
}

// The answer the router decided alone.
http_reply router_answer(http_action& a) {
  http_reply r;
  r.status = a.status;
  r.body = std::move(a.body);
  r.content_type = a.content_type;
  r.route = a.route;
  r.allow = std::move(a.allow);
  r.retry_after = a.retry_after;
  r.auth_challenge = a.auth_challenge;
  r.close = a.close;
  r.head = a.head;
  return r;
}

// The 404 of an order the journal does not have (the lookup routes).
std::string not_in_journal(const std::string& order_id) {
  return error_body("no order " + order_id
                    + " in the journal (never accepted here, or decided "
                      "longer ago than --idempotency-retention)");
}

// {"orderId": ..., "status": ...}: the body of a 202.
std::string order_status_json(const std::string& order_id, const char* status) {
  nlohmann::ordered_json j;
  j["orderId"] = order_id;
  j["status"] = status;
  return compact_json(j);
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Counts a request that goes to the desk as pending; false (and the 503 is
// answered) if the ingress is shutting down.
bool admit(server_core& core, http_exchange& x, const request_tag& t) {
  // Counted before the check (both sequentially consistent): a drain that
  // begins meanwhile either sees this request pending and waits for its
  // answer, or this request sees the drain and is refused, never neither.
  ++core.pending;
  if (!core.shutting_down)
    return true;
  auto r = answer(t, 503, error_body("order-node is shutting down"));
  r.retry_after = true;
  r.close = true;
  x.reply(std::move(r));
  return false;
}

// A callback that runs `f(exchange, expected<T>&)` on the exchange's strand,
// whichever thread calls it, once.
template <class T, class F>
std::function<void(caf::expected<T>)> on_strand(const exchange_ptr& x, F f) {
  // `x = x`: a copy that is not const (as `x` is), so that it moves on.
  return [x = x, f](caf::expected<T> r) mutable {
    auto ex = x->executor();
    net::dispatch(
      ex, [x = std::move(x), f, r = std::move(r)]() mutable { f(*x, r); });
  };
}

http_reply order_answer(const request_tag& t, caf::expected<order_result>& r) {
  if (!r)
    return error_answer(t, r.error());
  if (r->status == order_status::overloaded) {
    auto out = answer(t, 503, error_body(r->details));
    out.retry_after = true;
    return out;
  }
  auto out = answer(t, 200, to_json(*r));
  out.order_id = r->order_id;
  return out;
}

void start_order(server_core& core, const exchange_ptr& x, http_action& a) {
  request_tag t{a.route, a.head};
  if (!admit(core, *x, t))
    return;
  auto job = std::make_shared<order_job>();
  job->sub = std::move(a.sub);
  // Runs once, on an I/O thread (the bridge posts answers in batches), maybe
  // not in this session's strand.
  job->done = on_strand<order_result>(
    x, [t](http_exchange& x, caf::expected<order_result>& r) {
      x.reply(order_answer(t, r));
    });
  core.submit(std::move(job));
}

// POST .../send: 202 once the order is accepted (durable with a journal).
void start_send(server_core& core, const exchange_ptr& x, http_action& a) {
  request_tag t{a.route, a.head};
  if (!admit(core, *x, t))
    return;
  auto job = std::make_shared<accept_job>();
  job->sub = std::move(a.sub);
  job->done = on_strand<order_accepted>(
    x, [t](http_exchange& x, caf::expected<order_accepted>& r) {
      if (!r) {
        x.reply(error_answer(t, r.error()));
        return;
      }
      auto out = answer(t, 202,
                        order_status_json(r->order_id, r->previously
                                                         ? "PreviouslyAccepted"
                                                         : "Accepted"));
      out.order_id = r->order_id;
      x.reply(std::move(out));
    });
  caf::anon_send(core.bridge, send_atom::value, std::move(job));
}

http_reply lookup_answer(const request_tag& t, const std::string& order_id,
                         caf::expected<journal_lookup>& r) {
  if (!r)
    return error_answer(t, r.error());
  if (!r->found)
    return answer(t, 404, not_in_journal(order_id));
  auto out = r->decided
               ? answer(t, 200, to_json(r->result))
               : answer(t, 202, order_status_json(order_id, "running"));
  out.order_id = order_id;
  return out;
}

// GET /orders/{orderId} and /orders/{orderId}/attach.
void start_lookup(server_core& core, const exchange_ptr& x, http_action& a) {
  request_tag t{a.route, a.head};
  if (!admit(core, *x, t))
    return;
  auto job = std::make_shared<lookup_job>();
  job->order_id = std::move(a.order_id);
  job->attach = a.kind == http_action::attach;
  job->done = on_strand<journal_lookup>(
    x, [t, id = job->order_id](http_exchange& x,
                               caf::expected<journal_lookup>& r) {
      x.reply(lookup_answer(t, id, r));
    });
  caf::anon_send(core.bridge, get_atom::value, std::move(job));
}

// Asks `pick(bridge_targets)` (xs...) through the bridge; the reply is
// `on_answer(tag, T&)`, or the error's.
template <class T, class Pick, class F, class... Ts>
void ask(server_core& core, const exchange_ptr& x, const request_tag& t,
         Pick pick, F on_answer, Ts... xs) {
  if (!admit(core, *x, t))
    return;
  auto done
    = on_strand<T>(x, [t, on_answer](http_exchange& x, caf::expected<T>& r) {
        x.reply(r ? on_answer(t, *r) : error_answer(t, r.error()));
      });
  auto job = std::make_shared<ask_job>();
  job->ask = [pick, done, xs...](caf::event_based_actor* self,
                                 const bridge_targets& targets,
                                 caf::timespan timeout) {
    self->request(pick(targets), timeout, xs...)
      .then([done](T& x) { done(std::move(x)); },
            [done](caf::error& err) { done(std::move(err)); });
  };
  caf::anon_send(core.bridge, run_atom::value, std::move(job));
}

journal_reader_actor reader_of(const bridge_targets& t) {
  return t.reader;
}

// GET /stats: the sampler's view.
void start_live(server_core& core, const exchange_ptr& x, http_action& a) {
  ask<live_view_ptr>(
    core, x, {a.route, a.head}, [](const bridge_targets& t) { return t.live; },
    [c = core.shared_from_this()](const request_tag& t, live_view_ptr& v) {
      return answer(t, 200,
                    live_json(*v, c->opts.role, seconds_since(c->started)));
    },
    get_atom::value);
}

// GET /orders?status=&q=&limit=&before=: a page of the journal's orders.
void start_list(server_core& core, const exchange_ptr& x, http_action& a) {
  ask<order_page>(
    core, x, {a.route, a.head}, reader_of,
    [](const request_tag& t, order_page& p) {
      return answer(t, 200, order_page_json(p));
    },
    list_atom::value, std::move(a.query));
}

// GET /orders/{orderId}/journal: the journal's record of one order.
void start_history(server_core& core, const exchange_ptr& x, http_action& a) {
  ask<order_history>(
    core, x, {a.route, a.head}, reader_of,
    [id = a.order_id](const request_tag& t, order_history& h) {
      if (!h.found)
        return answer(t, 404, not_in_journal(id));
      auto out = answer(t, 200, order_history_json(h));
      out.order_id = id;
      return out;
    },
    history_atom::value, a.order_id);
}

// GET /health and GET /metrics, from the desk's stats.
http_reply stats_answer(const server_core& c, const request_tag& t,
                        bool metrics, caf::expected<desk_stats>& s) {
  auto uptime = seconds_since(c.started);
  if (!s)
    return answer(
      t, 503,
      error_body("order desk did not answer: " + error_text(s.error())));
  if (metrics) {
    auto out = answer(t, 200, render_metrics(*s, &c.metrics, uptime));
    out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return out;
  }
  bool stopping = c.shutting_down;
  nlohmann::ordered_json j;
  j["status"] = stopping ? "shutting down" : "ok";
  j["role"] = c.opts.role;
  j["uptimeSeconds"] = thousandths(uptime);
  j["ordersInFlight"] = s->in_flight;
  return answer(t, stopping ? 503 : 200, compact_json(j));
}

// Not admitted: a stopping node still answers its health (503).
void start_stats(server_core& core, const exchange_ptr& x, http_action& a) {
  request_tag t{a.route, a.head};
  bool metrics = a.kind == http_action::metrics;
  auto job = std::make_shared<stats_job>();
  job->done = [c = core.shared_from_this(), x, t,
               metrics](caf::expected<desk_stats> s) {
    c->post->post(x->executor(),
                  [c, x, t, metrics, s = std::move(s)]() mutable {
                    x->reply(stats_answer(*c, t, metrics, s));
                  });
  };
  ++core.pending;
  caf::anon_send(core.bridge, stats_atom::value, std::move(job));
}

} // namespace

void handle(server_core& core, request_t req, const exchange_ptr& x) {
  auto a = route_request(req, core.router);
  switch (a.kind) {
    case http_action::order:
      start_order(core, x, a);
      return;
    case http_action::send:
      start_send(core, x, a);
      return;
    case http_action::lookup:
    case http_action::attach:
      start_lookup(core, x, a);
      return;
    case http_action::history:
      start_history(core, x, a);
      return;
    case http_action::list:
      start_list(core, x, a);
      return;
    case http_action::live:
      start_live(core, x, a);
      return;
    case http_action::health:
    case http_action::metrics:
      start_stats(core, x, a);
      return;
    case http_action::respond:
    case http_action::more:
      break;
  }
  x->reply(router_answer(a));
}

void handle_unreadable(server_core& core, const boost::system::error_code& ec,
                       http_exchange& x) {
  auto a = read_error(ec, core.router);
  x.reply(router_answer(a));
}

} // namespace order_node::http_detail
