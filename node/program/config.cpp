// node/program/config.cpp — see config.hpp.
#include "node/program/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>

#include <caf/config_option_adder.hpp>
#include <caf/config_value.hpp>
#include <caf/defaults.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "actors/cluster/address.hpp"
#include "messages/registry.hpp"
#include "node/base/text.hpp"
#include "node/repl/output.hpp"

namespace order_node {

namespace {

std::string rate_error(const char* name, double x) {
  if (!(x >= 0.0 && x <= 1.0))
    return std::string{name} + " must be from 0 to 1, got " + std::to_string(x);
  return {};
}

// "100MiB", "512KiB", "1GiB" or a number of bytes; false if not one.
bool parse_bytes(const std::string& text, uint64_t& out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 12)
    return false;
  auto unit = text.substr(digits);
  uint64_t scale = 1;
  if (unit == "KiB")
    scale = uint64_t{1} << 10;
  else if (unit == "MiB")
    scale = uint64_t{1} << 20;
  else if (unit == "GiB")
    scale = uint64_t{1} << 30;
  else if (!unit.empty() && unit != "B")
    return false;
  out = std::stoull(text.substr(0, digits)) * scale;
  return true;
}

} // namespace

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
         "single/front: the journal's file (SQLite, created if missing): "
         "every accepted order, its replies and its decision, so that orders "
         "survive a crash and resume at the next start; 'off': none "
         "(default: order-node.journal in the working directory)")
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
  opt_group{custom_options_, "journal"}.add(
    journal_sync, "sync",
    "full: a commit survives power loss; normal: a crash of the "
    "process, not of the machine; off: nothing (benchmarks); the payment "
    "ledger's too (default: full)");
  opt_group{custom_options_, "payment"}.add(
    payment_ledger, "ledger",
    "single/services hosting payment: the simulated gateway's own ledger "
    "(SQLite): the first answer of every authorization key, so that an "
    "order's payment is authorized at most once across restarts; 'off': "
    "none (default: beside the journal, order-node.ledger for "
    "order-node.journal; none with --journal=off)");
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

namespace {

// A key of a config file and the line it is on.
struct ini_key {
  std::string category; // "global" for keys before any [category]
  std::string name;
  std::string value; // as written
  size_t line = 0;
};

// The keys of a config file in CAF's INI format: `[category]` lines and
// `name = value` lines; ';' outside a quoted string starts a comment. Lines
// of another shape (the rest of a multi-line list) are skipped: CAF's own
// parser has already accepted the file.
std::vector<ini_key> scan_ini(const std::string& text) {
  std::vector<ini_key> out;
  std::string category = "global";
  std::istringstream in{text};
  std::string raw;
  for (size_t line = 1; std::getline(in, raw); ++line) {
    bool quoted = false;
    size_t end = 0;
    for (; end < raw.size(); ++end) {
      if (raw[end] == '"')
        quoted = !quoted;
      else if (raw[end] == ';' && !quoted)
        break;
    }
    auto x = trim(std::string_view{raw}.substr(0, end));
    if (x.size() > 2 && x.front() == '[' && x.back() == ']') {
      category = std::string{trim(x.substr(1, x.size() - 2))};
      continue;
    }
    auto eq = x.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto name = trim(x.substr(0, eq));
    if (name.empty()
        || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
             != std::string_view::npos)
      continue;
    out.push_back(ini_key{category, std::string{name},
                          std::string{trim(x.substr(eq + 1))}, line});
  }
  return out;
}

// The value CAF's INI parser kept for `key`, or null. A [a.b] section is
// nested in the settings (a { b { ... } }).
const caf::config_value* parsed_value(const caf::settings& xs,
                                      const ini_key& key) {
  if (key.category == "global")
    return caf::get_if(&xs, key.name);
  return caf::get_if(&xs, key.category + "." + key.name);
}

std::string to_std(caf::string_view x) {
  return std::string{x.begin(), x.end()};
}

// CAF's name of an option's type as a user reads it: "an integer" rather
// than "a int32".
std::string type_words(caf::string_view type) {
  auto t = to_std(type);
  if (t.rfind("int", 0) == 0 || t.rfind("uint", 0) == 0)
    return "an integer";
  if (t.rfind("real", 0) == 0)
    return "a number";
  if (t == "timespan")
    return "a duration (e.g. 500ms, 2s, 1min)";
  if (t == "boolean")
    return "true or false";
  return "a " + t;
}

// "--NAME" followed by `parts`: a sentence about a command-line option.
template <class... Ts>
std::string option_error(const std::string& name, const Ts&... parts) {
  std::string out = "--";
  out += name;
  (out += ... += parts);
  return out;
}

} // namespace

