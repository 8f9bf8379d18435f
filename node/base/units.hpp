// node/base/units.hpp — numbers as order-node prints them: durations in
// milliseconds, values rounded to hundredths (milliseconds, rates) or
// thousandths (seconds).
#pragma once

#include <chrono>
#include <cmath>

namespace order_node {

/// `x` in whole milliseconds (truncated, as duration_cast does).
template <class Rep, class Period>
constexpr std::chrono::milliseconds
to_ms(std::chrono::duration<Rep, Period> x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x);
}

/// `x` rounded to hundredths: 9.625 -> 9.63. Dividing (not multiplying by
/// 0.01) gives the double nearest to the decimal, so it prints as written.
inline double hundredths(double x) {
  return std::round(x * 100.0) / 100.0;
}

/// `x` rounded to thousandths (seconds to the millisecond).
inline double thousandths(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

} // namespace order_node
