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
  bool json = true; // results as JSON lines, or result_text()
  int64_t outstanding = 0;
  int64_t errors = 0; // input lines that got an error, not a result
  std::vector<caf::response_promise> drained; // answered when outstanding = 0
  static constexpr const char* name = "repl_session";
};

using session_ptr = caf::stateful_actor<session_state>*;

void print_error(session_ptr self, const std::string& text, int64_t line) {
  auto& st = self->state;
  ++st.errors;
  st.out->print(st.json ? error_line(text, line) : error_text_line(text, line));
}

caf::behavior session(session_ptr self, std::shared_ptr<output_lines> out,
                      bool json, const order_desk_actor& desk,
                      caf::timespan timeout) {
  self->state.out = std::move(out);
  self->state.json = json;
  auto finished = [self] {
    auto& st = self->state;
    if (--st.outstanding == 0) {
      for (auto& rp : st.drained)
        rp.deliver(st.errors);
      st.drained.clear();
    }
  };
  auto print
    = [self](const std::string& line) { self->state.out->print(line); };
  return {
    [=](submit_atom, int64_t line, order_submission& sub) {
      ++self->state.outstanding;
      self->request(desk, timeout, submit_atom::value, std::move(sub))
        .then(
          [=](order_result& r) {
            auto& st = self->state;
            if (r.status == order_status::overloaded) // not accepted
              ++st.errors;
            print(st.json ? to_json(r, line) : result_text(r));
            finished();
          },
          [=](caf::error& err) {
            print_error(self, error_text(err), line);
            finished();
          });
    },
    [=](send_atom, int64_t line, order_submission& sub) {
      ++self->state.outstanding;
      self->request(desk, timeout, send_atom::value, std::move(sub))
        .then(
          [=](order_accepted& a) {
            auto& st = self->state;
            print(st.json ? accepted_json(a, line) : accepted_text(a));
            finished();
          },
          [=](caf::error& err) {
            print_error(self, error_text(err), line);
            finished();
          });
    },
    [=](get_atom, int64_t line, std::string& id, bool trace) {
      ++self->state.outstanding;
      self->request(desk, timeout, get_atom::value, id)
        .then(
          [=](journal_lookup& l) {
            auto& st = self->state;
            if (!l.found)
              print_error(self, "no order " + id, line);
            else if (l.decided && trace)
              print(st.json ? trace_json(l.result, line)
                            : trace_text(l.result));
            else if (l.decided)
              print(st.json ? to_json(l.result, line) : result_text(l.result));
            else
              print(st.json ? running_json(id, line) : id + " running");
            finished();
          },
          [=](caf::error& err) {
            print_error(self, error_text(err), line);
            finished();
          });
    },
    [=](print_atom, const std::string& text) { print(text); },
    [=](error_atom, const std::string& text, int64_t line) {
      print_error(self, text, line);
    },
    [=](json_atom, bool on) { self->state.json = on; },
    // Through the session, so that stats come after the orders sent before.
    // Counted as outstanding like orders: the end of input waits for them.
    [=](stats_atom) {
      ++self->state.outstanding;
      self->request(desk, std::chrono::seconds(10), stats_atom::value)
        .then(
          [=](desk_stats& st) {
            print(stats_json(st));
            finished();
          },
          [=](caf::error& err) {
            print_error(self, "stats failed: " + error_text(err), 0);
            finished();
          });
    },
    [=](nodes_atom, const peers_actor& peers) {
      if (!peers) {
        print(nodes_json({}));
        return;
      }
      ++self->state.outstanding;
      self->request(peers, std::chrono::seconds(10), nodes_atom::value)
        .then(
          [=](std::vector<peer_info>& xs) {
            print(nodes_json(xs));
            finished();
          },
          [=](caf::error& err) {
            print_error(self, "nodes failed: " + error_text(err), 0);
            finished();
          });
    },
    // Answers the number of error lines once nothing is outstanding.
    [=](drain_atom) -> caf::result<int64_t> {
      auto& st = self->state;
      if (st.outstanding == 0)
        return st.errors;
      auto rp = self->make_response_promise();
      st.drained.push_back(rp);
      return rp;
    },
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

} // namespace

int run_repl(caf::actor_system& sys, order_desk_actor desk, line_reader& input,
             const repl_options& opts) {
  auto out = sys.spawn<caf::detached>(session, opts.out, opts.json_results,
                                      desk, opts.order_timeout);
  auto say = [&](std::string line) {
    caf::anon_send(out, print_atom::value, std::move(line));
  };
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
    if (auto* o = std::get_if<order_command>(&*cmd)) {
      order_submission sub;
      sub.kind = o->kind;
      sub.request = std::move(o->input.request);
      sub.idempotency_key = std::move(o->input.idempotency_key);
      sub.order_key = "line:" + std::to_string(line->number);
      if (o->send)
        caf::anon_send(out, send_atom::value, line->number, std::move(sub));
      else
        caf::anon_send(out, submit_atom::value, line->number, std::move(sub));
    } else if (auto* g = std::get_if<get_command>(&*cmd)) {
      caf::anon_send(out, get_atom::value, line->number, g->order_id, g->trace);
    } else if (auto* b = std::get_if<bench_command>(&*cmd)) {
      std::string report;
      if (run_bench(sys, desk, *b, opts, report))
        say(std::move(report));
      else
        error(std::move(report), line->number);
    } else if (auto* j = std::get_if<json_command>(&*cmd)) {
      caf::anon_send(out, json_atom::value, j->on);
    } else if (auto* s = std::get_if<simple_command>(&*cmd)) {
      if (*s == simple_command::quit)
        break;
      if (*s == simple_command::stats)
        caf::anon_send(out, stats_atom::value);
      else if (*s == simple_command::nodes)
        caf::anon_send(out, nodes_atom::value, opts.peers);
      else
        say(opts.interactive ? help_text() : help_json());
    }
  }
  opts.out->release(); // no prompt any more: results print as they come
  // Wait for every order still in flight, then let the session go. Each of
  // the session's requests has a timeout; after a signal the wait is also
  // bounded by the drain timeout.
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

} // namespace order_node