std::string node_config::check_config_file(const std::string& path,
                                           const std::string& text) {
  caf::settings parsed;
  std::istringstream in{text};
  if (auto err = parse_config(in, custom_options_, parsed)) {
    std::string where = path;
    auto& ctx = err.context();
    if (ctx.match_elements<size_t, size_t>())
      where += ":" + std::to_string(ctx.get_as<size_t>(0)) + ":"
               + std::to_string(ctx.get_as<size_t>(1));
    std::string what = err.category() == caf::atom("parser")
                         ? to_string(static_cast<caf::pec>(err.code()))
                         : render(err);
    std::replace(what.begin(), what.end(), '_', ' ');
    return where + ": malformed config file (" + what + ")";
  }
  for (auto& key : scan_ini(text)) {
    auto where = path + ":" + std::to_string(key.line) + ": ";
    auto* opt = custom_options_.qualified_name_lookup(key.category, key.name);
    if (opt == nullptr)
      return where + "unknown option '" + key.name + "'"
             + (key.category == "global" ? "" : " in [" + key.category + "]");
    // CAF's parser drops a value of the wrong type with a warning nobody
    // sees: a known key it did not keep is such a value.
    auto* value = parsed_value(parsed, key);
    if (value == nullptr || opt->check(*value))
      return where + key.name + " must be " + type_words(opt->type_name())
             + ", got " + key.value;
    // CAF itself stores only keys of one-level sections: a [a.b] section
    // reaches it as nested maps and would be ignored. The command line,
    // parsed after, still overrides.
    opt->store(*value);
  }
  return {};
}

std::string node_config::read_options(int argc, char** argv) {
  std::vector<std::string> cli;
  std::vector<const caf::config_option*> set_false;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() <= 2 || arg.rfind("--", 0) != 0)
      return "unexpected argument '" + arg + "' (options are --name=value)";
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::optional<std::string> value;
    if (eq != std::string::npos)
      value = arg.substr(eq + 1);
    if (name == "config-file") {
      if (!value || value->empty())
        return "--config-file needs a path (--config-file=PATH)";
      file = *value;
      continue;
    }
    auto* opt = custom_options_.cli_long_name_lookup(name);
    if (opt == nullptr)
      return "unknown option --" + name;
    if (opt->is_flag()) { // CAF takes only the bare --name for true
      if (!value || *value == "true")
        cli.push_back("--" + name);
      else if (*value == "false")
        set_false.push_back(opt);
      else
        return option_error(name, " is true or false, got '", *value, "'");
      continue;
    }
    auto type = to_std(opt->type_name());
    if (!value)
      return option_error(name, " needs a value (--", name, "=<", type, ">)");
    if (!opt->parse(*value))
      return option_error(name, " must be ", type_words(opt->type_name()),
                          ", got '", *value, "'");
    cli.push_back(std::move(arg));
  }
  struct stat st;
  if (file.empty() && ::stat(default_config_file, &st) == 0)
    file = default_config_file;
  std::string text;
  if (!file.empty()) {
    if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return "cannot read config file " + file + ": it is a directory";
    std::ifstream f{file};
    if (!f)
      return "cannot read config file " + file + ": " + std::strerror(errno);
    std::ostringstream buf;
    buf << f.rdbuf();
    text = buf.str();
    if (auto problem = check_config_file(file, text); !problem.empty())
      return problem;
  }
  std::istringstream ini{text};
  if (auto err = parse(std::move(cli), ini))
    return render(err);
  for (auto* opt : set_false) {
    opt->store(caf::config_value{false});
    auto category = to_std(opt->category());
    auto name = to_std(opt->long_name());
    if (category != "global")
      name.insert(0, category + ".");
    caf::put(content, name, false);
  }
  return {};
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
    std::string flag = "--";
    if (cat != "global")
      flag.append(cat).append(".");
    flag.append(name).append("=<").append(to_std(opt.type_name())).append(">");
    append_option(out, flag, to_std(opt.description()));
  }
  return out;
}

