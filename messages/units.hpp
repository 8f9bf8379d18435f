// messages/units.hpp — numbers as order-node shows them: amounts and
// durations to hundredths, durations in milliseconds. Every room uses these
// (the JSON codec, the simulated services, the order's call records, the
// peers' round trips, the REPL and HTTP output), so a figure is rounded the
// same way wherever it is printed.
#pragma once

#include <chrono>
#include <cmath>

namespace order_node {

/// `x` to hundredths; dividing (not multiplying by 0.01) gives the double
/// nearest to the decimal, so 9.63 prints as 9.63.
inline double hundredths(double x) {
  return std::round(x * 100.0) / 100.0;
}

/// A duration in milliseconds, with its fraction.
template <class Rep, class Period>
double ms_of(std::chrono::duration<Rep, Period> x) {
  return std::chrono::duration<double, std::milli>(x).count();
}

/// `x` in whole milliseconds (truncated, as duration_cast does).
template <class Rep, class Period>
constexpr std::chrono::milliseconds
to_ms(std::chrono::duration<Rep, Period> x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x);
}

/// `x` rounded to thousandths (seconds to the millisecond).
inline double thousandths(double x) {
  return std::round(x * 1000.0) / 1000.0;
}

} // namespace order_node
