// node/base/text.hpp — text helpers every room of node/ shares: trimming a
// line and the compact JSON text every answer and output line is.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace order_node {

/// `x` without the spaces and tabs before it and the spaces, tabs and
/// carriage returns after it (a CRLF line's '\r').
std::string_view trim(std::string_view x);

/// `j` as one line of JSON without spaces; invalid UTF-8 in its strings is
/// replaced by U+FFFD instead of throwing.
std::string compact_json(const nlohmann::json& j);
std::string compact_json(const nlohmann::ordered_json& j);

} // namespace order_node
