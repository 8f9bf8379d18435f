// node/repl/repl.cpp — see repl.hpp. Output goes through one detached actor
// (the session), which owns stdout: order results, error lines and reports
// never interleave within a line, and a blocked stdout blocks no scheduler
// thread.
#include "node/repl/repl.hpp"

#include <cstdio>
#include <variant>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "node/repl/bench.hpp"
#include "node/repl/output.hpp"

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"

namespace order_node {

namespace {

using print_atom = caf::atom_constant<caf::atom("print")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using json_atom = caf::atom_constant<caf::atom("json")>;
using error_atom = caf::atom_constant<caf::atom("error")>;

struct session_state {
  std::shared_ptr<output_lines> out;
  order_desk_actor desk;
  caf::timespan timeout; // of an order's request
  bool json = true;      // results as JSON lines, or result_text()
  int64_t outstanding = 0;
  int64_t errors = 0; // input lines that got an error, not a result
  std::vector<caf::response_promise> drained; // answered when outstanding = 0
  static constexpr const char* name = "repl_session";
};

using session_ptr = caf::stateful_actor<session_state>*;

void print(session_ptr self, const std::string& line) {
  self->state.out->print(line);
}

void print_error(session_ptr self, const std::string& text, int64_t line) {
  auto& st = self->state;
  ++st.errors;
  st.out->print(st.json ? error_line(text, line) : error_text_line(text, line));
}

// One answer fewer to wait for; at none, the drain's promises are kept.
void finished(session_ptr self) {
  auto& st = self->state;
  if (--st.outstanding == 0) {
    for (auto& rp : st.drained)
      rp.deliver(st.errors);
    st.drained.clear();
  }
}

// Requests (xs...) from `dest` as one outstanding answer: `on_value(T&)`
// prints the answer, an error prints as the error of input line `line`,
// after `prefix`.
template <class T, class Dest, class OnValue, class... Ts>
void ask(session_ptr self, const Dest& dest, caf::timespan timeout,
         int64_t line, const char* prefix, OnValue on_value, Ts&&... xs) {
  ++self->state.outstanding;
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .then(
      [=](T& x) {
        on_value(x);
        finished(self);
      },
      [=](caf::error& err) {
        print_error(self, prefix + error_text(err), line);
        finished(self);
      });
}

void ask_result(session_ptr self, int64_t line, order_submission& sub) {
  auto& st = self->state;
  ask<order_result>(
    self, st.desk, st.timeout, line, "",
    [=](order_result& r) {
      auto& st = self->state;
      if (r.status == order_status::overloaded) // not accepted
        ++st.errors;
      print(self, st.json ? to_json(r, line) : result_text(r));
    },
    submit_atom::value, std::move(sub));
}

void ask_accepted(session_ptr self, int64_t line, order_submission& sub) {
  auto& st = self->state;
  ask<order_accepted>(
    self, st.desk, st.timeout, line, "",
    [=](order_accepted& a) {
      print(self, self->state.json ? accepted_json(a, line) : accepted_text(a));
    },
    send_atom::value, std::move(sub));
}

// `get` and `trace`: the order's result, its trace, or that it runs.
void ask_lookup(session_ptr self, int64_t line, const std::string& id,
                bool trace) {
  auto& st = self->state;
  ask<journal_lookup>(
    self, st.desk, st.timeout, line, "",
    [=](journal_lookup& l) {
      bool json = self->state.json;
      if (!l.found)
        print_error(self, "no order " + id, line);
      else if (l.decided && trace)
        print(self, json ? trace_json(l.result, line) : trace_text(l.result));
      else if (l.decided)
        print(self, json ? to_json(l.result, line) : result_text(l.result));
      else
        print(self, json ? running_json(id, line) : id + " running");
    },
    get_atom::value, id);
}

void ask_stats(session_ptr self) {
  ask<desk_stats>(
    self, self->state.desk, std::chrono::seconds(10), 0,
    "stats failed: ", [=](desk_stats& st) { print(self, stats_json(st)); },
    stats_atom::value);
}

void ask_nodes(session_ptr self, const peers_actor& peers) {
  if (!peers) {
    print(self, nodes_json({}));
    return;
  }
  ask<std::vector<peer_info>>(
    self, peers, std::chrono::seconds(10), 0, "nodes failed: ",
    [=](std::vector<peer_info>& xs) { print(self, nodes_json(xs)); },
    nodes_atom::value);
}

// The number of error lines, once nothing is outstanding.
caf::result<int64_t> drain(session_ptr self) {
  auto& st = self->state;
  if (st.outstanding == 0)
    return st.errors;
  auto rp = self->make_response_promise();
  st.drained.push_back(rp);
  return rp;
}

// The session: prints what the REPL hands it and the answers of what it
// asks for the REPL, in the order they come.
caf::behavior session(session_ptr self, std::shared_ptr<output_lines> out,
                      bool json, const order_desk_actor& desk,
                      caf::timespan timeout) {
  auto& st = self->state;
  st.out = std::move(out);
  st.json = json;
  st.desk = desk;
  st.timeout = timeout;
  return {
    [=](submit_atom, int64_t line, order_submission& sub) {
      ask_result(self, line, sub);
    },
    [=](send_atom, int64_t line, order_submission& sub) {
      ask_accepted(self, line, sub);
    },
    [=](get_atom, int64_t line, const std::string& id, bool trace) {
      ask_lookup(self, line, id, trace);
    },
    [=](print_atom, const std::string& text) { print(self, text); },
    [=](error_atom, const std::string& text, int64_t line) {
      print_error(self, text, line);
    },
    [=](json_atom, bool on) { self->state.json = on; },
    // Through the session, so that stats come after the orders sent before.
    // Counted as outstanding like orders: the end of input waits for them.
    [=](stats_atom) { ask_stats(self); },
    [=](nodes_atom, const peers_actor& peers) { ask_nodes(self, peers); },
    [=](drain_atom) { return drain(self); },
  };
}

// Runs a bench to its end: its JSON line, or false and the error's text.
bool run_bench(caf::actor_system& sys, order_desk_actor desk,
               const bench_command& cmd, const repl_options& opts,
               std::string& out) {
  std::optional<bench_desk> own;
  double scale = opts.latency_scale;
  if (cmd.latency_scale) {
    if (!opts.make_bench_desk) {
      out = "bench latency-scale=X needs the services in this process "
            "(role=single); set the latencies on the services nodes instead";
      return false;
    }
    scale = *cmd.latency_scale;
    own = opts.make_bench_desk(scale);
    desk = own->desk;
  }
  auto driver = spawn_bench(sys, desk, cmd, scale, opts.order_timeout);
  bool ok = false;
  caf::scoped_actor self{sys};
  self->request(driver, caf::infinite, run_atom::value)
    .receive(
      [&](bench_report& rep) {
        out = bench_json(rep);
        ok = true;
      },
      [&](caf::error& err) { out = "bench failed: " + error_text(err); });
  if (own)
    own->stop();
  return ok;
}

// Carries out one command of input line `line`; false for `quit`.
struct runner {
  caf::actor_system& sys;
  const caf::actor& out; // the session
  const order_desk_actor& desk;
  const repl_options& opts;
  int64_t line;