bool node_config::seed_given() const {
  return caf::get_if(&content, "seed") != nullptr
         || caf::get_if(&content, "global.seed") != nullptr;
}

std::string node_config::check() const {
  if (seed < 0)
    return "seed must be from 0 to 9223372036854775807";
  if (deadline.count() <= 0 || deadline > std::chrono::hours(1))
    return "deadline must be greater than 0 and at most 1h";
  if (max_attempts < 1 || max_attempts > 10)
    return "max-attempts must be from 1 to 10, got "
           + std::to_string(max_attempts);
  if (!std::isfinite(latency_scale) || latency_scale < 0
      || latency_scale > 1000)
    return "latency-scale must be from 0 to 1000, got "
           + std::to_string(latency_scale);
  static constexpr const char* levels[]
    = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (auto l : levels)
    level_ok = level_ok || log_level == l;
  if (!level_ok)
    return "log-level must be one of trace, debug, info, warn, error, off, "
           "got '"
           + log_level + "'";
  if (log_format f; !parse_log_format(log_output_format, f))
    return "log.format must be text or json, got '" + log_output_format + "'";
  if (uint64_t bytes = 0; !parse_bytes(log_file_size, bytes)
                          || bytes < (uint64_t{64} << 10)
                          || bytes > (uint64_t{1} << 40))
    return "log.file-size must be from 64KiB to 1024GiB (a number of bytes, "
           "or with KiB, MiB or GiB), got '"
           + log_file_size + "'";
  if (log_file_count < 0 || log_file_count > 100)
    return "log.file-count must be from 0 to 100, got "
           + std::to_string(log_file_count);
  if (http != "off") {
    std::string host;
    uint16_t port = 0;
    if (!parse_host_port(http, host, port))
      return "http must be HOST:PORT or off, got '" + http + "'";
  }
  if (metrics != "on" && metrics != "off")
    return "metrics must be on or off, got '" + metrics + "'";
  if (repl != "on" && repl != "off")
    return "repl must be on or off, got '" + repl + "'";
  if (order_engine e; !from_string(engine, e))
    return "engine must be actor or batched, got '" + engine + "'";
  if (auto problem = check_cluster(); !problem.empty())
    return problem;
  if (auto problem = check_http(); !problem.empty())
    return problem;
  // A front serving --listen (remote clients) needs neither.
  if (repl == "off" && http == "off" && role != "services"
      && !(role == "front" && !listen.empty()))
    return "with repl=off and http=off order-node would have nothing to do";
  if (auto threads = caf::get_or(content, "scheduler.max-threads",
                                 caf::defaults::scheduler::max_threads);
      threads < 1 || threads > 1024)
    return "scheduler.max-threads must be from 1 to 1024, got "
           + std::to_string(threads);
  if (io_threads < 0 || io_threads > 64)
    return "ingress.io-threads must be from 0 to 64";
  if (idle_timeout.count() <= 0 || drain_timeout.count() < 0)
    return "ingress.idle-timeout must be greater than 0 and "
           "ingress.drain-timeout at least 0";
  if (backoff.count() < 0)
    return "order.backoff must not be negative";
  if (max_in_flight < 1 || max_in_flight > 10'000'000)
    return "desk.max-in-flight must be from 1 to 10000000";
  if (idempotency_retention.count() < 0)
    return "idempotency-retention must not be negative";
  if (journal.empty())
    return "journal must be a file or 'off'";
  if (!payment_ledger.empty() && payment_ledger == journal)
    return "payment.ledger must be another file than the journal";
  if (journal_sync != "full" && journal_sync != "normal"
      && journal_sync != "off")
    return "journal.sync must be full, normal or off, got '" + journal_sync
           + "'";
  if (desk_shards < 0 || desk_shards > 64)
    return "desk.shards must be from 0 to 64";
  if (dedup_capacity < 0 || dedup_capacity > 10'000'000)
    return "desk.dedup-capacity must be from 0 to 10000000";
  if (timer_resolution.count() <= 0
      || timer_resolution > std::chrono::milliseconds(100))
    return "services.timer-resolution must be greater than 0 and at most "
           "100ms";
  for (auto l :
       {warehouse.latency, payment.latency, fraud.latency, carrier.latency})
    if (l.count() < 0 || l > std::chrono::hours(1))
      return "service latencies must be from 0 to 1h";
  for (auto [name, x] :
       {std::pair{"services.warehouse.error-rate", warehouse.error_rate},
        std::pair{"services.warehouse.available-rate",
                  warehouse.available_rate},
        std::pair{"services.payment.error-rate", payment.error_rate},
        std::pair{"services.payment.authorized-rate", payment.authorized_rate},
        std::pair{"services.fraud.error-rate", fraud.error_rate},
        std::pair{"services.fraud.high-risk-rate", fraud.high_risk_rate},
        std::pair{"services.carrier.error-rate", carrier.error_rate}})
    if (auto err = rate_error(name, x); !err.empty())
      return err;
  return {};
}

