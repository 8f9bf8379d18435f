// node/app/signals.cpp — see signals.hpp.
#include "node/app/signals.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"

namespace order_node {

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

signal_watcher::signal_watcher(std::function<void(int)> on_first)
    : on_first_(std::move(on_first)) {
  auto set = stop_signal_set();
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  if (signal_fd_ < 0 || ::pipe2(quit_fds_, O_CLOEXEC) != 0) {
    node_log().error("cannot wait for signals: {}", std::strerror(errno));
    if (signal_fd_ >= 0)
      ::close(signal_fd_);
    signal_fd_ = -1;
    return;
  }
  thread_ = std::thread{[this] { run(); }};
}

signal_watcher::~signal_watcher() {
  if (thread_.joinable()) {
    char c = 1;
    [[maybe_unused]] auto n = ::write(quit_fds_[1], &c, 1);
    thread_.join();
  }
  for (int fd : {signal_fd_, quit_fds_[0], quit_fds_[1]})
    if (fd >= 0)
      ::close(fd);
}

void signal_watcher::run() {
  int received = 0;
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {quit_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      node_log().error("waiting for signals failed: {}", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0)
      return;
    signalfd_siginfo info;
    if (::read(signal_fd_, &info, sizeof(info)) != sizeof(info))
      continue;
    auto signo = static_cast<int>(info.ssi_signo);
    if (++received > 1) {
      node_log().warn("signal {} again: exiting at once, without draining",
                      signo);
      flush_logs();
      std::_Exit(128 + signo);
    }
    on_first_(signo);
  }
}

} // namespace order_node
