// tests/actors/main.cpp — doctest's main for the actors room. The orders'
// info lines (one per order) would bury doctest's report: warnings only.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"

int main(int argc, char** argv) {
  order_node::node_log().set_level(spdlog::level::warn);
  return doctest::Context{argc, argv}.run();
}
