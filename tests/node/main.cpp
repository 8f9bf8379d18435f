// tests/node/main.cpp — doctest's main for the node room.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
