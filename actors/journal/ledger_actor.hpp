// actors/journal/ledger_actor.hpp — the payment gateway's ledger as an actor:
// it owns the ledger's file (ledger_store.hpp) on a thread of its own and
// commits in groups, as the journal does (journal_actor.hpp): the first
// request after a commit makes it send itself `commit`, which queues behind
// everything in its mailbox; every request of the group is answered when
// that one transaction commits.
#pragma once

#include <memory>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/journal/ledger_store.hpp"
#include "actors/support/pending_message.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

using ledger_impl = ledger_actor::extend<caf::reacts_to<commit_atom>>;

struct ledger_state {
  std::shared_ptr<ledger_store> store;
  /// Answers of the current group, delivered at its commit.
  struct authorized {
    caf::typed_response_promise<std::vector<payment_reply>> promise;
    std::vector<payment_reply> replies;
  };
  struct voided {
    caf::typed_response_promise<bool> promise;
    bool known = false;
  };
  std::vector<authorized> authorizations;
  std::vector<voided> voids;
  pending_message commit; // the group's commit: one message per round
  static constexpr const char* name = "ledger";
};

ledger_impl::behavior_type
ledger(ledger_impl::stateful_pointer<ledger_state> self,
       std::shared_ptr<ledger_store> store);

/// Spawns the ledger on a thread of its own (`detached`), or, for tests
/// under CAF's test coordinator, as a scheduled actor.
ledger_actor spawn_ledger(caf::actor_system& sys,
                          std::shared_ptr<ledger_store> store,
                          bool detached = true);

} // namespace order_node
