// node/line_reader.hpp — lines from stdin, bounded: a terminal gets libedit
// (line editing and history), a pipe or file is read in chunks so that a huge
// line costs no more than max_line_bytes of memory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace order_node {

struct input_line {
  std::string text;      // without the newline
  int64_t number = 0;    // 1-based
  bool too_long = false; // text was cut: the line is an error
};

class line_reader {
 public:
  virtual ~line_reader();
  /// The next line, or nothing at the end of input.
  virtual std::optional<input_line> next() = 0;
};

/// Reads a pipe or file descriptor: no prompt, no echo. Input ends early
/// when `wake_fd` (if not -1) becomes readable: a shutdown.
std::unique_ptr<line_reader> make_fd_reader(int fd, size_t max_bytes,
                                            int wake_fd = -1);

/// Reads a terminal with libedit: prompt, editing, history (kept in
/// `history_file` when not empty). Input ends early when `wake_fd` becomes
/// readable.
std::unique_ptr<line_reader> make_terminal_reader(std::string prompt,
                                                  std::string history_file,
                                                  size_t max_bytes,
                                                  int wake_fd = -1);

} // namespace order_node
