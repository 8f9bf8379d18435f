// node/app/config.hpp — order-node's configuration, CAF style: every option
// is a command-line --key=value, a line in the config file (order-node.ini or
// --config-file=...) and listed with its default in --help. The option table
// and the help are in options.cpp, the reading in config_file.cpp, the checks
// in checks.cpp, what the actors get in derived.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "actors/desk/desk_config.hpp"
#include "actors/rules/service_config.hpp"
#include "actors/support/log.hpp"

namespace order_node {

class node_config : public caf::actor_system_config {
 public:
  node_config();

  // global
  int64_t seed = 0; // see seed_given()
  caf::timespan deadline = std::chrono::seconds(1);
  int32_t max_attempts = 3;
  double latency_scale = 1.0;
  std::string log_level = "info";
  std::string http = "127.0.0.1:9080"; // HOST:PORT or "off"
  std::string repl = "on";             // "off": do not read stdin
  std::string engine = "actor";        // or "batched" (order_engine)

  // log.* (log-level is global)
  std::string log_output_format = "text"; // or "json"
  std::string log_file;                   // empty: stderr
  std::string log_file_size = "100MiB";
  int64_t log_file_count = 5;

  // cluster (global names: the interface of issue #5)
  std::string role = "single"; // single, services, front, client
  std::string listen;          // HOST:PORT (services, front)
  std::string peers;           // HOST:PORT,... (front)
  std::string hosts;           // instance names,... (services; empty: all)
  std::string connect;         // HOST:PORT (client)
  std::string tls_cert;        // PEM files: all three or none
  std::string tls_key;
  std::string tls_ca;

  // cluster.*
  caf::timespan heartbeat_interval = std::chrono::milliseconds(500);
  caf::timespan heartbeat_timeout = std::chrono::seconds(3);
  caf::timespan connect_timeout = std::chrono::seconds(2);
  caf::timespan reconnect_max = std::chrono::seconds(2);

  // http.* (the ingress's security, issue #16)
  std::string http_tls_cert; // PEM files: both or neither
  std::string http_tls_key;
  std::string http_token_file; // a file holding the bearer token
  bool http_insecure = false;  // beyond loopback without TLS or a token

  // ingress.*
  caf::timespan idle_timeout = std::chrono::seconds(30);
  caf::timespan drain_timeout = std::chrono::seconds(10);
  int64_t io_threads = 0; // HTTP I/O threads; 0: one per core, at most 8

  // order.*
  caf::timespan backoff = std::chrono::milliseconds(10);
  bool fastship = false;

  // desk.*
  std::string metrics = "on"; // or "off"
  int64_t max_in_flight = 100'000;
  int64_t desk_shards = 0; // 0: one per scheduler thread
  int64_t dedup_capacity = 100'000;

  // The journal (single and front roles).
  // A path, a PostgreSQL URI (postgresql://... or postgres://...: fronts
  // share it, issue #28), or "off".
  std::string journal = "order-node.journal";
  std::string journal_sync = "full"; // full, normal or off
  // On a database: a partition's lease, and a new database's partitions.
  caf::timespan journal_lease = std::chrono::seconds(3);
  int64_t journal_partitions = 64;
  caf::timespan idempotency_retention = std::chrono::hours(24);
  // The payment gateway's ledger (single and services nodes that host
  // payment): a path, "off", or empty for the default beside the journal.
  std::string payment_ledger;

  // services.*
  caf::timespan timer_resolution = std::chrono::microseconds(100);
  warehouse_config warehouse;
  payment_config payment;
  fraud_config fraud;
  carrier_config carrier;

  /// The config file read when --config-file is not given (if it exists).
  static constexpr const char* default_config_file = "order-node.ini";

  /// Reads the command line (argv[1..]) and the config file. Empty on
  /// success, else one sentence for the user: an unknown option, a value
  /// that is not of the option's type, or a config file that cannot be read,
  /// is malformed, or holds an unknown key (named with file and line). A
  /// boolean option takes --name, --name=true or --name=false.
  std::string read_options(int argc, char** argv);

  /// The text of --long-help: every option, CAF's own included.
  std::string long_usage() const;

  /// Checks a config file's text: CAF's syntax, known keys, typed values.
  /// Empty if fine, else the problem with file and line.
  std::string check_config_file(const std::string& path,
                                const std::string& text);

  /// The text of --help: every order-node option with its default (CAF's
  /// own options are listed by --long-help).
  std::string usage() const;

  /// True if --seed was given (on the command line or in the config file).
  bool seed_given() const;

  /// Checks every value; the text names the option. Empty: all valid.
  std::string check() const;

  /// The services of this node for the effective seed and a latency scale.
  services_config make_services(uint64_t effective_seed, double scale) const;

  /// True if the TLS options are set (checked: all three or none).
  bool tls() const;

  /// --listen with a bare PORT completed to 127.0.0.1:PORT.
  std::string listen_address() const;

  /// The peers to connect to: --peers (front) or --connect (client).
  std::vector<std::string> peer_list() const;

  /// --hosts as a list (empty: all instances).
  std::vector<std::string> host_list() const;

  /// The desk's settings for the effective seed.
  desk_config make_desk(uint64_t effective_seed) const;

  /// Where the logs go and how they read (checked by check()).
  log_options make_log() const;

  /// --log.file-size in bytes, or nullopt if it is no size.
  std::optional<uint64_t> log_file_bytes() const;

  /// --scheduler.max-threads (CAF's option; by default one per core).
  size_t scheduler_threads() const;

 private:
  // The option table in parts (options.cpp), in --help's order.
  void add_general_options();
  void add_log_options();
  void add_cluster_options();
  void add_order_options();
  void add_service_options();
};

} // namespace order_node
