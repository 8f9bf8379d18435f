// actors/node_actor.cpp — see node_actor.hpp.
#include "actors/node_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

struct node_state {
  node_info info;
  std::string fingerprint;
  static constexpr const char* name = "node";
};

node_impl::behavior_type
node_behavior(node_impl::stateful_pointer<node_state> self, node_info info,
              std::string fingerprint) {
  self->state.info = std::move(info);
  self->state.fingerprint = std::move(fingerprint);
  return {
    [=](hello_atom, const std::string& theirs) -> caf::result<node_info> {
      auto& info = self->state.info;
      auto& fingerprint = self->state.fingerprint;
      if (theirs != fingerprint) {
        node_log().error("refused a peer speaking message set {}; this node "
                         "speaks {}",
                         theirs, fingerprint);
        return make_error(order_errc::incompatible,
                          info.name + " speaks message set " + fingerprint
                            + ", not " + theirs);
      }
      auto& sender = self->current_sender();
      node_log().info("{}: hello from node {}", info.name,
                      sender ? to_string(sender->node()) : "?");
      return info;
    },
    [](ping_atom, int64_t x) { return x; },
    [=](name_atom, std::string& name) {
      self->state.info.name = std::move(name);
    },
  };
}

} // namespace

node_impl spawn_node_actor(caf::actor_system& sys, node_info info,
                           std::string fingerprint) {
  return sys.spawn(node_behavior, std::move(info), std::move(fingerprint));
}

} // namespace order_node
