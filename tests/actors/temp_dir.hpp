// tests/actors/temp_dir.hpp — a directory of the test's own under the
// system's temporary directory, removed with everything in it at the end.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace order_node::testing {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl
      = (std::filesystem::temp_directory_path() / "order-node-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const char* name) const { return (path / name).string(); }
};

} // namespace order_node::testing
