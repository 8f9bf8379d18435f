// actors/desk/commit_gate.hpp — nothing leaves the desk before the journal
// holds it (docs/durability.md). The desk's records (acceptances, replies,
// decisions, voids) go to the journal in one write per round (the desk's own
// `commit` message, behind what is in its mailbox); what depends on a record
// waits for the commit of its write:
//
// - a decided order's answer (and the void it owes) is held until its
//   decision is committed;
// - a `send` is answered once its acceptance is committed;
// - an order's payment call waits for its acceptance's commit
//   (desk_engine::recorded()); a failed acceptance makes the order decide at
//   once (desk_engine::expire()) and its clients get journal_failed, with
//   nothing charged and the key free again;
// - a failed decision is written again, 100 ms doubling to 5 s, and keeps its
//   key meanwhile, so one key never runs two orders.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/desk/desk_actor.hpp"
#include "actors/support/pending_message.hpp"

namespace order_node {

struct commit_gate {
  /// A decided order's answer, until its decision is committed.
  struct held_answer {
    order_kind kind = order_kind::parallel;
    order_client client;
    order_result result;
    uint64_t seq = 0;
  };
  /// An order whose acceptance is in a write: (engine id, acceptance
  /// number). Its payment waits for that write's commit.
  struct new_record {
    uint64_t id = 0;
    uint64_t seq = 0;
  };
  /// A `send` that waits for its acceptance's commit.
  struct held_accept {
    caf::typed_response_promise<order_accepted> promise;
    order_accepted accepted;
  };
  /// What waits for one write.
  struct held_batch {
    std::vector<held_answer> answers;
    std::vector<held_accept> accepts;
    std::vector<journal_void> voids; // sent once their record is committed
    std::vector<new_record> recorded;
    bool empty() const {
      return answers.empty() && accepts.empty() && voids.empty()
             && recorded.empty();
    }
  };

  journal_ops out; // the records since the last write
  pending_message write;
  held_batch held;                                     // for the next write
  std::unordered_map<uint64_t, held_batch> committing; // by write number
  uint64_t next_write = 0;
  /// The next acceptance number (without desk_config::acceptances).
  uint64_t next_acceptance = 1;
  /// Decisions whose write failed are written again after this delay
  /// (doubling to 5 s; 0: none failed since the last commit).
  caf::timespan rewrite_backoff{};
  /// Orders in flight whose acceptance the journal failed to record, by
  /// acceptance number: their clients get an error instead of the result.
  std::unordered_set<uint64_t> unrecorded;
  std::string error; // the journal's last write error, for those clients

  /// Decided orders whose answers wait for a commit.
  int64_t unanswered() const;
};

/// Makes sure the desk writes its journal's records when it gets to its own
/// `commit` message, behind whatever is in its mailbox now: the records of
/// everything before it go in one write.
void schedule_journal_write(desk_self self);

/// The `commit` message: sends the journal every record since the last
/// write; what waits for them is released when the journal answers.
void write_journal(desk_self self);

/// Records an order's acceptance in the next write.
void record_acceptance(desk_self self, journal_accepted a);

/// The engine's order `id`, accepted with number `seq`, waits for its
/// acceptance's commit (desk_engine::recorded()) before its payment call.
void await_record(desk_self self, uint64_t id, uint64_t seq);

/// Answers `promise` once the acceptance in the next write is committed.
void hold_accept(desk_self self,
                 caf::typed_response_promise<order_accepted> promise,
                 order_accepted accepted);

/// Queues an order's reply for the next write.
void journal(desk_self self, journal_reply&& r);

/// An engine's order decided: its result goes to its client once the
/// decision is committed (at once without a journal or for an order never
/// journaled, seq 0), with the void it owes.
void finish_order(desk_self self, order_kind kind, uint64_t seq,
                  order_client client, order_result r);

} // namespace order_node
