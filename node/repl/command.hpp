// node/repl/command.hpp — the REPL grammar (docs/repl.md): one line in, one
// command out, or an error that names what was wrong. Pure: no I/O, no actors.
//
//   order key=value ... | order {json}     a parallel order
//   slow  key=value ... | slow  {json}     a sequential order
//   bench orders=N concurrency=C [mode=parallel|sequential] [latency-scale=X]
//   get ORDER_ID | trace ORDER_ID          an order from the journal
//   stats | nodes | help | quit
//   json on|off                            results as JSON or one human line
//   (blank lines and lines starting with '#' are ignored)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "messages/json_codec.hpp"

namespace order_node {

/// Longest accepted input line in bytes (without its newline).
constexpr size_t max_line_bytes = size_t{64} * 1024;

struct blank_command {};

struct order_command {
  order_kind kind = order_kind::parallel;
  order_input input;
  /// `send order ...`: answer once accepted, not with the result.
  bool send = false;
};

/// `get ORDER_ID`: where an order stands (from the journal); `trace
/// ORDER_ID`: its calls as a timeline.
struct get_command {
  std::string order_id;
  bool trace = false;
};

struct bench_command {
  int64_t orders = 0;
  int64_t concurrency = 0;
  order_kind mode = order_kind::parallel;
  std::optional<double> latency_scale; // unset: the node's services
};

enum class simple_command { stats, nodes, help, quit };

/// How results print: one JSON line (on; a pipe's default) or one short line
/// for a person (off; a terminal's default).
struct json_command {
  bool on = true;
};

using command = std::variant<blank_command, order_command, bench_command,
                             simple_command, json_command, get_command>;

/// Parses one line (without its newline). Errors are order_errc::
/// invalid_request with one sentence naming the problem.
caf::expected<command> parse_command(std::string_view line);

/// Splits `text` into words at spaces and tabs; a double-quoted part may hold
/// spaces and the escapes \" and \\ (key="New York").
caf::expected<std::vector<std::string>> split_words(std::string_view text);

} // namespace order_node