namespace {

bool valid_address(const std::string& text, bool port_zero_ok = false) {
  std::string host;
  uint16_t port = 0;
  return parse_host_port(text, host, port) && (port != 0 || port_zero_ok);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

} // namespace

std::string node_config::listen_address() const {
  if (!listen.empty() && listen.find(':') == std::string::npos)
    return "127.0.0.1:" + listen;
  return listen;
}

std::vector<std::string> node_config::peer_list() const {
  if (role == "client")
    return {connect};
  if (role == "front" && !peers.empty())
    return split_list(peers);
  return {};
}

std::vector<std::string> node_config::host_list() const {
  return hosts.empty() ? std::vector<std::string>{} : split_list(hosts);
}

bool node_config::tls() const {
  return !tls_cert.empty() || !tls_key.empty() || !tls_ca.empty();
}

namespace {

// True for a host only this machine reaches: localhost, 127.0.0.0/8, ::1.
bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"
         || host == "[::1]";
}

} // namespace

std::string node_config::check_http() const {
  if (http_tls_cert.empty() != http_tls_key.empty())
    return "http.tls-cert and http.tls-key go together: give both, or "
           "neither";
  if (http == "off" || role == "client" || role == "services")
    return {};
  std::string host;
  uint16_t port = 0;
  parse_host_port(http, host, port); // checked before
  if (!loopback(host) && http_tls_cert.empty() && http_token_file.empty()
      && !http_insecure)
    return "--http=" + http
           + " listens beyond loopback without TLS or a token: anyone who "
             "reaches it could place orders. Pass --http.tls-cert and "
             "--http.tls-key (HTTPS), --http.token-file (a bearer token), or "
             "both; or --http.insecure to accept that";
  return {};
}

