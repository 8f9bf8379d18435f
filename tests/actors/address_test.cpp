// tests/actors/address_test.cpp — the one HOST:PORT parser.
#include <doctest/doctest.h>

#include "actors/cluster/address.hpp"

using namespace order_node;

TEST_CASE("HOST:PORT splits at the last colon; brackets hold an IPv6 host") {
  std::string host;
  uint16_t port = 0;
  REQUIRE(parse_host_port("127.0.0.1:9080", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 9080);
  REQUIRE(parse_host_port("[::1]:7001", host, port));
  CHECK(host == "::1");
  CHECK(port == 7001);
  REQUIRE(parse_host_port("localhost:0", host, port));
  CHECK(port == 0);
}

TEST_CASE("an address without a host, a port, or with a bad port is refused") {
  std::string host = "unchanged";
  uint16_t port = 1;
  for (auto bad : {"9080", ":9080", "host:", "host:65536", "host:80x",
                   "host:123456", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_host_port(bad, host, port));
  }
  CHECK(host == "unchanged");
  CHECK(port == 1);
}
