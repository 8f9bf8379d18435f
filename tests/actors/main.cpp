// tests/actors/main.cpp — doctest's main for the actors room.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
