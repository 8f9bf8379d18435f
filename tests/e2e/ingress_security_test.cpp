// tests/e2e/ingress_security_test.cpp — the HTTP ingress beyond loopback
// (issue #16, docs/http.md "Beyond loopback"): TLS (--http.tls-cert/-key),
// a bearer token (--http.token-file), and the refusal to listen beyond
// loopback without either. Certificates are made with the openssl CLI in
// a temporary directory; the TLS client is OpenSSL's, verifying the
// node's certificate for 127.0.0.1.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include "http_client.hpp"

using namespace order_node::testing;
namespace fs = std::filesystem;

namespace {

const std::string token = "0123456789abcdef0123456789abcdef";

struct temp_files {
  fs::path dir = fs::temp_directory_path()
                 / ("order-node-ingress-" + std::to_string(::getpid()));
  temp_files() {
    fs::create_directories(dir);
    std::ofstream{dir / "token"} << token << "\n";
    std::ofstream{dir / "short"} << "abc\n";
    auto d = dir.string();
    auto rc = std::system(
      ("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
       "-addext subjectAltName=IP:127.0.0.1 -keyout "
       + d + "/node.key -out " + d + "/node.pem 2>/dev/null")
        .c_str());
    REQUIRE(rc == 0);
  }
  ~temp_files() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string operator()(const std::string& name) const {
    return (dir / name).string();
  }
};

// One TLS connection to 127.0.0.1:port that verifies the node's
// certificate against `ca` (its own, self-signed).
struct tls_conn {
  conn tcp;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  bool ok = false;

