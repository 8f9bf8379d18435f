// node/app/option_names.hpp — how the configuration names CAF's options:
// CAF's strings as std::string, and an option's key as the command line
// (after "--"), the config file and --dump-config spell it.
#pragma once

#include <string>

#include <caf/config_option.hpp>
#include <caf/string_view.hpp>

namespace order_node {

inline std::string to_std(caf::string_view x) {
  return std::string{x.begin(), x.end()};
}

/// "name" in the global group, else "group.name".
inline std::string option_key(const caf::config_option& opt) {
  auto category = to_std(opt.category());
  auto name = to_std(opt.long_name());
  if (category != "global")
    name.insert(0, category + ".");
  return name;
}

} // namespace order_node
