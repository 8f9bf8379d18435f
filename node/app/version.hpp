// node/app/version.hpp — what `order-node --version` prints. The definition
// is generated at build time by node/app/version.cmake.
#pragma once

namespace order_node {

/// `order-node 0.12.0 (git ef3ef02)`: the project's version (CMake's
/// project(VERSION)) and, when built from a git checkout, `git describe
/// --always --dirty` at the last build; without git, the version alone.
const char* version_line();

} // namespace order_node
