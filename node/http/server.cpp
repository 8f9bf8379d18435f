// node/http/server.cpp — see server.hpp. One Asio io_context run by
// `io_threads` threads (server_core.hpp); the desk's answers arrive on CAF
// threads and are posted back in batches (bridge.hpp).
#include "node/http/server.hpp"

#include <algorithm>
#include <fstream>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/error.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "node/base/text.hpp"
#include "node/console/live_stats.hpp"
#include "node/http/server_core.hpp"

namespace order_node {

namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace http_detail;

class server_impl final : public http_server {
 public:
  explicit server_impl(const http_options& opts)
      : core_(std::make_shared<server_core>(opts)) {}

  ~server_impl() override {
    try {
      core_->shutdown({});
      wait();
    } catch (const std::exception& e) { // std::thread::join, allocation
      http_log().error("stopping the ingress failed: {}", e.what());
    }
  }

  // The TLS context of --http.tls-cert/--http.tls-key, if given; false and
  // `error` naming the file if one cannot be used.
  bool load_tls(std::string& error) {
    auto& o = core_->opts;
    if (o.tls_cert.empty())
      return true;
    auto ctx
      = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    ctx->set_options(
      net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
      | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
      | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    beast::error_code ec;
    ctx->use_certificate_chain_file(o.tls_cert, ec);
    if (ec) {
      error = "http.tls-cert " + o.tls_cert
              + ": not a PEM certificate chain it can read: " + ec.message();
      return false;
    }
    ctx->use_private_key_file(o.tls_key, net::ssl::context::pem, ec);
    if (ec) {
      error = "http.tls-key " + o.tls_key
              + ": not a PEM private key it can read, or not the key of "
                "http.tls-cert: "
              + ec.message();
      return false;
    }
    core_->ssl = std::move(ctx);
    return true;
  }

  bool bind(std::string& error) {
    beast::error_code ec;
    tcp::resolver resolver{core_->ioc};
    auto results = resolver.resolve(core_->opts.host,
                                    std::to_string(core_->opts.port), ec);
    auto where = core_->opts.host + ":" + std::to_string(core_->opts.port);
    if (ec || results.empty()) {
      error = "cannot resolve " + where + ": " + ec.message();
      return false;
    }
    auto ep = results.begin()->endpoint();
    core_->acceptor.open(ep.protocol(), ec);
    if (!ec)
      core_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      core_->acceptor.bind(ep, ec);
    if (!ec)
      core_->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "cannot listen on " + where + ": " + ec.message();
      return false;
    }
    return true;
  }

  void run(caf::actor_system& sys, const http_backends& backends) {
    bridge_targets targets{
      backends.reader, spawn_live_stats(sys, backends.desk, backends.peers)};
    core_->router.journaled = static_cast<bool>(backends.reader);
    core_->bridge = spawn_bridge(sys, backends.desk,
                                 caf::timespan{core_->opts.order_timeout},
                                 core_->orders, core_->sink(), targets);
    net::dispatch(core_->strand, [this] { core_->do_accept(); });
    auto n = static_cast<size_t>(core_->opts.io_threads);
    threads_.reserve(n + 1); // no reallocation while the joiner reads it
    for (size_t i = 0; i < n; ++i)
      threads_.emplace_back([this] { core_->ioc.run(); });
    // The bridge ends when every I/O thread has.
    threads_.emplace_back([this, n] {
      for (size_t i = 0; i < n; ++i)
        threads_[i].join();
      caf::anon_send_exit(core_->bridge, caf::exit_reason::user_shutdown);
    });
  }

  uint16_t port() const override {
    beast::error_code ec;
    auto ep = core_->acceptor.local_endpoint(ec);
    return ec ? core_->opts.port : ep.port();
  }

  void shutdown(std::function<void()> on_stopped) override {
    core_->shutdown(std::move(on_stopped));
  }

  void join() override { wait(); }

  int64_t dropped() const override { return core_->dropped.load(); }

 private:
  void wait() {
    if (!threads_.empty() && threads_.back().joinable())
      threads_.back().join();
  }

  std::shared_ptr<server_core> core_;
  std::vector<std::thread> threads_; // the I/O threads, then their joiner
};

} // namespace

bool load_token(const std::string& path, std::string& token,
                std::string& error) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line)) {
    error = "http.token-file " + path + ": cannot read it";
    return false;
  }
  token = std::string{trim(line)};
  bool printable = std::all_of(token.begin(), token.end(),
                               [](char c) { return c > 0x20 && c < 0x7F; });
  if (token.size() < 16 || token.size() > 4096 || !printable) {
    error = "http.token-file " + path
            + ": its first line must be the token, 16 to 4096 printable "
              "ASCII characters without spaces (e.g. openssl rand -hex 32)";
    token.clear();
    return false;
  }
  return true;
}

http_server::~http_server() = default;

std::unique_ptr<http_server> http_server::start(caf::actor_system& sys,
                                                const http_backends& backends,
                                                const http_options& opts,
                                                std::string& error) {
  auto srv = std::make_unique<server_impl>(opts);
  if (!srv->load_tls(error) || !srv->bind(error))
    return nullptr;
  srv->run(sys, backends);
  return srv;
}

} // namespace order_node
