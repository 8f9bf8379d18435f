// actors/support/log_format.hpp — how a log line reads. Text:
// `2026-12-02T01:13:14.169+00:00 info [logger: ]message`; JSON: one object a
// line, {"time","level","logger","message"}. The time is local with its UTC
// offset, so that lines from machines in other zones sort and compare.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class formatter;
} // namespace spdlog

namespace order_node {

enum class log_format { text, json };

/// "text" or "json"; false for anything else.
bool parse_log_format(const std::string& text, log_format& out);

/// A formatter for `format` at a fraction of spdlog's pattern formatter's
/// cost (see log_format.cpp). Thread-safe: one instance serves every thread.
/// JSON strings escape `"`, `\` and control characters and replace bytes
/// that are not UTF-8 by \ufffd: every line is valid JSON.
std::unique_ptr<spdlog::formatter> make_log_formatter(log_format format);

} // namespace order_node
