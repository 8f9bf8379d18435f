// messages/units.hpp — numbers as order-node shows them: amounts and
// durations to hundredths, durations in milliseconds. Every room uses these
// (the JSON codec, the simulated services, the order's call records, the
// peers' round trips, the REPL and HTTP output), so a figure is rounded the
// same way wherever it is printed.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>

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

/// A duration in whole milliseconds (truncated).
template <class Rep, class Period>
int64_t whole_ms(std::chrono::duration<Rep, Period> x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
}

} // namespace order_node
