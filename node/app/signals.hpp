// node/app/signals.hpp — SIGINT and SIGTERM, the signals that stop a node,
// and the one thread that waits for them. main() blocks both before any thread
// starts (threads inherit the mask) and never unblocks them: they are only ever
// received here, so a signal during startup waits for the watcher instead of
// killing the process, and every role drains the same way.
#pragma once

#include <csignal>
#include <functional>
#include <thread>

namespace order_node {

/// SIGINT and SIGTERM.
sigset_t stop_signal_set();

/// Waits on a thread of its own for SIGINT or SIGTERM (which must be blocked
/// in every thread). The first calls `on_first(signo)` on that thread; a
/// second one ends the process at once with status 128 + signo (a user's
/// second Ctrl-C when the drain takes too long).
class signal_watcher {
 public:
  explicit signal_watcher(std::function<void(int)> on_first);
  ~signal_watcher(); // stops waiting and joins the thread

  signal_watcher(const signal_watcher&) = delete;
  signal_watcher& operator=(const signal_watcher&) = delete;

  /// False if the signal file descriptor could not be created (logged).
  bool ok() const { return signal_fd_ >= 0; }

 private:
  void run();

  std::function<void(int)> on_first_;
  int signal_fd_ = -1;
  int quit_fds_[2] = {-1, -1};
  std::thread thread_;
};

} // namespace order_node
