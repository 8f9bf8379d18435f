// actors/support/log.hpp — the process's spdlog loggers, all writing to stderr
// through one sink: "order-node" (the default) and one per room ("http").
// Lines read `2026-12-02T01:13:14.169+00:00 info [room: ]text`
// (log_format.hpp). Hot paths check should_log() before building arguments.
#pragma once

#include <string>

namespace spdlog {
class logger;
} // namespace spdlog

namespace order_node {

/// The "order-node" logger; created on first use (stderr, level info).
spdlog::logger& node_log();

/// The logger `name` (created on first use with node_log()'s level); its
/// lines read `TIME LEVEL name: text`.
spdlog::logger& room_log(const std::string& name);

/// Writes what the loggers hold in their buffer (before an exit that skips
/// destructors).
void flush_logs();

} // namespace order_node
