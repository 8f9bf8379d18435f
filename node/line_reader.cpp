// node/line_reader.cpp — see line_reader.hpp.
#include "node/line_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <editline/readline.h>

namespace order_node {

line_reader::~line_reader() = default;

namespace {

class fd_reader : public line_reader {
 public:
  fd_reader(int fd, size_t max_bytes) : fd_(fd), max_(max_bytes) {
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
  std::string buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  int64_t count_ = 0;
};

class terminal_reader : public line_reader {
 public:
  terminal_reader(std::string prompt, std::string history, size_t max_bytes)
      : prompt_(std::move(prompt)), history_(std::move(history)),
        max_(max_bytes) {
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
    char* raw = readline(prompt_.c_str());
    if (raw == nullptr)
      return std::nullopt;
    input_line out;
    out.number = ++count_;
    auto n = std::strlen(raw);
    if (n > max_)
      out.too_long = true;
    else
      out.text.assign(raw, n);
    std::free(raw);
    if (!out.text.empty())
      add_history(out.text.c_str());
    return out;
  }

 private:
  std::string prompt_;
  std::string history_;
  size_t max_;
  int64_t count_ = 0;
};

} // namespace

std::unique_ptr<line_reader> make_fd_reader(int fd, size_t max_bytes) {
  return std::make_unique<fd_reader>(fd, max_bytes);
}

std::unique_ptr<line_reader> make_terminal_reader(std::string prompt,
                                                  std::string history_file,
                                                  size_t max_bytes) {
  return std::make_unique<terminal_reader>(std::move(prompt),
                                           std::move(history_file), max_bytes);
}

} // namespace order_node
