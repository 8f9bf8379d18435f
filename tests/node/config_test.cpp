// tests/node/config_test.cpp — what --help shows: every option order-node
// adds to CAF's, and none of CAF's own (those are --long-help's).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <caf/actor_system_config.hpp>

#include "node/app/config.hpp"

using namespace order_node;

namespace {

// The options behind a config: `--name` for the global group, else
// `--group.name`.
template <class Config>
struct options_of : Config {
  std::set<std::string> flags() const {
    std::set<std::string> out;
    for (auto& opt : this->custom_options_) {
      std::string cat{opt.category().begin(), opt.category().end()};
      std::string name{opt.long_name().begin(), opt.long_name().end()};
      out.insert("--" + (cat == "global" ? name : cat + "." + name));
    }
    return out;
  }
};

// The options of CAF's own config, and those order-node's adds to them.
std::set<std::string> caf_flags() {
  return options_of<caf::actor_system_config>{}.flags();
}

std::set<std::string> order_node_flags() {
  auto caf = caf_flags();
  std::set<std::string> out;
  for (auto& f : options_of<node_config>{}.flags())
    if (caf.count(f) == 0)
      out.insert(f);
  return out;
}

bool lists(const std::string& usage, const std::string& flag) {
  return usage.find("  " + flag + "=") != std::string::npos
         || usage.find("  " + flag + " ") != std::string::npos
         || usage.find("  " + flag + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("--help lists every option order-node adds to CAF's") {
  auto usage = node_config{}.usage();
  auto ours = order_node_flags();
  REQUIRE_MESSAGE(ours.size() > 40, "order-node's options: " << ours.size());
  for (auto& flag : ours)
    CHECK_MESSAGE(lists(usage, flag), flag << " is missing from --help");
}

TEST_CASE("--help names --version, --log.format and --log.file") {
  auto usage = node_config{}.usage();
  for (auto flag : {"--version", "--long-help", "--config-file", "--log.format",
                    "--log.file", "--log-level"})
    CHECK_MESSAGE(lists(usage, flag), flag);
}

TEST_CASE("--help leaves CAF's own options to --long-help") {
  node_config cfg;
  auto usage = cfg.usage();
  auto long_usage = cfg.long_usage();
  for (auto& flag : caf_flags()) {
    if (flag == "--help" || flag == "--long-help" || flag == "--config-file"
        || flag == "--dump-config")
      continue; // CAF's, and --help's head names them
    CHECK_MESSAGE(!lists(usage, flag), flag << " is CAF's own");
  }
  CHECK(long_usage.find("scheduler.max-threads") != std::string::npos);
  CHECK(long_usage.find("logger.") != std::string::npos);
}

TEST_CASE("--help lists every REPL command") {
  auto usage = node_config{}.usage();
  for (auto cmd : {"order ", "slow ", "send ", "get ", "trace ", "bench ",
                   "stats ", "nodes ", "json ", "help ", "quit "})
    CHECK_MESSAGE(usage.find("\n  " + std::string{cmd}) != std::string::npos,
                  cmd);
}
