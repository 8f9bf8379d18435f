// tests/messages/stats_test.cpp — the latency histogram's quantiles.
#include <doctest/doctest.h>

#include "messages/stats_types.hpp"

using namespace order_node;

TEST_CASE("histogram quantiles fall in the bucket of the true quantile") {
  latency_histogram h;
  for (int i = 0; i < 99; ++i)
    h.observe(150'200); // 150.2 ms -> bucket (150, 155]
  h.observe(900'000);   // one slow order -> bucket (750, 1000]
  CHECK(h.count == 100);
  CHECK(h.max_us == 900'000);
  auto p50 = h.quantile_ms(0.5);
  CHECK(p50 > 150.0);
  CHECK(p50 <= 155.0);
  auto p995 = h.quantile_ms(0.995);
  CHECK(p995 > 750.0);
  CHECK(p995 <= 900.0);
}

TEST_CASE("an empty histogram reports zero") {
  latency_histogram h;
  CHECK(h.quantile_ms(0.99) == 0.0);
}

TEST_CASE("with one observation every quantile is that observation") {
  latency_histogram h;
  h.observe(150'400); // bucket (150, 155]: no interpolation past the data
  CHECK(h.quantile_ms(0.5) == doctest::Approx(150.4));
  CHECK(h.quantile_ms(0.99) == doctest::Approx(150.4));
  CHECK(h.max_us == 150'400);
}

TEST_CASE("quantiles stay at or above the smallest observation") {
  latency_histogram a;
  a.observe(152'000);
  latency_histogram b;
  b.observe(153'000);
  a.add(b); // as the desk's shards are added up
  CHECK(a.min_us == 152'000);
  CHECK(a.quantile_ms(0.01) >= 152.0);
  CHECK(a.quantile_ms(1.0) <= 153.0);
}
