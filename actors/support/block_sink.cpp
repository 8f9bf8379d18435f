// actors/support/block_sink.cpp — see block_sink.hpp. The logging threads
// and the writer share a state (block_state) that the writer thread keeps
// alive too: a writer stuck in a write() nobody will ever take is left
// behind (detached) when the sink goes, instead of hanging the exit.
#include "actors/support/block_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/sink.h>

namespace order_node {

namespace {

using steady = std::chrono::steady_clock;
using spdlog::memory_buf_t;

constexpr size_t block_bytes = size_t{64} * 1024;
// Lines waiting for an output that takes nothing, at most (a second of
// info lines at 7,000 orders/s): beyond it lines are dropped.
constexpr size_t buffer_limit = 16 * block_bytes;
// How long flush(), the sink's end and a writer told to stop wait for an
// output that makes no progress.
constexpr auto patience = std::chrono::seconds(1);

std::atomic<uint64_t> dropped_total{0};

uint64_t count_lines(const memory_buf_t& x) {
  return static_cast<uint64_t>(std::count(x.begin(), x.end(), '\n'));
}

// A lock for a few dozen instructions (appending a line): a thread that
// finds it taken spins instead of sleeping in the kernel (a futex wait and
// wake per contended line cost more than the line). Nobody holds it while
// waiting for anything.
class spin_lock {
 public:
  void lock() noexcept {
    while (taken_.exchange(true, std::memory_order_acquire))
      while (taken_.load(std::memory_order_relaxed))
        __builtin_ia32_pause();
  }
  void unlock() noexcept { taken_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> taken_{false};
};

class fd_out final : public block_output {
 public:
  explicit fd_out(int fd) : fd_(fd) {}

  bool write(const char* p, size_t left,
             const std::atomic<bool>& stopping) override {
    auto progress = steady::now();
    while (left > 0) {
      auto n = ::write(fd_, p, left);
      if (n > 0) {
        p += n;
        left -= static_cast<size_t>(n);
        progress = steady::now();
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (stopping.load() && steady::now() - progress >= patience)
          return false;
        pollfd room{fd_, POLLOUT, 0};
        ::poll(&room, 1, 100);
        continue;
      }
      return false; // the output is gone (EPIPE, EBADF): nobody to tell
    }
    return true;
  }

 private:
  int fd_;
};

// Copies a block handed over as one message: the lines are formatted.
class raw_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              memory_buf_t& dest) override {
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<raw_formatter>();
  }
};

class file_out final : public block_output {
 public:
  file_out(const std::string& path, size_t max_bytes, size_t files)
      : sink_(path, max_bytes, files) {
    sink_.set_formatter(std::make_unique<raw_formatter>());
  }

  // The sink rotates before a message that would pass the size: handed
  // pieces that end at a line's end, files are cut between lines.
  bool write(const char* p, size_t left, const std::atomic<bool>&) override {
    try {
      while (left > 0) {
        size_t piece = left;
        if (piece > block_bytes) {
          auto* nl = static_cast<const char*>(::memrchr(p, '\n', block_bytes));
          piece = nl != nullptr ? static_cast<size_t>(nl - p) + 1 : block_bytes;
        }
        spdlog::details::log_msg msg{"", spdlog::level::info,
                                     spdlog::string_view_t{p, piece}};
        sink_.log(msg);
        p += piece;
        left -= piece;
      }
      sink_.flush();
      return true;
    } catch (const std::exception&) { // a failed write or rename
      return false;
    }
  }

 private:
  spdlog::sinks::rotating_file_sink_st sink_;
};

// What the logging threads and the writer thread share.
struct block_state {
  block_state(std::unique_ptr<spdlog::formatter> f,
              std::unique_ptr<block_output> o)
      : formatter(std::move(f)), out(std::move(o)) {}

  std::unique_ptr<spdlog::formatter> formatter; // thread-safe
  std::unique_ptr<block_output> out;            // the writer thread's

  spin_lock mtx;         // buf, appended, dropped
  memory_buf_t buf;      // lines not yet taken by the writer
  uint64_t appended = 0; // bytes appended to buf, ever
  uint64_t dropped = 0;  // lines dropped and not yet reported

  std::mutex wake_mtx; // wake; the waits on both condition variables
  std::condition_variable wake_cv;    // the writer waits for work
  std::condition_variable written_cv; // flush() and the end wait for it
  bool wake = false;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> written{0}; // bytes of buf the writer has handled
  std::atomic<bool> exited{false};

  void wake_writer() {
    {
      std::lock_guard<std::mutex> guard{wake_mtx};
      wake = true;
    }
    wake_cv.notify_one();
  }

