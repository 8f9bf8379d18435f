// tests/e2e/http_client.hpp — what the e2e tests need to talk HTTP to a real
// order-node on 127.0.0.1: the node with its ingress on a free port, a
// blocking connection with bounded reads, and requests and responses as
// text.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <new>
#include <poll.h>
#include <regex>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace order_node::testing {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline const std::string tutorial_body
  = R"({"userId":"user123","productId":"prod456","quantity":2,)"
    R"("amount":99.99,"weight":5.5,"destination":"New York"})";

// A running order-node with its HTTP ingress on a free port.
struct node {
  child proc;
  int port = 0;

  explicit node(std::vector<std::string> extra = {})
      : proc(ORDER_NODE_BIN, with_defaults(std::move(extra))) {
    auto err = proc.wait_for("listening on 127.0.0.1:", 10s);
    REQUIRE_MESSAGE(!err.empty(), "order-node did not start: " << proc.err());
    proc.wait_for("\n", 1s);
    auto text = proc.err();
    auto at = text.find("listening on 127.0.0.1:") + 23;
    port = std::stoi(text.substr(at));
  }

  static std::vector<std::string> with_defaults(std::vector<std::string> xs) {
    xs.insert(xs.begin(), {"--repl=off", "--http=127.0.0.1:0", "--seed=7"});
    return xs;
  }
};

// A blocking client connection with a bounded receive time.
struct conn {
  int fd = -1;

  explicit conn(int port) {
    open(port);
    REQUIRE(fd >= 0);
  }

  /// Without a test assertion (for client threads): fd < 0 if the
  /// connection was refused.
  conn(int port, std::nothrow_t) { open(port); }

  void open(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      fd = -1;
    }
  }

  ~conn() {
    if (fd >= 0)
      ::close(fd);
  }

  void send_raw(const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
      auto n = ::send(fd, text.data() + off, text.size() - off, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      off += static_cast<size_t>(n);
    }
  }

  // Reads until `pred(buffer)` or EOF or the time limit; returns the buffer.
  template <class Pred>
  std::string read_until(Pred pred, std::chrono::milliseconds limit,
                         bool* eof = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[65536];
    while (!pred(buffer)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0)
        break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      auto n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        if (eof != nullptr)
          *eof = true;
        break;
      }
      buffer.append(buf, static_cast<size_t>(n));
    }
    return buffer;
  }

  std::string buffer;
};

struct response {
  int status = 0;
  std::string headers; // raw, lower-cased names
  std::string body;
  json body_json() const { return json::parse(body, nullptr, false); }
};

// True once `buf` holds one complete response (Content-Length framed).
inline bool complete(const std::string& buf) {
  auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos)
    return false;
  std::smatch m;
  std::string head = buf.substr(0, end);
  static const std::regex cl{"[Cc]ontent-[Ll]ength: *([0-9]+)"};
  size_t len = 0;
  if (std::regex_search(head, m, cl))
    len = std::stoul(m[1]);
  return buf.size() >= end + 4 + len;
}

// Takes one response off the front of `c.buffer`.
inline response take(conn& c, std::chrono::milliseconds limit = 10s) {
  c.read_until(complete, limit);
  response r;
  auto& buf = c.buffer;
  auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos)
    return r;
  r.headers = buf.substr(0, end);
  r.status = std::stoi(r.headers.substr(9, 3));
  std::smatch m;
  static const std::regex cl{"[Cc]ontent-[Ll]ength: *([0-9]+)"};
  size_t len = 0;
  if (std::regex_search(r.headers, m, cl))
    len = std::stoul(m[1]);
  r.body = buf.substr(end + 4, len);
  buf.erase(0, end + 4 + len);
  return r;
}

inline std::string post_request(const std::string& path,
                                const std::string& body,
                                const std::string& extra_headers = "",
                                const std::string& type = "application/json") {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
         + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"
         + extra_headers + "\r\n" + body;
}

inline std::string get_request(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
}

inline response call(int port, const std::string& raw) {
  conn c{port};
  c.send_raw(raw);
  return take(c);
}

// As call(), from a client thread: status 0 if the node is gone.
inline response try_call(int port, const std::string& raw) {
  conn c{port, std::nothrow};
  if (c.fd < 0)
    return {};
  c.send_raw(raw);
  return take(c);
}

// Polls /health until `n` orders are in flight (at most 5 s).
inline bool wait_in_flight(int port, int n) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto j = call(port, get_request("/health")).body_json();
    if (j.is_object() && j["ordersInFlight"] == n)
      return true;
  }
  return false;
}

// The sum of a counter over all its label sets in a metrics exposition.
inline double metric_sum(const std::string& text, const std::string& name) {
  double sum = 0;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name, 0) == 0
        && (line[name.size()] == '{' || line[name.size()] == ' '))
      sum += std::stod(line.substr(line.rfind(' ') + 1));
  return sum;
}

} // namespace order_node::testing
