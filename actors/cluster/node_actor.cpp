// actors/cluster/node_actor.cpp — see node_actor.hpp.
#include "actors/cluster/node_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

// "process 4242 on this machine" (or "on machine 8A3F01C2") from CAF's node
// ids, which render as HOST-HASH#PID.
std::string describe_peer(const caf::node_id& peer, const caf::node_id& me) {
  auto theirs = to_string(peer);
  auto mine = to_string(me);
  auto hash = theirs.find('#');
  if (hash == std::string::npos)
    return "node " + theirs;
  auto host = theirs.substr(0, hash);
  auto same = mine.compare(0, mine.find('#'), host) == 0;
  return "process " + theirs.substr(hash + 1) + " on "
         + (same ? std::string{"this machine"}
                 : "machine " + host.substr(0, 8));
}

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
      if (sender)
        node_log().info("{}: peer connected: {}", info.name,
                        describe_peer(sender->node(), self->node()));
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