  // Waits until the writer has handled `target` bytes or has exited; false
  // if it made no progress for `patience`.
  bool wait_written(uint64_t target) {
    std::unique_lock<std::mutex> guard{wake_mtx};
    auto seen = written.load();
    auto progress = steady::now();
    while (written.load() < target && !exited.load()) {
      written_cv.wait_for(guard, std::chrono::milliseconds(100));
      if (auto now = written.load(); now != seen) {
        seen = now;
        progress = steady::now();
      } else if (steady::now() - progress >= patience) {
        return false;
      }
    }
    return true;
  }

  // The writer thread: every 100 ms, or when woken, writes what there is.
  void run() {
    memory_buf_t block;
    for (;;) {
      {
        std::unique_lock<std::mutex> guard{wake_mtx};
        wake_cv.wait_for(guard, std::chrono::milliseconds(100),
                         [this] { return wake || stopping.load(); });
        wake = false;
      }
      bool stop = stopping.load();
      write_all(block);
      if (stop)
        break;
    }
    exited = true;
    { std::lock_guard<std::mutex> guard{wake_mtx}; }
    written_cv.notify_all();
  }

  // Takes and writes blocks until the buffer is empty, then reports the
  // lines dropped meanwhile.
  void write_all(memory_buf_t& block) {
    for (;;) {
      uint64_t report = 0;
      {
        std::lock_guard<spin_lock> guard{mtx};
        if (buf.size() == 0) {
          std::swap(report, dropped);
          if (report == 0)
            return;
        } else {
          std::swap(block, buf);
        }
      }
      if (report > 0) {
        auto text = "log: " + std::to_string(report)
                    + " lines dropped: the output did not take them";
        formatter->format(
          spdlog::details::log_msg{"order-node", spdlog::level::warn, text},
          block);
      }
      if (!out->write(block.data(), block.size(), stopping))
        dropped_total.fetch_add(count_lines(block), std::memory_order_relaxed);
      if (report == 0) {
        written.fetch_add(block.size());
        { std::lock_guard<std::mutex> guard{wake_mtx}; }
        written_cv.notify_all();
      }
      block.clear();
      if (report > 0)
        return;
    }
  }
};

class block_sink final : public spdlog::sinks::sink {
 public:
  block_sink(std::unique_ptr<spdlog::formatter> f,
             std::unique_ptr<block_output> out)
      : state_(std::make_shared<block_state>(std::move(f), std::move(out))) {
    writer_ = std::thread{[s = state_] { s->run(); }};
  }

  ~block_sink() override {
    state_->stopping = true;
    state_->wake_writer();
    if (state_->wait_written(UINT64_MAX))
      writer_.join();
    else
      writer_.detach(); // stuck in write(): it keeps its state alive
  }

  // Formats in the calling thread, appends under the spin lock; never
  // waits for the output.
  void log(const spdlog::details::log_msg& msg) override {
    thread_local memory_buf_t line;
    line.clear();
    auto& s = *state_;
    s.formatter->format(msg, line);
    bool wake = msg.level >= spdlog::level::warn;
    {
      std::lock_guard<spin_lock> guard{s.mtx};
      auto before = s.buf.size();
      if (before + line.size() > buffer_limit) {
        ++s.dropped;
        dropped_total.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      s.buf.append(line.data(), line.data() + line.size());
      s.appended += line.size();
      wake = wake || (before < block_bytes && s.buf.size() >= block_bytes);
    }
    if (wake)
      s.wake_writer();
  }

  void flush() override {
    uint64_t target = 0;
    {
      std::lock_guard<spin_lock> guard{state_->mtx};
      target = state_->appended;
    }
    state_->wake_writer();
    state_->wait_written(target);
  }

  // The format is the formatter given at construction.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

 private:
  std::shared_ptr<block_state> state_;
  std::thread writer_;
};

} // namespace

std::unique_ptr<block_output> fd_output(int fd) {
  return std::make_unique<fd_out>(fd);
}

std::unique_ptr<block_output> rotating_file_output(const std::string& path,
                                                   size_t max_bytes,
                                                   size_t files,
                                                   std::string& error) {
  try {
    return std::make_unique<file_out>(path, max_bytes, files);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

std::shared_ptr<spdlog::sinks::sink>
make_block_sink(std::unique_ptr<spdlog::formatter> formatter,
                std::unique_ptr<block_output> out) {
  return std::make_shared<block_sink>(std::move(formatter), std::move(out));
}

uint64_t block_sink_dropped_lines() {
  return dropped_total.load(std::memory_order_relaxed);
}

} // namespace order_node
