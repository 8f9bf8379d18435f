// tests/messages/main.cpp — doctest's main for the messages room.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
