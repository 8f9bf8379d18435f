// tests/node/main.cpp — doctest's main for the rooms of node/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