std::string node_config::check_cluster() const {
  if (role != "single" && role != "services" && role != "front"
      && role != "client")
    return "role must be single, services, front or client, got '" + role + "'";
  auto only = [&](const std::string& value, const char* name,
                  std::initializer_list<const char*> roles) -> std::string {
    if (value.empty())
      return {};
    for (auto r : roles)
      if (role == r)
        return {};
    return std::string{name} + " does not apply to role=" + role;
  };
  for (auto problem :
       {only(listen, "listen", {"services", "front"}),
        only(peers, "peers", {"front"}), only(hosts, "hosts", {"services"}),
        only(connect, "connect", {"client"})})
    if (!problem.empty())
      return problem;
  if (role == "services" && listen.empty())
    return "role=services needs --listen=HOST:PORT";
  if (!listen.empty() && !valid_address(listen_address(), true))
    return "listen must be HOST:PORT or PORT (0 picks a free port), got '"
           + listen + "'";
  if (role == "front" && peers.empty())
    return "role=front needs --peers=HOST:PORT,... (the services nodes); "
           "without them every order would fail";
  if (role == "client" && connect.empty())
    return "role=client needs --connect=HOST:PORT (the front's --listen)";
  for (auto& p : peer_list())
    if (!valid_address(p))
      return std::string{role == "client" ? "connect" : "peers"}
             + " must be HOST:PORT[,HOST:PORT...] with ports from 1 to "
               "65535, got '"
             + p + "'";
  auto all = instance_names(tutorial_services(0));
  for (auto& h : host_list())
    if (std::find(all.begin(), all.end(), h) == all.end()) {
      std::string valid;
      for (auto& a : all) {
        if (!valid.empty())
          valid += ',';
        valid += a;
      }
      std::string problem = "hosts: unknown instance '";
      problem += h;
      problem += "'; valid: ";
      problem += valid;
      return problem;
    }
  if (tls() && (tls_cert.empty() || tls_key.empty() || tls_ca.empty()))
    return "tls-cert, tls-key and tls-ca go together: give all three or none";
  if (tls() && role == "single")
    return "the tls options apply to the cluster roles, not role=single";
  if (heartbeat_interval.count() <= 0
      || heartbeat_timeout <= 2 * heartbeat_interval)
    return "cluster.heartbeat-timeout must be more than twice "
           "cluster.heartbeat-interval (and the interval above 0)";
  if (connect_timeout.count() <= 0
      || reconnect_max < std::chrono::milliseconds(100))
    return "cluster.connect-timeout must be above 0 and "
           "cluster.reconnect-max at least 100ms";
  return {};
}

services_config node_config::make_services(uint64_t effective_seed,
                                           double scale) const {
  auto out = tutorial_services(effective_seed);
  out.timer_resolution = timer_resolution;
  for (auto& w : out.warehouses) {
    w.latency = warehouse.latency;
    w.error_rate = warehouse.error_rate;
    w.available_rate = warehouse.available_rate;
  }
  out.payment = payment;
  out.fraud = fraud;
  for (auto& c : out.carriers) {
    c.latency = carrier.latency;
    c.error_rate = carrier.error_rate;
  }
  scale_latencies(out, scale);
  out.hosts = host_list();
  return out;
}

log_options node_config::make_log() const {
  log_options out;
  out.level = log_level;
  parse_log_format(log_output_format, out.format); // checked by check()
  out.file = log_file;
  uint64_t bytes = 0;
  if (parse_bytes(log_file_size, bytes))
    out.file_size = static_cast<size_t>(bytes);
  out.file_count = static_cast<size_t>(log_file_count);
  return out;
}

desk_config node_config::make_desk(uint64_t effective_seed) const {
  desk_config out;
  from_string(engine, out.engine); // checked by check()
  out.seed = effective_seed;
  out.max_in_flight = max_in_flight;
  out.metrics = metrics == "on";
  auto threads = caf::get_or(content, "scheduler.max-threads",
                             caf::defaults::scheduler::max_threads);
  out.shards = static_cast<int32_t>(
    desk_shards > 0 ? desk_shards : std::max<int64_t>(1, threads));
  out.dedup_window = idempotency_retention;
  out.dedup_capacity = static_cast<size_t>(dedup_capacity);
  out.order.deadline = deadline;
  out.order.max_attempts = max_attempts;
  out.order.backoff = backoff;
  if (fastship)
    out.order.carriers.push_back("FastShip");
  return out;
}

} // namespace order_node
