// tests/e2e/process.hpp — runs the built order-node with arguments and a
// standard input, collects its output, and kills it if it overruns its time.
// Each process runs in a fresh working directory of its own (removed when it
// ends), so that what order-node writes there by default (its journal)
// never mixes between tests.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace order_node::testing {

/// A fresh directory under the system's temporary one, removed with
/// everything in it at the end.
struct work_dir {
  std::string path;
  work_dir();
  ~work_dir();
  work_dir(const work_dir&) = delete;
  work_dir& operator=(const work_dir&) = delete;
};

struct run_result {
  int exit_code = -1; // -1: killed after the time limit
  std::string out;
  std::string err;
  std::vector<std::string> lines() const; // stdout split at newlines
};

/// Runs `binary args...` with `input` on stdin; at most `limit` wall time.
run_result run_process(const std::string& binary,
                       const std::vector<std::string>& args,
                       const std::string& input,
                       std::chrono::milliseconds limit);

/// A process running in the background; its stderr is kept for reading.
class child {
 public:
  /// With `stdio`, the test writes the child's stdin (send) and reads its
  /// stdout (read_line); else both are /dev/null.
  child(const std::string& binary, const std::vector<std::string>& args,
        bool stdio = false);
  ~child(); // SIGKILL if still running

  child(const child&) = delete;
  child& operator=(const child&) = delete;

  /// Reads stderr until `needle` appears (or `limit` passes); returns the
  /// text read so far, or "" on timeout.
  std::string wait_for(const std::string& needle,
                       std::chrono::milliseconds limit);

  /// Sends `signo` (0: none) and waits up to `limit` for the exit; returns
  /// the exit code, or -1 if it had to be killed.
  int stop(int signo, std::chrono::milliseconds limit);

  /// Everything read from stderr so far.
  const std::string& err() const { return err_; }

  /// Writes `text` to the child's stdin (stdio children only).
  bool send(const std::string& text);

  /// Closes the child's stdin: the end of its input.
  void close_stdin();

  /// The next line of stdout, or "" after `limit` (stderr is drained
  /// meanwhile, so a chatty child never blocks).
  std::string read_line(std::chrono::milliseconds limit);

  /// Sends `signo` (SIGSTOP, SIGCONT, SIGKILL, ...) without waiting.
  void signal(int signo);

  /// Its process id (its files are under /proc/PID/root, in its own mount
  /// namespace too).
  int pid() const { return pid_; }

 private:
  bool read_some(int fd, std::string& into);

  work_dir dir_; // its working directory, removed after it
  int pid_ = -1;
  int err_fd_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string err_;
  std::string out_; // read, not yet returned by read_line
};

} // namespace order_node::testing
