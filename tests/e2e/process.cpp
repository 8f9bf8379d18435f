// tests/e2e/process.cpp — see process.hpp. fork/exec with three pipes and a
// poll loop, so a large input and a chatty output cannot deadlock.
#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace order_node::testing {

namespace {

// In a forked child: runs `binary args...` in `dir`; exits 127 if it
// cannot.
[[noreturn]] void exec_or_exit(const std::string& binary,
                               const std::vector<std::string>& args,
                               const std::string& dir) {
  if (::chdir(dir.c_str()) != 0)
    ::_exit(127);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(127);
}

} // namespace

work_dir::work_dir() {
  std::string tmpl
    = (std::filesystem::temp_directory_path() / "order-node-e2e-XXXXXX")
        .string();
  if (::mkdtemp(tmpl.data()) != nullptr)
    path = tmpl;
}

work_dir::~work_dir() {
  std::error_code ignored;
  if (!path.empty())
    std::filesystem::remove_all(path, ignored);
}

std::vector<std::string> run_result::lines() const {
  std::vector<std::string> out_lines;
  size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    if (nl == std::string::npos)
      nl = out.size();
    out_lines.push_back(out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out_lines;
}

run_result run_process(const std::string& binary,
                       const std::vector<std::string>& args,
                       const std::string& input,
                       std::chrono::milliseconds limit) {
  int in[2], out[2], err[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0 || ::pipe(err) != 0)
    return {};
  work_dir dir;
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a test that dies takes it along
    exec_or_exit(binary, args, dir.path);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::signal(SIGPIPE, SIG_IGN);
  ::fcntl(in[1], F_SETFL, O_NONBLOCK);
  run_result res;
  size_t written = 0;
  int to_child = in[1];
  if (input.empty()) {
    ::close(to_child);
    to_child = -1;
  }
  bool out_open = true, err_open = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[65536];
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                     {err_open ? err[0] : -1, POLLIN, 0},
                     {to_child, POLLOUT, 0}};
    if (::poll(fds, 3, static_cast<int>(left)) < 0 && errno != EINTR)
      break;
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      auto n
        = ::write(to_child, input.data() + written, input.size() - written);
      if (n > 0)
        written += static_cast<size_t>(n);
      if (n < 0 || written == input.size()) {
        ::close(to_child);
        to_child = -1;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      auto n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      (i == 0 ? res.out : res.err).append(buf, static_cast<size_t>(n));
    }
  }
  if (to_child >= 0)
    ::close(to_child);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status))
    res.exit_code = WEXITSTATUS(status);
  return res;
}

child::child(const std::string& binary, const std::vector<std::string>& args,
             bool stdio) {
  int err[2];
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  if (::pipe(err) != 0 || (stdio && (::pipe(in) != 0 || ::pipe(out) != 0)))
    return;
  ::signal(SIGPIPE, SIG_IGN);
  pid_ = ::fork();
  if (pid_ == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(stdio ? in[0] : devnull, 0);
    ::dup2(stdio ? out[1] : devnull, 1);
    ::dup2(err[1], 2);
    for (int fd : {err[0], err[1], in[0], in[1], out[0], out[1]})
      if (fd >= 0)
        ::close(fd);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // a test that dies takes it along
    exec_or_exit(binary, args, dir_.path);
  }
  ::close(err[1]);
  err_fd_ = err[0];
  if (stdio) {
    ::close(in[0]);
    ::close(out[1]);
    in_fd_ = in[1];
    out_fd_ = out[0];
  }
}

child::~child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  for (int fd : {err_fd_, in_fd_, out_fd_})
    if (fd >= 0)
      ::close(fd);
}

bool child::send(const std::string& text) {
  size_t done = 0;
  while (in_fd_ >= 0 && done < text.size()) {
    auto n = ::write(in_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return done == text.size();
}

void child::close_stdin() {
  if (in_fd_ >= 0)
    ::close(in_fd_);
  in_fd_ = -1;
}

bool child::read_some(int fd, std::string& into) {
  char buf[4096];
  auto n = ::read(fd, buf, sizeof(buf));
  if (n <= 0)
    return false;
  into.append(buf, static_cast<size_t>(n));
  return true;
}

std::string child::read_line(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (out_.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0 || out_fd_ < 0)
      return "";
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(left)) <= 0)
      continue;
    if ((fds[1].revents & (POLLIN | POLLHUP)) && !read_some(err_fd_, err_)) {
      ::close(err_fd_);
      err_fd_ = -1;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP)) && !read_some(out_fd_, out_)) {
      ::close(out_fd_);
      out_fd_ = -1;
    }
  }
  auto nl = out_.find('\n');
  auto line = out_.substr(0, nl);
  out_.erase(0, nl + 1);
  return line;
}

void child::signal(int signo) {
  if (pid_ > 0)
    ::kill(pid_, signo);
}

std::string child::wait_for(const std::string& needle,
                            std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (err_.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0 || err_fd_ < 0)
      return "";
    pollfd fd{err_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left)) <= 0)
      continue;
    auto n = ::read(err_fd_, buf, sizeof(buf));
    if (n <= 0)
      return "";
    err_.append(buf, static_cast<size_t>(n));
  }
  return err_;
}

int child::stop(int signo, std::chrono::milliseconds limit) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, signo);
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      // What it wrote last (its closing lines) is still in the pipe.
      wait_for("\x01never\x01", std::chrono::milliseconds(200));
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    wait_for("\x01never\x01", std::chrono::milliseconds(20)); // drain stderr
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

} // namespace order_node::testing
