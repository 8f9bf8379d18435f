// node/app/middleman.cpp — see middleman.hpp.
#include "node/app/middleman.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "actors/cluster/address.hpp"
#include "messages/registry.hpp"

namespace order_node {

namespace {

// OpenSSL's reason for the last failure, e.g. "no start line".
std::string openssl_reason() {
  auto code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return "unreadable";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "unreadable";
}

bool readable(const std::string& path, std::string& why) {
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    std::fclose(f);
    return true;
  }
  why = std::strerror(errno);
  return false;
}

} // namespace

std::string check_tls_files(const node_config& cfg) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
    SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (!ctx)
    return "TLS: cannot create an OpenSSL context: " + openssl_reason();
  std::string why;
  for (auto [option, path] : {std::pair{"--tls-cert", &cfg.tls_cert},
                              std::pair{"--tls-key", &cfg.tls_key},
                              std::pair{"--tls-ca", &cfg.tls_ca}})
    if (!readable(*path, why))
      return std::string{"cannot read "} + option + "=" + *path + ": " + why;
  // The key alone first (a context without a certificate), so that a key
  // of another certificate is told apart from a file that is no key.
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> key_only{
    SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (!key_only
      || SSL_CTX_use_PrivateKey_file(key_only.get(), cfg.tls_key.c_str(),
                                     SSL_FILETYPE_PEM)
           != 1)
    return "--tls-key=" + cfg.tls_key
           + " is not a PEM private key (or it is encrypted): "
           + openssl_reason();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cfg.tls_cert.c_str()) != 1)
    return "--tls-cert=" + cfg.tls_cert
           + " is not a PEM certificate: " + openssl_reason();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), cfg.tls_key.c_str(),
                                  SSL_FILETYPE_PEM)
        != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1)
    return "--tls-key=" + cfg.tls_key + " does not match --tls-cert="
           + cfg.tls_cert + ": " + openssl_reason();
  if (SSL_CTX_load_verify_locations(ctx.get(), cfg.tls_ca.c_str(), nullptr)
      != 1)
    return "--tls-ca=" + cfg.tls_ca
           + " holds no PEM CA certificate: " + openssl_reason();
  return {};
}

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
  out.tls = cfg.tls();
  out.connector = cfg.tls() ? sys.openssl_manager().actor_handle()
                            : sys.middleman().actor_handle();
  return out;
}

} // namespace order_node
