// node/cluster.cpp — see cluster.hpp.
#include "node/cluster.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "messages/registry.hpp"
#include "node/http_server.hpp"

namespace order_node {

void load_cluster_modules(node_config& cfg) {
  cfg.load<caf::io::middleman>();
  if (cfg.tls()) {
    cfg.openssl_certificate = cfg.tls_cert;
    cfg.openssl_key = cfg.tls_key;
    cfg.openssl_cafile = cfg.tls_ca;
    cfg.load<caf::openssl::manager>();
  }
}

caf::expected<uint16_t> publish_node(caf::actor_system& sys,
                                     const node_config& cfg,
                                     const node_actor& node) {
  std::string host;
  uint16_t port = 0;
  parse_host_port(cfg.listen_address(), host, port);
  // Reuse the address: a node restarted on its port must not wait for the
  // old connections' TIME_WAIT.
  if (cfg.tls())
    return caf::openssl::publish(node, port, host.c_str(), true);
  return sys.middleman().publish(node, port, host.c_str(), true);
}

peers_config make_peers_config(caf::actor_system& sys, const node_config& cfg) {
  peers_config out;
  out.addresses = cfg.peer_list();
  out.heartbeat_interval = cfg.heartbeat_interval;
  out.heartbeat_timeout = cfg.heartbeat_timeout;
  out.connect_timeout = cfg.connect_timeout;
  out.reconnect_max = cfg.reconnect_max;
  out.fingerprint = protocol_fingerprint();
  out.connector = cfg.tls() ? sys.openssl_manager().actor_handle()
                            : sys.middleman().actor_handle();
  return out;
}

} // namespace order_node
