// actors/log.cpp — see log.hpp.
#include "actors/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace order_node {

spdlog::logger& node_log() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    if (auto existing = spdlog::get("order-node"))
      return existing;
    auto log = spdlog::stderr_color_mt("order-node");
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    return log;
  }();
  return *instance;
}

} // namespace order_node
