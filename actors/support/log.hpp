// actors/support/log.hpp — the process's spdlog loggers: "order-node" (the
// default) and one per room ("http", "cluster"), all writing through one
// sink, so that lines stay in order: stderr (a terminal: spdlog's colour
// sink; a pipe, a socket or a file: block_sink.hpp) or a rotating file, as
// text or JSON lines (log_format.hpp). Hot paths check should_log() before
// building arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/support/log_format.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace order_node {

/// Where the lines go and how they read (--log-level, --log.*).
struct log_options {
  std::string level = "info"; // trace, debug, info, warn, error, off
  log_format format = log_format::text;
  std::string file;                             // empty: stderr
  size_t file_size = size_t{100} * 1024 * 1024; // a file's bytes, at most
  size_t file_count = 5; // rotated files kept beside the current one
};

/// Sends every logger's lines where `opts` says, from now on, and sets the
/// level. Empty on success, else one sentence (the file cannot be opened).
/// Called before other threads log (at startup); without it, lines go to
/// stderr as text at level info.
std::string configure_logs(const log_options& opts);

/// The "order-node" logger.
spdlog::logger& node_log();

/// The logger `name` (created on first use with node_log()'s level); its
/// text lines read `TIME LEVEL name: text`.
spdlog::logger& room_log(const std::string& name);

/// Writes what the loggers hold (before an exit that skips destructors).
/// Waits for the output, but at most about a second while it takes
/// nothing.
void flush_logs();

/// Lines dropped since the start because the output did not take them
/// (a full pipe nobody reads) or failed.
uint64_t dropped_log_lines();

} // namespace order_node
