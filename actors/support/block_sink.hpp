// actors/support/block_sink.hpp — the log sink for a pipe, a socket or a
// file: lines collect in a buffer written in blocks by a thread of the
// sink's own. With one info line per order, a write() per line cost a third
// of the orders/s (docs/performance.md). A block leaves when it holds
// 64 KiB, at once after a warning or an error, and at the latest after
// 100 ms.
//
// A thread that logs never waits for the output: when the output takes
// nothing (a full pipe its reader stopped reading), the writer thread blocks
// (or, on a non-blocking descriptor, waits in poll()), lines wait in the
// buffer up to 1 MiB, and lines beyond that are dropped and counted; once
// the output takes lines again, the writer logs how many were dropped.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog {
class formatter;
namespace sinks {
class sink;
} // namespace sinks
} // namespace spdlog

namespace order_node {

/// Where the writer thread puts the blocks.
class block_output {
 public:
  virtual ~block_output() = default;

  /// Writes `[data, data + size)`, a whole number of lines. Waits while the
  /// output takes nothing; once `stopping` is set, at most about a second
  /// more without progress. False if the lines were lost.
  virtual bool write(const char* data, size_t size,
                     const std::atomic<bool>& stopping)
    = 0;
};

/// Writes to a file descriptor (stderr): poll() for room on EAGAIN.
std::unique_ptr<block_output> fd_output(int fd);

/// Writes to `path` with spdlog's rotating file sink: when the file would
/// pass `max_bytes`, it becomes PATH.1 (PATH.1 becomes PATH.2, ...; `files`
/// of them are kept) and a new PATH starts. Null, with `error` set, if the
/// file cannot be opened.
std::unique_ptr<block_output> rotating_file_output(const std::string& path,
                                                   size_t max_bytes,
                                                   size_t files,
                                                   std::string& error);

/// A sink that formats lines with `formatter` in the logging thread and
/// writes them to `out` in blocks. Its flush() returns when what was logged
/// before has been written, or after a second without progress.
std::shared_ptr<spdlog::sinks::sink>
make_block_sink(std::unique_ptr<spdlog::formatter> formatter,
                std::unique_ptr<block_output> out);

/// Lines every block sink has dropped since the start: the buffer was full,
/// or the output failed.
uint64_t block_sink_dropped_lines();

} // namespace order_node