  tls_conn(int port, const std::string& ca) : tcp(port) {
    timeval tv{10, 0}; // every read and write bounded
    ::setsockopt(tcp.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(tcp.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    ssl = SSL_new(ctx);
    SSL_set1_host(ssl, "127.0.0.1");
    SSL_set_fd(ssl, tcp.fd);
    ok = SSL_connect(ssl) == 1 && SSL_get_verify_result(ssl) == X509_V_OK;
  }

  ~tls_conn() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }

  response call(const std::string& raw) {
    response r;
    if (SSL_write(ssl, raw.data(), static_cast<int>(raw.size())) <= 0)
      return r;
    std::string buf;
    char chunk[16384];
    while (!complete(buf)) {
      auto n = SSL_read(ssl, chunk, sizeof(chunk));
      if (n <= 0)
        return r;
      buf.append(chunk, static_cast<size_t>(n));
    }
    tcp.buffer = buf;
    return take(tcp, 1s);
  }
};

std::string with_token(const std::string& raw, const std::string& t) {
  auto at = raw.find("\r\n") + 2;
  return raw.substr(0, at) + "Authorization: Bearer " + t + "\r\n"
         + raw.substr(at);
}

// Runs order-node with `args` expecting it to refuse to start with exit
// status `code` (2: the options, 1: a file): its stderr.
std::string refused(std::vector<std::string> args, int code) {
  args.insert(args.begin(), {"--repl=off", "--seed=7", "--journal=off"});
  child proc{ORDER_NODE_BIN, args};
  auto rc = proc.stop(0, 10s);
  CHECK(rc == code);
  return proc.err();
}

} // namespace

TEST_CASE("a bearer token: missing or wrong answers 401, /health stays open") {
  temp_files files;
  node n{{"--http.token-file=" + files("token")}};
  auto order = post_request("/OrderService/ProcessOrder", tutorial_body);
  auto missing = call(n.port, order);
  CHECK(missing.status == 401);
  CHECK(
    missing.body_json()["error"].get<std::string>().find("needs a bearer token")
    != std::string::npos);
  CHECK(missing.headers.find("Bearer realm=\"order-node\"")
        != std::string::npos);
  auto wrong = call(n.port, with_token(order, std::string(32, 'x')));
  CHECK(wrong.status == 401);
  CHECK(wrong.body_json()["error"] == "wrong bearer token");
  CHECK(call(n.port, with_token(order, token + "x")).status == 401);
  CHECK(call(n.port, with_token(order, token.substr(1))).status == 401);
  auto good = call(n.port, with_token(order, token));
  CHECK(good.status == 200);
  CHECK(good.body_json()["orderId"].is_string());
  // Open: /health, and the console's page and files (no data in them).
  CHECK(call(n.port, get_request("/health")).status == 200);
  CHECK(call(n.port, get_request("/")).status == 200);
  CHECK(call(n.port, get_request("/console.js")).status == 200);
  // Everything else needs it.
  for (auto path : {"/metrics", "/stats", "/orders", "/orders/ORD_1",
                    "/orders/ORD_1/journal", "/nope"})
    CHECK_MESSAGE(call(n.port, get_request(path)).status == 401, path);
  CHECK(call(n.port, with_token(get_request("/stats"), token)).status == 200);
}

TEST_CASE("TLS: HTTPS clients are served, a plain client gets nothing") {
  temp_files files;
  node n{{"--http.tls-cert=" + files("node.pem"),
          "--http.tls-key=" + files("node.key")}};
  {
    tls_conn c{n.port, files("node.pem")};
    REQUIRE(c.ok);
    auto health = c.call(get_request("/health"));
    CHECK(health.status == 200);
    auto order
      = c.call(post_request("/OrderService/ProcessOrder", tutorial_body));
    CHECK(order.status == 200);
    CHECK(order.body_json()["status"].is_string());
  }
  // Plain HTTP on the TLS port: the handshake fails, the connection is
  // closed without an answer.
  conn plain{n.port};
  plain.send_raw(get_request("/health"));
  bool eof = false;
  auto got
    = plain.read_until([](const std::string&) { return false; }, 5s, &eof);
  CHECK(eof);
  CHECK(got.find("HTTP/1.1") == std::string::npos);
  // TLS and a token together.
  node both{{"--http.tls-cert=" + files("node.pem"),
             "--http.tls-key=" + files("node.key"),
             "--http.token-file=" + files("token")}};
  tls_conn c{both.port, files("node.pem")};
  REQUIRE(c.ok);
  CHECK(c.call(get_request("/stats")).status == 401);
  CHECK(c.call(with_token(get_request("/stats"), token)).status == 200);
}

TEST_CASE("beyond loopback without TLS or a token, order-node refuses") {
  auto err = refused({"--http=0.0.0.0:0"}, 2);
  CHECK(err.find("--http=0.0.0.0:0 listens beyond loopback without TLS or a "
                 "token")
        != std::string::npos);
  for (auto opt : {"--http.tls-cert", "--http.tls-key", "--http.token-file",
                   "--http.insecure"})
    CHECK_MESSAGE(err.find(opt) != std::string::npos, opt);
  // --http.insecure: as told.
  child open{ORDER_NODE_BIN,
             {"--repl=off", "--http=0.0.0.0:0", "--http.insecure"}};
  CHECK(!open.wait_for("http: listening on 0.0.0.0:", 10s).empty());
  CHECK(open.stop(SIGTERM, 10s) == 0);
}

TEST_CASE("bad TLS and token files stop the start, naming the file") {
  temp_files files;
  auto err = refused({"--http=127.0.0.1:0", "--http.tls-cert=/nonexistent.pem",
                      "--http.tls-key=" + files("node.key")},
                     1);
  CHECK(err.find("http.tls-cert /nonexistent.pem") != std::string::npos);
  err = refused({"--http=127.0.0.1:0", "--http.tls-cert=" + files("node.pem"),
                 "--http.tls-key=" + files("token")},
                1);
  CHECK(err.find("http.tls-key " + files("token")) != std::string::npos);
  err = refused({"--http=127.0.0.1:0", "--http.tls-cert=" + files("node.pem")},
                2);
  CHECK(err.find("http.tls-cert and http.tls-key go together")
        != std::string::npos);
  err
    = refused({"--http=127.0.0.1:0", "--http.token-file=" + files("short")}, 1);
  CHECK(err.find("http.token-file " + files("short")) != std::string::npos);
  err = refused({"--http=127.0.0.1:0", "--http.token-file=/nonexistent"}, 1);
  CHECK(err.find("http.token-file /nonexistent: cannot read it")
        != std::string::npos);
}
