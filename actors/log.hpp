// actors/log.hpp — the process's spdlog logger ("order-node", to stderr).
// Hot paths check should_log() before building arguments.
#pragma once

namespace spdlog {
class logger;
} // namespace spdlog

namespace order_node {

/// The "order-node" logger; created on first use (stderr, level info).
spdlog::logger& node_log();

} // namespace order_node
