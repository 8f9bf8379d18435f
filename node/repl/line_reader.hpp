// node/repl/line_reader.hpp — lines from stdin, bounded: a terminal gets
// libedit (line editing and history), a pipe or file is read in chunks so that
// a huge line costs no more than max_line_bytes of memory.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

/// Lines for stdout from any thread. While a terminal reader shows its
/// prompt (hold()), lines are queued and printed by the reader's thread
/// above the prompt, which it then redraws with what the user had typed;
/// otherwise they are printed at once. Whole lines never interleave.
class output_lines {
 public:
  output_lines();
  ~output_lines();
  output_lines(const output_lines&) = delete;
  output_lines& operator=(const output_lines&) = delete;

  /// Prints `line` and a newline (any thread), or queues it while held.
  void print(const std::string& line);

  /// Queues lines from now on, for a terminal reader.
  void hold();

  /// Prints what is queued and prints at once from now on.
  void release();

  /// Readable while lines are queued (what the terminal reader polls).
  int fd() const { return fds_[0]; }

  /// Takes the queued lines and empties fd().
  std::vector<std::string> take();

 private:
  std::mutex mtx_;
  bool held_ = false;
  std::vector<std::string> queued_;
  int fds_[2] = {-1, -1};
};

/// Reads a pipe or file descriptor: no prompt, no echo. Input ends early
/// when `wake_fd` (if not -1) becomes readable: a shutdown.
std::unique_ptr<line_reader> make_fd_reader(int fd, size_t max_bytes,
                                            int wake_fd = -1);

/// Reads a terminal with libedit: prompt, editing, history (kept in
/// `history_file` when not empty). Input ends early when `wake_fd` becomes
/// readable. Lines queued in `out` (if not null) print above the prompt.
std::unique_ptr<line_reader> make_terminal_reader(std::string prompt,
                                                  std::string history_file,
                                                  size_t max_bytes,
                                                  int wake_fd = -1,
                                                  output_lines* out = nullptr);

} // namespace order_node
