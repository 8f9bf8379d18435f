// tests/e2e/common.hpp — what the end-to-end tests share: the tutorial's
// order as REPL arguments, and argument lists joined with +.
#pragma once

#include <string>
#include <vector>

namespace order_node::testing {

/// The tutorial's order as `order`/`slow` key=value words.
inline const std::string tutorial_args = "userId=user123 productId=prod456 "
                                         "quantity=2 amount=99.99 weight=5.5 "
                                         "destination=\"New York\"";

/// `xs` followed by `ys`: options of a process, put together.
inline std::vector<std::string> operator+(std::vector<std::string> xs,
                                          const std::vector<std::string>& ys) {
  xs.insert(xs.end(), ys.begin(), ys.end());
  return xs;
}

} // namespace order_node::testing
