// node/repl/line_reader.cpp — see line_reader.hpp.
#include "node/repl/line_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

#include <editline/readline.h>
#include <poll.h>

namespace order_node {

line_reader::~line_reader() = default;

namespace {

void write_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

} // namespace

output_lines::output_lines() {
  if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0)
    fds_[0] = fds_[1] = -1;
}

output_lines::~output_lines() {
  for (int fd : fds_)
    if (fd >= 0)
      ::close(fd);
}

void output_lines::print(const std::string& line) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (held_ && fds_[1] >= 0) {
    queued_.push_back(line);
    if (queued_.size() == 1) {
      char c = 1;
      [[maybe_unused]] auto n = ::write(fds_[1], &c, 1);
    }
    return;
  }
  write_line(line);
  std::fflush(stdout);
}

void output_lines::hold() {
  std::lock_guard<std::mutex> guard{mtx_};
  held_ = true;
}

void output_lines::release() {
  for (auto& line : take())
    write_line(line);
  std::lock_guard<std::mutex> guard{mtx_};
  held_ = false;
  std::fflush(stdout);
}

std::vector<std::string> output_lines::take() {
  std::lock_guard<std::mutex> guard{mtx_};
  char buf[64];
  while (fds_[0] >= 0 && ::read(fds_[0], buf, sizeof(buf)) > 0) {
  }
  return std::exchange(queued_, {});
}

namespace {

enum class ready { input, wake, output };

// Waits until `fd` is readable (input), `wake_fd` is (a shutdown) or
// `out_fd` is (lines to print); -1 for the last two: not watched.
ready wait_readable(int fd, int wake_fd, int out_fd = -1) {
  if (wake_fd < 0 && out_fd < 0)
    return ready::input;
  pollfd fds[3] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}, {out_fd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      return ready::input; // let read() report the problem
    }
    if (fds[1].revents != 0)
      return ready::wake;
    if (fds[2].revents != 0)
      return ready::output;
    if (fds[0].revents != 0)
      return ready::input;
  }
}

class fd_reader : public line_reader {
 public:
  fd_reader(int fd, size_t max_bytes, int wake_fd)
      : fd_(fd), max_(max_bytes), wake_fd_(wake_fd) {
    buf_.resize(size_t{64} * 1024);
  }

  std::optional<input_line> next() override {
    input_line out;
    bool any = false; // this line has begun
    for (;;) {
      if (pos_ < len_) {
        any = true;
        auto* begin = buf_.data() + pos_;
        auto* nl = static_cast<char*>(std::memchr(begin, '\n', len_ - pos_));
        auto n = nl != nullptr ? static_cast<size_t>(nl - begin) : len_ - pos_;
        if (!out.too_long && out.text.size() + n > max_) {
          out.too_long = true; // keep reading to its end, keep nothing
          out.text.clear();
        } else if (!out.too_long) {
          out.text.append(begin, n);
        }
        pos_ += n;
        if (nl != nullptr) {
          ++pos_;
          out.number = ++count_;
          return out;
        }
      }
      pos_ = len_ = 0;
      if (wait_readable(fd_, wake_fd_) == ready::wake)
        return std::nullopt; // shutting down
      ssize_t got;
      do {
        got = ::read(fd_, buf_.data(), buf_.size());
      } while (got < 0 && errno == EINTR);
      if (got <= 0) { // end of input (or an error reading it)
        if (!any)
          return std::nullopt;
        out.number = ++count_;
        return out; // the last line had no newline
      }
      len_ = static_cast<size_t>(got);
    }
  }

 private:
  int fd_;
  size_t max_;
  int wake_fd_;
  std::string buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  int64_t count_ = 0;
};

// libedit's callback interface, so that the terminal can be watched together
// with the wake fd. One terminal reader at a time.
class terminal_reader : public line_reader {
 public:
  terminal_reader(std::string prompt, std::string history, size_t max_bytes,
                  int wake_fd, output_lines* out)
      : prompt_(std::move(prompt)), history_(std::move(history)),
        max_(max_bytes), wake_fd_(wake_fd), out_(out) {
    using_history();
    stifle_history(1000);
    if (!history_.empty())
      read_history(history_.c_str());
  }

  ~terminal_reader() override {
    if (!history_.empty())
      write_history(history_.c_str());
  }

  std::optional<input_line> next() override {
    current_ = this;
    done_ = false;
    eof_ = false;
    if (out_ != nullptr) { // what arrived while the last command ran
      for (auto& line : out_->take())
        write_line(line);
      std::fflush(stdout);
    }
    rl_callback_handler_install(prompt_.c_str(), &terminal_reader::on_line);
    while (!done_) {
      auto what = wait_readable(STDIN_FILENO, wake_fd_,
                                out_ != nullptr ? out_->fd() : -1);
      if (what == ready::wake) {
        rl_callback_handler_remove();
        std::fputc('\n', stdout);
        return std::nullopt;
      }
      if (what == ready::output && out_ != nullptr) {
        // Results above the prompt: clear the prompt's line, print, then
        // let libedit draw the prompt and the typed text again.
        std::fputs("\r\033[K", stdout);
        for (auto& line : out_->take())
          write_line(line);
        std::fflush(stdout);
        rl_forced_update_display();
        continue;
      }
      rl_callback_read_char();
    }
    rl_callback_handler_remove();
    if (eof_)
      return std::nullopt;
    return std::move(line_);
  }

 private:
  static void on_line(char* raw) {
    auto* self = current_;
    self->done_ = true;
    if (raw == nullptr) {
      self->eof_ = true;
      return;
    }
    input_line out;
    out.number = ++self->count_;
    auto n = std::strlen(raw);
    if (n > self->max_)
      out.too_long = true;
    else
      out.text.assign(raw, n);
    std::free(raw);
    if (!out.text.empty())
      add_history(out.text.c_str());
    self->line_ = std::move(out);
  }

  static inline terminal_reader* current_ = nullptr;
  std::string prompt_;
  std::string history_;
  size_t max_;
  int wake_fd_;
  output_lines* out_;
  int64_t count_ = 0;
  bool done_ = false;
  bool eof_ = false;
  input_line line_;
};

} // namespace

std::unique_ptr<line_reader> make_fd_reader(int fd, size_t max_bytes,
                                            int wake_fd) {
  return std::make_unique<fd_reader>(fd, max_bytes, wake_fd);
}

std::unique_ptr<line_reader> make_terminal_reader(std::string prompt,
                                                  std::string history_file,
                                                  size_t max_bytes, int wake_fd,
                                                  output_lines* out) {
  return std::make_unique<terminal_reader>(
    std::move(prompt), std::move(history_file), max_bytes, wake_fd, out);
}

} // namespace order_node
