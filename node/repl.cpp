// node/repl.cpp — see repl.hpp. Output goes through one detached actor (the
// session), which owns stdout: order results, error lines and reports never
// interleave within a line, and a blocked stdout blocks no scheduler thread.
#include "node/repl.hpp"

#include <cstdio>
#include <variant>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "node/bench.hpp"
#include "node/output.hpp"

namespace order_node {

namespace {

using print_atom = caf::atom_constant<caf::atom("print")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;

struct session_state {
  int64_t outstanding = 0;
  std::vector<caf::response_promise> drained; // answered when outstanding = 0
  static constexpr const char* name = "repl_session";
};

void print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

caf::behavior session(caf::stateful_actor<session_state>* self,
                      const order_desk_actor& desk, caf::timespan timeout) {
  auto finished = [self] {
    auto& st = self->state;
    if (--st.outstanding == 0) {
      for (auto& rp : st.drained)
        rp.deliver(true);
      st.drained.clear();
    }
  };
  return {
    [=](submit_atom, int64_t line, order_submission& sub) {
      ++self->state.outstanding;
      self->request(desk, timeout, submit_atom::value, std::move(sub))
        .then(
          [=](order_result& r) {
            print(to_json(r, line));
            finished();
          },
          [=](caf::error& err) {
            print(error_line(error_text(err), line));
            finished();
          });
    },
    [=](print_atom, const std::string& text) { print(text); },
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
            print(error_line("stats failed: " + error_text(err), 0));
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
            print(error_line("nodes failed: " + error_text(err), 0));
            finished();
          });
    },
    [=](drain_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.outstanding == 0)
        return true;
      auto rp = self->make_response_promise();
      st.drained.push_back(rp);
      return rp;
    },
  };
}

// Runs a bench to its end and returns its JSON line.
std::string run_bench(caf::actor_system& sys, order_desk_actor desk,
                      const bench_command& cmd, const repl_options& opts,
                      int64_t line) {
  std::optional<pipeline> own;
  double scale = opts.latency_scale;
  if (cmd.latency_scale) {
    if (!opts.make_bench_pipeline)
      return error_line("bench latency-scale=X needs the services in this "
                        "process (role=single); set the latencies on the "
                        "services nodes instead",
                        line);
    scale = *cmd.latency_scale;
    own = opts.make_bench_pipeline(scale);
    desk = own->desk;
  }
  auto driver = spawn_bench(sys, desk, cmd, scale, opts.order_timeout);
  std::string out;
  caf::scoped_actor self{sys};
  self->request(driver, caf::infinite, run_atom::value)
    .receive([&](bench_report& rep) { out = bench_json(rep); },
             [&](caf::error& err) {
               out = error_line("bench failed: " + error_text(err), line);
             });
  if (own)
    stop_pipeline(*own);
  return out;
}

} // namespace

int run_repl(caf::actor_system& sys, order_desk_actor desk, line_reader& input,
             const repl_options& opts) {
  auto out = sys.spawn<caf::detached>(session, desk, opts.order_timeout);
  auto say = [&](std::string line) {
    caf::anon_send(out, print_atom::value, std::move(line));
  };
  if (opts.interactive) // before the first prompt, nothing else prints yet
    print("order-node: type 'help' for commands, 'quit' or Ctrl-D to leave");
  while (auto line = input.next()) {
    if (line->too_long) {
      say(error_line("line is longer than " + std::to_string(max_line_bytes)
                       + " bytes",
                     line->number));
      continue;
    }
    auto cmd = parse_command(line->text);
    if (!cmd) {
      say(error_line(error_text(cmd.error()), line->number));
      continue;
    }
    if (auto* o = std::get_if<order_command>(&*cmd)) {
      order_submission sub;
      sub.kind = o->kind;
      sub.request = std::move(o->input.request);
      sub.idempotency_key = std::move(o->input.idempotency_key);
      sub.order_key = "line:" + std::to_string(line->number);
      caf::anon_send(out, submit_atom::value, line->number, std::move(sub));
    } else if (auto* b = std::get_if<bench_command>(&*cmd)) {
      say(run_bench(sys, desk, *b, opts, line->number));
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
  // Wait for every order still in flight, then let the session go. Bounded:
  // each of the session's requests has a timeout.
  caf::scoped_actor self{sys};
  self->request(out, caf::infinite, drain_atom::value)
    .receive([](bool) {}, [](caf::error&) {});
  caf::anon_send_exit(out, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace order_node