  void say(std::string text) const {
    caf::anon_send(out, print_atom::value, std::move(text));
  }

  bool operator()(const blank_command&) const { return true; }

  bool operator()(order_command& o) const {
    order_submission sub;
    sub.kind = o.kind;
    sub.request = std::move(o.input.request);
    sub.idempotency_key = std::move(o.input.idempotency_key);
    sub.order_key = "line:" + std::to_string(line);
    if (o.send)
      caf::anon_send(out, send_atom::value, line, std::move(sub));
    else
      caf::anon_send(out, submit_atom::value, line, std::move(sub));
    return true;
  }

  bool operator()(const get_command& g) const {
    caf::anon_send(out, get_atom::value, line, g.order_id, g.trace);
    return true;
  }

  bool operator()(const bench_command& b) const {
    std::string report;
    if (run_bench(sys, desk, b, opts, report))
      say(std::move(report));
    else
      caf::anon_send(out, error_atom::value, std::move(report), line);
    return true;
  }

  bool operator()(const json_command& j) const {
    caf::anon_send(out, json_atom::value, j.on);
    return true;
  }

  bool operator()(simple_command s) const {
    switch (s) {
      case simple_command::quit:
        return false;
      case simple_command::stats:
        caf::anon_send(out, stats_atom::value);
        break;
      case simple_command::nodes:
        caf::anon_send(out, nodes_atom::value, opts.peers);
        break;
      case simple_command::help:
        say(opts.interactive ? help_text() : help_json());
        break;
    }
    return true;
  }
};

// Waits for every order still in flight, then lets the session go. Each of
// the session's requests has a timeout; after a signal the wait is also
// bounded by the drain timeout. The exit status (run_repl()).
int drain_session(caf::actor_system& sys, const caf::actor& out,
                  const repl_options& opts) {
  bool interrupted = opts.interrupted != nullptr && opts.interrupted->load();
  int64_t errors = 0;
  bool drained = false;
  caf::scoped_actor self{sys};
  // Without a signal: longer than any order can take.
  auto bound
    = interrupted ? opts.drain_timeout : caf::timespan{std::chrono::hours(24)};
  self->request(out, bound, drain_atom::value)
    .receive(
      [&](int64_t n) {
        errors = n;
        drained = true;
      },
      [&](caf::error&) {});
  if (!drained)
    node_log().warn("drain timeout: orders still in flight are not answered");
  caf::anon_send_exit(out, caf::exit_reason::user_shutdown);
  if (!drained)
    return 1;
  return opts.interactive || errors == 0 ? 0 : 1;
}

} // namespace

int run_repl(caf::actor_system& sys, order_desk_actor desk, line_reader& input,
             const repl_options& opts) {
  auto out = sys.spawn<caf::detached>(session, opts.out, opts.json_results,
                                      desk, opts.order_timeout);
  auto error = [&](std::string text, int64_t line) {
    caf::anon_send(out, error_atom::value, std::move(text), line);
  };
  if (opts.interactive) // before the first prompt, nothing else prints yet
    opts.out->print("order-node: type 'help' for commands, 'quit' or Ctrl-D "
                    "to leave");
  while (auto line = input.next()) {
    if (line->too_long) {
      error("line is longer than " + std::to_string(max_line_bytes) + " bytes",
            line->number);
      continue;
    }
    auto cmd = parse_command(line->text);
    if (!cmd) {
      error(error_text(cmd.error()), line->number);
      continue;
    }
    if (!std::visit(runner{sys, out, desk, opts, line->number}, *cmd))
      break;
  }
  opts.out->release(); // no prompt any more: results print as they come
  return drain_session(sys, out, opts);
}

} // namespace order_node
