// node/app/checks.cpp — node_config::check(): every value checked, the
// first problem told in one sentence that names the option.
#include "node/app/config.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "actors/cluster/address.hpp"
#include "actors/journal/journal_store.hpp"

namespace order_node {

namespace {

std::string rate_error(const char* name, double x) {
  if (!(x >= 0.0 && x <= 1.0))
    return std::string{name} + " must be from 0 to 1, got " + std::to_string(x);
  return {};
}

bool valid_address(const std::string& text, bool port_zero_ok = false) {
  std::string host;
  uint16_t port = 0;
  return parse_host_port(text, host, port) && (port != 0 || port_zero_ok);
}

// True for a host only this machine reaches: localhost, 127.0.0.0/8, ::1.
bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"
         || host == "[::1]";
}

// What every order gets: seed, deadline, attempts, latencies.
std::string check_orders(const node_config& c) {
  if (c.seed < 0)
    return "seed must be from 0 to 9223372036854775807";
  if (c.deadline.count() <= 0 || c.deadline > std::chrono::hours(1))
    return "deadline must be greater than 0 and at most 1h";
  if (c.max_attempts < 1 || c.max_attempts > 10)
    return "max-attempts must be from 1 to 10, got "
           + std::to_string(c.max_attempts);
  if (!std::isfinite(c.latency_scale) || c.latency_scale < 0
      || c.latency_scale > 1000)
    return "latency-scale must be from 0 to 1000, got "
           + std::to_string(c.latency_scale);
  return {};
}

std::string check_logs(const node_config& c) {
  static constexpr const char* levels[]
    = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (auto l : levels)
    level_ok = level_ok || c.log_level == l;
  if (!level_ok)
    return "log-level must be one of trace, debug, info, warn, error, off, "
           "got '"
           + c.log_level + "'";
  if (log_format f; !parse_log_format(c.log_output_format, f))
    return "log.format must be text or json, got '" + c.log_output_format + "'";
  if (auto bytes = c.log_file_bytes();
      !bytes || *bytes < (uint64_t{64} << 10) || *bytes > (uint64_t{1} << 40))
    return "log.file-size must be from 64KiB to 1024GiB (a number of bytes, "
           "or with KiB, MiB or GiB), got '"
           + c.log_file_size + "'";
  if (c.log_file_count < 0 || c.log_file_count > 100)
    return "log.file-count must be from 0 to 100, got "
           + std::to_string(c.log_file_count);
  return {};
}

// The on/off and one-of options.
std::string check_modes(const node_config& c) {
  if (c.http != "off") {
    std::string host;
    uint16_t port = 0;
    if (!parse_host_port(c.http, host, port))
      return "http must be HOST:PORT or off, got '" + c.http + "'";
  }
  if (c.metrics != "on" && c.metrics != "off")
    return "metrics must be on or off, got '" + c.metrics + "'";
  if (c.repl != "on" && c.repl != "off")
    return "repl must be on or off, got '" + c.repl + "'";
  if (order_engine e; !from_string(c.engine, e))
    return "engine must be actor or batched, got '" + c.engine + "'";
  return {};
}

// The role and the options that apply to some roles only.
std::string check_role(const node_config& c) {
  auto& role = c.role;
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
       {only(c.listen, "listen", {"services", "front"}),
        only(c.peers, "peers", {"front"}), only(c.hosts, "hosts", {"services"}),
        only(c.connect, "connect", {"client"})})
    if (!problem.empty())
      return problem;
  if (role == "services" && c.listen.empty())
    return "role=services needs --listen=HOST:PORT";
  if (!c.listen.empty() && !valid_address(c.listen_address(), true))
    return "listen must be HOST:PORT or PORT (0 picks a free port), got '"
           + c.listen + "'";
  if (role == "front" && c.peers.empty())
    return "role=front needs --peers=HOST:PORT,... (the services nodes); "
           "without them every order would fail";
  if (role == "client" && c.connect.empty())
    return "role=client needs --connect=HOST:PORT (the front's --listen)";
  return {};
}

// --hosts: instance names of the tutorial's services.
std::string check_hosts(const node_config& c) {
  auto all = instance_names(tutorial_services(0));
  for (auto& h : c.host_list())
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
  return {};
}

// The cluster roles' options: role, addresses, TLS files, heartbeats.
std::string check_cluster(const node_config& c) {
  if (auto problem = check_role(c); !problem.empty())
    return problem;
  for (auto& p : c.peer_list())
    if (!valid_address(p))
      return std::string{c.role == "client" ? "connect" : "peers"}
             + " must be HOST:PORT[,HOST:PORT...] with ports from 1 to "
               "65535, got '"
             + p + "'";
  if (auto problem = check_hosts(c); !problem.empty())
    return problem;
  if (c.tls() && (c.tls_cert.empty() || c.tls_key.empty() || c.tls_ca.empty()))
    return "tls-cert, tls-key and tls-ca go together: give all three or none";
  if (c.tls() && c.role == "single")
    return "the tls options apply to the cluster roles, not role=single";
  if (c.heartbeat_interval.count() <= 0
      || c.heartbeat_timeout <= 2 * c.heartbeat_interval)
    return "cluster.heartbeat-timeout must be more than twice "
           "cluster.heartbeat-interval (and the interval above 0)";
  if (c.connect_timeout.count() <= 0
      || c.reconnect_max < std::chrono::milliseconds(100))
    return "cluster.connect-timeout must be above 0 and "
           "cluster.reconnect-max at least 100ms";
  return {};
}

