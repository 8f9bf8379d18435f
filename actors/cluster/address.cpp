// actors/cluster/address.cpp — see address.hpp.
#include "actors/cluster/address.hpp"

namespace order_node {

bool parse_host_port(const std::string& text, std::string& host,
                     uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5
      || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto value = std::stoul(digits);
  if (value > 65535)
    return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2); // [::1]:9080
  port = static_cast<uint16_t>(value);
  return true;
}

} // namespace order_node
