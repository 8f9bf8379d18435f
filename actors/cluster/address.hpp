// actors/cluster/address.hpp — the one parser of HOST:PORT addresses (--http,
// --listen, --peers, --connect): pure, no CAF.
#pragma once

#include <cstdint>
#include <string>

namespace order_node {

/// Parses "HOST:PORT" (port 0..65535; "[::1]:9080" gives host "::1").
/// False, and `host` and `port` untouched, if `text` is not of that form.
bool parse_host_port(const std::string& text, std::string& host,
                     uint16_t& port);

} // namespace order_node
