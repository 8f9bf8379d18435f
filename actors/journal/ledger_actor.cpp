// actors/journal/ledger_actor.cpp — see ledger_actor.hpp.
#include "actors/journal/ledger_actor.hpp"

#include <caf/actor_system.hpp>
#include <spdlog/spdlog.h>

#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

namespace {

using ledger_self = ledger_impl::stateful_pointer<ledger_state>;

void schedule_commit(ledger_self self) {
  self->state.commit.send(self, commit_atom::value);
}

// Commits the group and answers it (or tells it the ledger failed: the
// payment gateway then answers its callers with a transient error).
void commit(ledger_self self) {
  auto& st = self->state;
  st.commit.arrived();
  auto authorizations = std::move(st.authorizations);
  st.authorizations.clear();
  auto voids = std::move(st.voids);
  st.voids.clear();
  std::string error;
  if (!st.store->commit(error)) {
    node_log().error("{}", error);
    auto err = make_error(order_errc::transient, error);
    for (auto& a : authorizations)
      a.promise.deliver(err);
    for (auto& v : voids)
      v.promise.deliver(err);
    return;
  }
  for (auto& a : authorizations)
    a.promise.deliver(std::move(a.replies));
  for (auto& v : voids)
    v.promise.deliver(v.known);
}

} // namespace

ledger_impl::behavior_type ledger(ledger_self self,
                                  std::shared_ptr<ledger_store> store) {
  self->state.store = std::move(store);
  return {
    [=](authorize_atom, const std::vector<ledger_entry>& entries)
      -> caf::result<std::vector<payment_reply>> {
      auto& st = self->state;
      std::vector<payment_reply> out(entries.size());
      std::string error;
      for (size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        if (!st.store->authorize(e.auth_key, e.order_id, e.reply, out[i],
                                 error)) {
          node_log().error("{}", error);
          return make_error(order_errc::transient, error);
        }
      }
      auto rp = self->make_response_promise<std::vector<payment_reply>>();
      st.authorizations.push_back({rp, std::move(out)});
      schedule_commit(self);
      return rp;
    },
    [=](void_atom, const std::string& auth_key) -> caf::result<bool> {
      auto& st = self->state;
      bool known = false;
      std::string error;
      if (!st.store->void_key(auth_key, known, error)) {
        node_log().error("{}", error);
        return make_error(order_errc::transient, error);
      }
      auto rp = self->make_response_promise<bool>();
      st.voids.push_back({rp, known});
      schedule_commit(self);
      return rp;
    },
    [=](commit_atom) { commit(self); },
  };
}

ledger_actor spawn_ledger(caf::actor_system& sys,
                          std::shared_ptr<ledger_store> store, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(ledger, std::move(store));
  return sys.spawn(ledger, std::move(store));
}

} // namespace order_node
