// actors/journal/journal_actor.hpp — the journal as an actor: it owns the
// journal's file (journal_store.hpp) and runs detached, on a thread of its
// own, so that a commit (an fsync with --journal.sync=full) never holds a
// scheduler thread.
//
// Group commit: the first record after a commit makes the journal send
// itself `commit`, which queues behind everything already in its mailbox;
// when it comes, one transaction commits every record that arrived
// meanwhile and each `write` of the group is answered. Under load the
// groups grow by themselves, as the messages pile up during a commit.
// `get` commits the current group first, so that it never reports a
// decision that is not durable yet; `attach` waits for the commit of the
// order's decision. Every minute it drops decided orders past retention,
// between two groups (the WAL's checkpoints run on a thread of their own:
// sqlite_file.hpp).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/journal/journal_store.hpp"
#include "actors/support/pending_message.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

/// The journal with its private messages: the group's commit, the
/// retention's purge, and (shared journal) the attached orders' lookups.
using journal_impl = journal_actor::extend<caf::reacts_to<commit_atom>,
                                           caf::reacts_to<purge_atom>,
                                           caf::reacts_to<poll_atom>>;

struct journal_state {
  std::shared_ptr<journal_store> store;
  caf::timespan retention{};
  /// The writers of the current group, answered at its commit.
  std::vector<caf::typed_response_promise<std::vector<uint64_t>>> writers;
  int32_t group_records = 0;
  pending_message commit; // the group's commit: one message per round
  /// Clients attached to orders not decided yet, by order id, and the
  /// decisions of the current group that some of them wait for.
  std::unordered_map<std::string,
                     std::vector<caf::typed_response_promise<journal_lookup>>>
    attached;
  std::vector<journal_lookup> group_attached;
  journal_stats stats;
  static constexpr const char* name = "journal";
};

journal_impl::behavior_type
journal(journal_impl::stateful_pointer<journal_state> self,
        std::shared_ptr<journal_store> store, caf::timespan retention);

/// Spawns the journal on a thread of its own (`detached`), or, for tests
/// under CAF's test coordinator, as a scheduled actor.
journal_actor spawn_journal(caf::actor_system& sys,
                            std::shared_ptr<journal_store> store,
                            caf::timespan retention, bool detached = true);

} // namespace order_node
