// actors/support/log.cpp — see log.hpp. The sink is chosen once, at
// configure_logs() (or at the first line), and shared by every logger.
#include "actors/support/log.hpp"

#include <mutex>
#include <unistd.h>
#include <utility>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/support/block_sink.hpp"

namespace order_node {

namespace {

// `name: ` before the text of every logger but the default one (text lines
// of the colour sink).
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

// A person at a terminal reads each line as it comes, in colour: spdlog's
// colour sink, one write per line. Its pattern reads as text_formatter's.
spdlog::sink_ptr terminal_sink(log_format format) {
  auto out = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == log_format::json) {
    out->set_formatter(make_log_formatter(format));
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<room_prefix>('*').set_pattern(
      "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %*%v");
    out->set_formatter(std::move(formatter));
  }
  return out;
}

spdlog::sink_ptr stderr_sink(log_format format) {
  if (::isatty(STDERR_FILENO) != 0)
    return terminal_sink(format);
  return make_block_sink(make_log_formatter(format), fd_output(STDERR_FILENO));
}

std::mutex sink_mtx;           // current_sink
spdlog::sink_ptr current_sink; // every logger's

spdlog::sink_ptr shared_sink() {
  std::lock_guard<std::mutex> guard{sink_mtx};
  if (!current_sink)
    current_sink = stderr_sink(log_format::text);
  return current_sink;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name) {
  if (auto existing = spdlog::get(name))
    return existing;
  auto log = std::make_shared<spdlog::logger>(name, shared_sink());
  // The block sink writes warnings at once itself; the colour sink writes
  // every line at once.
  log->flush_on(spdlog::level::off);
  spdlog::register_logger(log);
  return log;
}

} // namespace

std::string configure_logs(const log_options& opts) {
  spdlog::sink_ptr sink;
  if (opts.file.empty()) {
    sink = stderr_sink(opts.format);
  } else {
    std::string error;
    auto out
      = rotating_file_output(opts.file, opts.file_size, opts.file_count, error);
    if (!out)
      return "cannot open log file " + opts.file + ": " + error;
    sink = make_block_sink(make_log_formatter(opts.format), std::move(out));
  }
  spdlog::sink_ptr old;
  {
    std::lock_guard<std::mutex> guard{sink_mtx};
    old = std::exchange(current_sink, sink);
  }
  auto level = spdlog::level::from_str(opts.level);
  node_log(); // exists, with the new sink if it is new
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->sinks().assign(1, sink);
    l->set_level(level);
  });
  return {}; // `old` flushes and ends when its last logger let it go
}

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
  // Loggers hold nothing themselves; every line is in the one sink.
  shared_sink()->flush();
}

uint64_t dropped_log_lines() {
  return block_sink_dropped_lines();
}

} // namespace order_node
