// node/base/text.cpp — see text.hpp.
#include "node/base/text.hpp"

#include <nlohmann/json.hpp>

namespace order_node {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t';
}

template <class Json>
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

std::string_view trim(std::string_view x) {
  while (!x.empty() && blank(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && (blank(x.back()) || x.back() == '\r'))
    x.remove_suffix(1);
  return x;
}

std::string compact_json(const nlohmann::json& j) {
  return dump(j);
}

std::string compact_json(const nlohmann::ordered_json& j) {
  return dump(j);
}

} // namespace order_node