// The ingress's security: beyond loopback only with TLS or a token.
std::string check_http(const node_config& c) {
  if (c.http_tls_cert.empty() != c.http_tls_key.empty())
    return "http.tls-cert and http.tls-key go together: give both, or "
           "neither";
  if (c.http == "off" || c.role == "client" || c.role == "services")
    return {};
  std::string host;
  uint16_t port = 0;
  parse_host_port(c.http, host, port); // checked before
  if (!loopback(host) && c.http_tls_cert.empty() && c.http_token_file.empty()
      && !c.http_insecure)
    return "--http=" + c.http
           + " listens beyond loopback without TLS or a token: anyone who "
             "reaches it could place orders. Pass --http.tls-cert and "
             "--http.tls-key (HTTPS), --http.token-file (a bearer token), or "
             "both; or --http.insecure to accept that";
  return {};
}

// Something to serve, and the threads that serve it.
std::string check_serving(const node_config& c) {
  // A front serving --listen (remote clients) needs neither.
  if (c.repl == "off" && c.http == "off" && c.role != "services"
      && !(c.role == "front" && !c.listen.empty()))
    return "with repl=off and http=off order-node would have nothing to do";
  if (auto threads = c.scheduler_threads(); threads < 1 || threads > 1024)
    return "scheduler.max-threads must be from 1 to 1024, got "
           + std::to_string(threads);
  if (c.io_threads < 0 || c.io_threads > 64)
    return "ingress.io-threads must be from 0 to 64";
  if (c.idle_timeout.count() <= 0 || c.drain_timeout.count() < 0)
    return "ingress.idle-timeout must be greater than 0 and "
           "ingress.drain-timeout at least 0";
  return {};
}

// The desk, its journal and the payment ledger.
std::string check_desk(const node_config& c) {
  if (c.backoff.count() < 0)
    return "order.backoff must not be negative";
  if (c.max_in_flight < 1 || c.max_in_flight > 10'000'000)
    return "desk.max-in-flight must be from 1 to 10000000";
  if (c.idempotency_retention.count() < 0)
    return "idempotency-retention must not be negative";
  if (c.journal.empty())
    return "journal must be a file or 'off'";
  if (!c.payment_ledger.empty() && c.payment_ledger == c.journal
      && !is_database_uri(c.journal))
    return "payment.ledger must be another file than the journal";
  if (c.journal_lease < std::chrono::seconds(1)
      || c.journal_lease > std::chrono::hours(1))
    return "journal.lease must be from 1s to 1h";
  if (c.journal_partitions < 1 || c.journal_partitions > 4096)
    return "journal.partitions must be from 1 to 4096";
  if (c.role == "front" && is_database_uri(c.journal)
      && (c.listen.empty()
          || c.listen_address().rfind(":0") + 2 == c.listen_address().size()))
    return "role=front on a shared journal (a database) needs "
           "--listen=HOST:PORT with a fixed port: it is the front's name "
           "among the fronts";
  if (c.journal_sync != "full" && c.journal_sync != "normal"
      && c.journal_sync != "off")
    return "journal.sync must be full, normal or off, got '" + c.journal_sync
           + "'";
  if (c.desk_shards < 0 || c.desk_shards > 64)
    return "desk.shards must be from 0 to 64";
  if (c.dedup_capacity < 0 || c.dedup_capacity > 10'000'000)
    return "desk.dedup-capacity must be from 0 to 10000000";
  return {};
}

std::string check_services(const node_config& c) {
  if (c.timer_resolution.count() <= 0
      || c.timer_resolution > std::chrono::milliseconds(100))
    return "services.timer-resolution must be greater than 0 and at most "
           "100ms";
  for (auto l : {c.warehouse.latency, c.payment.latency, c.fraud.latency,
                 c.carrier.latency})
    if (l.count() < 0 || l > std::chrono::hours(1))
      return "service latencies must be from 0 to 1h";
  for (auto [name, x] :
       {std::pair{"services.warehouse.error-rate", c.warehouse.error_rate},
        std::pair{"services.warehouse.available-rate",
                  c.warehouse.available_rate},
        std::pair{"services.payment.error-rate", c.payment.error_rate},
        std::pair{"services.payment.authorized-rate",
                  c.payment.authorized_rate},
        std::pair{"services.fraud.error-rate", c.fraud.error_rate},
        std::pair{"services.fraud.high-risk-rate", c.fraud.high_risk_rate},
        std::pair{"services.carrier.error-rate", c.carrier.error_rate}})
    if (auto err = rate_error(name, x); !err.empty())
      return err;
  return {};
}

} // namespace

std::string node_config::check() const {
  // In this order: the first problem found is the one told.
  using part = std::string (*)(const node_config&);
  for (part check_part :
       {check_orders, check_logs, check_modes, check_cluster, check_http,
        check_serving, check_desk, check_services})
    if (auto problem = check_part(*this); !problem.empty())
      return problem;
  return {};
}

} // namespace order_node
