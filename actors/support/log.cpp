// actors/support/log.cpp — see log.hpp. Every logger shares one sink, so lines
// stay in order. On a terminal it is spdlog's colour sink (one write per line);
// otherwise lines collect in a buffer written in blocks: with one info line
// per order, a write() per line cost a third of the orders/s
// (docs/performance.md). The block is written when it holds 64 KiB, at once
// for a warning or an error, and at the latest after 100 ms.
#include "actors/support/log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/support/log_format.hpp"

namespace order_node {

namespace {

// A lock for a few dozen instructions: a thread that finds it taken spins
// instead of sleeping in the kernel (a futex wait and wake per contended
// line cost more than the line).
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

// Lines are formatted by the calling thread outside any lock; the lock
// only guards appending them to the block (two desks log at once), and a
// full block is written after it is released, in the order blocks filled.
class block_stderr_sink final : public spdlog::sinks::sink {
 public:
  explicit block_stderr_sink(std::unique_ptr<spdlog::formatter> f)
      : formatter_(std::move(f)) {
    flusher_ = std::thread{[this] {
      std::unique_lock<std::mutex> guard{stop_mtx_};
      while (!stop_cv_.wait_for(guard, std::chrono::milliseconds(100),
                                [this] { return stopping_; }))
        flush();
    }};
  }

  ~block_stderr_sink() override {
    {
      std::lock_guard<std::mutex> guard{stop_mtx_};
      stopping_ = true;
    }
    stop_cv_.notify_one();
    flusher_.join();
    flush();
  }

  void log(const spdlog::details::log_msg& msg) override {
    thread_local spdlog::memory_buf_t line;
    line.clear();
    formatter_->format(msg, line);
    std::unique_lock<spin_lock> guard{mtx_};
    buf_.append(line.data(), line.data() + line.size());
    if (buf_.size() >= block_bytes)
      write_out(guard);
  }

  void flush() override {
    std::unique_lock<spin_lock> guard{mtx_};
    write_out(guard);
  }

  // The format is fixed (log_format.hpp); set at construction.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

 private:
  static constexpr size_t block_bytes = size_t{64} * 1024;

  // Takes the block and writes it, releasing `guard` (on mtx_) meanwhile.
  void write_out(std::unique_lock<spin_lock>& guard) {
    if (buf_.size() == 0)
      return;
    std::lock_guard<std::mutex> order{write_mtx_}; // blocks leave in order
    spdlog::memory_buf_t out;
    std::swap(out, buf_);
    guard.unlock();
    const char* p = out.data();
    size_t left = out.size();
    while (left > 0) {
      auto n = ::write(STDERR_FILENO, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; // stderr is gone: nothing to tell anyone
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

  std::unique_ptr<spdlog::formatter> formatter_; // thread-safe
  spin_lock mtx_;                                // buf_
  std::mutex write_mtx_; // taken with mtx_ held, kept while writing
  spdlog::memory_buf_t buf_;
  std::mutex stop_mtx_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_; // writes the block every 100 ms
};

// `name: ` before the text of every logger but the default one (lines of
// the colour sink, whose pattern reads as log_format.hpp's text lines).
class room_prefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (msg.logger_name == "order-node")
      return;
    dest.append(msg.logger_name.begin(), msg.logger_name.end());
    dest.push_back(':');
    dest.push_back(' ');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<room_prefix>();
  }
};

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    spdlog::sink_ptr out;
    if (::isatty(STDERR_FILENO) != 0) {
      out = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
      auto formatter = std::make_unique<spdlog::pattern_formatter>();
      formatter->add_flag<room_prefix>('*').set_pattern(
        "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %*%v");
      out->set_formatter(std::move(formatter));
    } else {
      out = std::make_shared<block_stderr_sink>(
        make_log_formatter(log_format::text));
    }
    return out;
  }();
  return sink;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  auto log = std::make_shared<spdlog::logger>(name, shared_sink());
  log->flush_on(spdlog::level::warn);
  spdlog::register_logger(log);
  return log;
}

} // namespace

spdlog::logger& node_log() {
  static std::shared_ptr<spdlog::logger> instance = make_logger("order-node");
  return *instance;
}

spdlog::logger& room_log(const std::string& name) {
  auto log = make_logger(name);
  if (name != "order-node")
    log->set_level(node_log().level());
  return *log;
}

void flush_logs() {
  spdlog::apply_all(
    [](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
}

} // namespace order_node
