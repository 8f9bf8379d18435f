// tests/e2e/process.hpp — runs the built order-node with arguments and a
// standard input, collects its output, and kills it if it overruns its time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace order_node::testing {

struct run_result {
  int exit_code = -1; // -1: killed after the time limit
  std::string out;
  std::string err;
  std::vector<std::string> lines() const; // stdout split at newlines
};

/// Runs `binary args...` with `input` on stdin; at most `limit` wall time.
run_result run_process(const std::string& binary,
                       const std::vector<std::string>& args,
                       const std::string& input,
                       std::chrono::milliseconds limit);

} // namespace order_node::testing
