// node/app/options.cpp — the option table (node_config's constructor,
// in parts: the order of the parts and of their options is --help's) and
// the help texts made from it.
#include "node/app/config.hpp"

#include <caf/config_option_adder.hpp>

#include "messages/registry.hpp"
#include "node/app/option_names.hpp"
#include "node/repl/output.hpp"

namespace order_node {

node_config::node_config() {
  register_types(*this);
  // CAF's default work stealing pushes new jobs to the front of a worker's
  // queue; under the order pipeline's bursts that starves older actors (we
  // measured orders waiting past their 1 s deadline at latency 0 with one
  // thread). The shared FIFO queue is fair and, on 2 cores, also faster:
  // docs/performance.md. --scheduler.policy=stealing restores CAF's default.
  set("scheduler.policy", caf::atom("sharing"));
  // An actor hands its thread on after 64 messages (CAF's default: never
  // while its mailbox has any). When 1,000 or 10,000 orders arrive at once,
  // the router and the desks then pass them on in slices, the desks' first
  // calls leave while later orders are still queued, and the services
  // answer the first orders sooner: in four pairs at 1,000 in flight, p99
  // 152.4-154.7 ms against 154.2-155.3 (docs/performance.md).
  set("scheduler.max-throughput", 64);
  add_general_options();
  add_log_options();
  add_cluster_options();
  add_order_options();
  add_service_options();
}

// The everyday options, global: --seed, --role, --http, ...
void node_config::add_general_options() {
  opt_group{custom_options_, "global"}
    .add(seed, "seed",
         "seed of every simulated outcome and order id (default: random, "
         "logged at startup)")
    .add(deadline, "deadline", "time an order may take (default: 1s)")
    .add(max_attempts, "max-attempts",
         "tries per service call; 1 = no retries, as the tutorial "
         "(default: 3)")
    .add(latency_scale, "latency-scale",
         "multiplies every service latency; 0 = answer at once (default: 1)")
    .add(log_level, "log-level",
         "trace, debug, info, warn, error or off (default: info)")
    .add(journal, "journal",
         "single/front: the journal's file (SQLite, created if missing) or "
         "a PostgreSQL URI (postgresql://... or postgres://...) that several "
         "fronts share: every accepted order, its replies and its decision, "
         "so that orders survive a crash and resume at the next start (or "
         "on another front); 'off': none (default: order-node.journal in "
         "the working directory)")
    .add(idempotency_retention, "idempotency-retention",
         "how long the result of an idempotency key is kept and returned "
         "for a repeated key, across restarts with a journal (default: 24h)")
    .add(metrics, "metrics",
         "'off': do not count orders and calls per status and instance (the "
         "REPL's stats, GET /metrics stay at zero), which saves that work "
         "per order (default: on)")
    .add(http, "http",
         "HTTP ingress address HOST:PORT, port 0 picks a free one, 'off' "
         "disables it (default: 127.0.0.1:9080)")
    .add(engine, "engine",
         "'actor': one actor per order, which sends its six requests at once "
         "with request().then (the design card's shape); 'batched': orders "
         "as state machines inside the desk, their calls sent as one batch "
         "per service instance: 2.3x fewer instructions an order, for loads "
         "beyond the actor engine's ceiling (about 6,000 orders in flight at "
         "the tutorial's latencies on 2 cores, docs/performance.md) "
         "(default: actor)")
    .add(repl, "repl",
         "'off': do not read commands from stdin, serve until SIGTERM or "
         "SIGINT (default: on)")
    .add(role, "role",
         "single (everything in one process), services (hosts service "
         "instances), front (desk, REPL, HTTP; uses services peers) or client "
         "(a REPL for a remote front) (default: single)")
    .add(listen, "listen",
         "services/front: HOST:PORT to publish this node on; a bare PORT "
         "means 127.0.0.1:PORT, port 0 picks a free one (logged) (required "
         "for services)")
    .add(peers, "peers", "front: the services nodes, HOST:PORT,HOST:PORT,...")
    .add(hosts, "hosts",
         "services: the instances to host, e.g. "
         "warehouse:Main,payment,carrier:Standard (default: all)")
    .add(connect, "connect", "client: the front's --listen address HOST:PORT")
    .add(tls_cert, "tls-cert",
         "PEM certificate of this node: with --tls-key and --tls-ca, nodes "
         "talk TLS and accept only peers signed by the CA")
    .add(tls_key, "tls-key", "PEM private key of --tls-cert")
    .add(tls_ca, "tls-ca", "PEM certificate of the CA that signs the nodes");
}

// Where the logs, the journal and the payment ledger go.
void node_config::add_log_options() {
  opt_group{custom_options_, "log"}
    .add(log_output_format, "format",
         "text: `TIME LEVEL [room: ]message` lines; json: one JSON object a "
         "line with time, level, logger and message (default: text)")
    .add(log_file, "file",
         "write the logs to this file instead of stderr; when it is full "
         "it becomes PATH.1 (before the extension: node.log, node.1.log), "
         "PATH.1 becomes PATH.2, ... (default: stderr)")
    .add(log_file_size, "file-size",
         "with --log.file: the size at which the file rotates, in bytes or "
         "with KiB, MiB or GiB, from 64KiB (default: 100MiB)")
    .add(log_file_count, "file-count",
         "with --log.file: rotated files kept beside the current one, 0 to "
         "100 (default: 5)");
  opt_group{custom_options_, "journal"}
    .add(journal_sync, "sync",
         "full: a commit survives power loss; normal: a crash of the "
         "process, not of the machine; off: nothing (benchmarks); the "
         "payment ledger's too (files only) (default: full)")
    .add(journal_lease, "lease",
         "on a database: how long a front owns a partition without renewing "
         "it (it renews every 500ms); a front frozen or cut off this long "
         "loses its partitions to the others (default: 3s)")
    .add(journal_partitions, "partitions",
         "on a database: the partitions of a new journal, 1 to 4096; an "
         "existing one keeps its own (default: 64)");
  opt_group{custom_options_, "payment"}.add(
    payment_ledger, "ledger",
    "single/services hosting payment: the simulated gateway's own ledger "
    "(an SQLite file, or a PostgreSQL URI that every payment instance "
    "shares): the first answer of every authorization key, so that an "
    "order's payment is authorized at most once across restarts; 'off': "
    "none (default: beside the journal, order-node.ledger for "
    "order-node.journal; the journal's database for a URI; none with "
    "--journal=off)");
}

// The cluster's connections and the HTTP ingress.
void node_config::add_cluster_options() {
  opt_group{custom_options_, "cluster"}
    .add(heartbeat_interval, "heartbeat-interval",
         "front/client: how often each peer is pinged (default: 500ms)")
    .add(heartbeat_timeout, "heartbeat-timeout",
         "a peer silent this long is down and routed around; it is suspect "
         "after two silent intervals (default: 3s)")
    .add(connect_timeout, "connect-timeout",
         "bound of one connection attempt, handshake included (default: 2s)")
    .add(reconnect_max, "reconnect-max",
         "reconnect attempts back off from 100ms, doubling up to this "
         "(default: 2s)");
  opt_group{custom_options_, "http"}
    .add(http_tls_cert, "tls-cert",
         "PEM certificate (chain) of the HTTP ingress: with --http.tls-key "
         "it speaks HTTPS only")
    .add(http_tls_key, "tls-key", "PEM private key of --http.tls-cert")
    .add(http_token_file, "token-file",
         "a file holding a bearer token: every HTTP route but /health and "
         "the console's page needs 'Authorization: Bearer TOKEN' (401 "
         "otherwise)")
    .add(http_insecure, "insecure",
         "let --http listen beyond loopback without TLS or a token (anyone "
         "who reaches the port can place orders) (default: false)");
  opt_group{custom_options_, "ingress"}
    .add(idle_timeout, "idle-timeout",
         "an HTTP client that sends or reads nothing for this long is cut "
         "(default: 30s)")
    .add(io_threads, "io-threads",
         "threads serving HTTP connections; 0 = one per core, at most 8 "
         "(default: 0)")
    .add(drain_timeout, "drain-timeout",
         "on SIGTERM/SIGINT, how long in-flight HTTP orders may take to "
         "finish (default: 10s)");
}

// An order's retries and the desk.
void node_config::add_order_options() {
  opt_group{custom_options_, "order"}
    .add(backoff, "backoff",
         "wait before the first retry, doubled per retry (default: 10ms)")
    .add(fastship, "fastship",
         "also ask the FastShip carrier for a quote (default: false)");
  opt_group{custom_options_, "desk"}
    .add(max_in_flight, "max-in-flight",
         "orders in flight before the desk answers 'overloaded' "
         "(default: 100000)")
    .add(dedup_capacity, "dedup-capacity",
         "with --journal=off: idempotency keys of finished orders kept in "
         "memory, at most (the node's; with a journal, the journal keeps "
         "them) (default: 100000)")
    .add(desk_shards, "shards",
         "desks sharing the orders, so that they run on every core; 0 = one "
         "per scheduler thread (default: 0)");
}

// The simulated services.
void node_config::add_service_options() {
  opt_group{custom_options_, "services"}.add(
    timer_resolution, "timer-resolution",
    "replies due within one tick share a timer (default: 100us)");
  opt_group{custom_options_, "services.warehouse"}
    .add(warehouse.latency, "latency", "latency (default: 80ms)")
    .add(warehouse.error_rate, "error-rate",
         "share of transient errors (default: 0.05)")
    .add(warehouse.available_rate, "available-rate",
         "share of answers 'available' (default: 0.8)");
  opt_group{custom_options_, "services.payment"}
    .add(payment.latency, "latency", "latency (default: 120ms)")
    .add(payment.error_rate, "error-rate",
         "share of transient errors (default: 0.02)")
    .add(payment.authorized_rate, "authorized-rate",
         "share of answers 'authorized' (default: 0.95)");
  opt_group{custom_options_, "services.fraud"}
    .add(fraud.latency, "latency", "latency (default: 150ms)")
    .add(fraud.error_rate, "error-rate",
         "share of transient errors (default: 0)")
    .add(fraud.high_risk_rate, "high-risk-rate",
         "share of risk scores drawn from 50..100 (default: 0.1)");
  opt_group{custom_options_, "services.carrier"}
    .add(carrier.latency, "latency", "latency (default: 100ms)")
    .add(carrier.error_rate, "error-rate",
         "share of transient errors (default: 0)");
}

std::string node_config::long_usage() const {
  // CAF describes its own --config-file with its own default file name.
  auto out = custom_options_.help_text(false);
  std::string from = "caf-application.ini";
  for (auto i = out.find(from); i != std::string::npos; i = out.find(from))
    out.replace(i, from.size(), default_config_file);
  return out;
}

namespace {

// The option groups CAF itself adds (actor_system_config, the middleman,
// caf-openssl): listed by --long-help only. CAF's `logger.*` options are
// accepted but do nothing: Debian's CAF is built without its logger
// (CAF_LOG_LEVEL_QUIET); order-node logs with --log-level and --log.*.
bool caf_category(const std::string& cat) {
  for (auto x : {"stream", "scheduler", "work-stealing", "logger", "middleman",
                 "openssl", "opencl"})
    if (cat == x)
      return true;
  return false;
}

// CAF's own options in the global group: --help's head names them.
bool caf_global(const std::string& name) {
  return name == "help" || name == "long-help" || name == "dump-config"
         || name == "config-file";
}

// `  --NAME=<TYPE>` padded to the description's column, then the text.
void append_option(std::string& out, std::string flag,
                   const std::string& text) {
  flag.insert(0, "  ");
  if (flag.size() < 44)
    flag.resize(44, ' ');
  else
    flag += "\n" + std::string(44, ' ');
  out += flag;
  out += text;
  out += '\n';
}

} // namespace

std::string node_config::usage() const {
  std::string out
    = "Usage: order-node [--option=value ...]\n"
      "       order-node journal list|show|trace ... (reads a journal without\n"
      "       starting a node on it: order-node journal --help)\n"
      "Serves orders over HTTP (--http; docs/http.md) and reads commands from\n"
      "stdin (--repl): a terminal gets a prompt, a pipe or file runs as a\n"
      "script with one JSON line per result on stdout (docs/repl.md). Logs go\n"
      "to stderr (or --log.file). Clusters (--role=services|front|client):\n"
      "docs/cluster.md. As a system service: README.md, \"Install as a\n"
      "service\".\n"
      "\ncommands (stdin):\n";
  std::string commands = help_text();
  for (size_t start = 0; start < commands.size();) {
    auto end = commands.find('\n', start);
    if (end == std::string::npos)
      end = commands.size();
    out += "  " + commands.substr(start, end - start) + '\n';
    start = end + 1;
  }
  out += "\nprogram:\n";
  append_option(out, "--help", "this text, then exit");
  append_option(out, "--long-help",
                "also CAF's own options (scheduler, middleman, openssl, ...; "
                "its logger.* options do nothing here), then exit");
  append_option(out, "--version",
                "the version and, built from git, the commit; then exit");
  append_option(out, "--config-file=<path>",
                "read options from this file, in CAF's format, before the "
                "command line (default: order-node.ini in the working "
                "directory, if there is one)");
  append_option(out, "--dump-config", "print the effective options, then exit");
  std::string group = "-";
  for (auto& opt : custom_options_) {
    auto cat = to_std(opt.category());
    auto name = to_std(opt.long_name());
    if (caf_category(cat) || (cat == "global" && caf_global(name)))
      continue;
    if (cat != group) {
      group = cat;
      out += "\n" + (cat == "global" ? std::string{"general"} : cat) + ":\n";
    }
    append_option(out,
                  "--" + option_key(opt) + "=<" + to_std(opt.type_name()) + ">",
                  to_std(opt.description()));
  }
  return out;
}

} // namespace order_node
