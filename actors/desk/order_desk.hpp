// actors/desk/order_desk.hpp — the front door for every client (REPL, HTTP,
// remote nodes): validates, deduplicates by idempotency key, bounds the orders
// in flight (beyond the bound it answers "overloaded" at once), gives order
// ids, keeps counters and latency histograms per kind and status, and
// enforces every order's deadline. Each accepted order runs an order_machine
// (actors/order/order_machine.hpp) under one of two engines:
//
// - actor (default): the desk spawns an order actor per order
//   (actors/order/order_actor.hpp), handing it the routes; the order makes
//   its own request().then calls and sends its result back (`done`).
// - batched: the order lives in the desk's table (actors/desk/
//   order_table.hpp); the desk queues its calls per service instance and
//   sends them as one batch per instance when it gets to its own `flush`
//   message (actors/desk/outbox.hpp, actors/desk/order_core.hpp), so under
//   load the calls of many orders share one message each way.
//
// Routes: the desk watches its directory, which sends the routes at once and
// again whenever they change; orders accepted before the first routes wait
// for them (within their deadline).
//
// Deadlines without a timer per order: every order of a desk has the same
// deadline offset, so deadlines come due in acceptance order. The desk keeps
// them in a FIFO and runs one timer for the oldest (rounded up to a tick of
// `deadline_tick`); when it fires, every order past its deadline and still in
// flight decides with what it has and answers.
// Interface: messages/interfaces.hpp (order_desk_actor).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/desk/client_keys.hpp"
#include "actors/desk/desk_config.hpp"
#include "actors/desk/order_core.hpp"
#include "actors/desk/order_table.hpp"
#include "actors/desk/outbox.hpp"
#include "actors/journal/journal_store.hpp"
#include "actors/order/order_actor.hpp"

namespace order_node {

struct desk_state {
  desk_config cfg;
  std::shared_ptr<const order_params> params;
  service_routes_ptr routes; // the directory's latest; null until it spoke
  uint64_t next_seq = 0;
  uint64_t deduplicated = 0;
  order_table running; // batched engine
  /// An order the actor engine runs: its actor (invalid until spawned,
  /// which waits for the first routes) and who waits for its result.
  struct spawned_order {
    order_kind kind = order_kind::parallel;
    std::string dedup_key; // empty without idempotency key
    caf::typed_response_promise<order_result> promise; // without key
    order_actor actor;
    bool expired = false; // sent `expire`; the next due time is the last
    uint64_t seq = 0;     // in the journal
  };
  /// Orders in flight whose acceptance the journal failed to record, by
  /// acceptance number: they were told to expire, and their clients get an
  /// error instead of their result (nothing was charged: the payment call
  /// waits for the record).
  std::unordered_set<uint64_t> unrecorded;
  client_keys clients; // with cfg.scope_clients
  /// The journal's last write error (for the clients of unrecorded orders).
  std::string journal_error;
  std::unordered_map<uint64_t, spawned_order> spawned; // actor engine
  /// Jobs of the actor engine's orders that wait for the first routes.
  std::unordered_map<uint64_t, order_job> unspawned;
  uint64_t next_spawned = 0;
  /// Orders accepted before the directory sent any routes.
  std::vector<uint64_t> unrouted;
  /// Calls queued since the last flush, per service.
  outbox<warehouse_actor, inventory_request> to_warehouses;
  outbox<payment_actor, payment_request> to_payments;
  outbox<fraud_actor, fraud_request> to_frauds;
  outbox<carrier_actor, shipping_request> to_carriers;
  bool flush_pending = false;
  /// A time and the id of an order or a batch.
  struct due {
    caf::actor_clock::time_point at;
    uint64_t id;
  };
  /// Batches sent and not answered yet: which calls they carry.
  std::unordered_map<uint64_t, std::vector<call_tag>> batches;
  uint64_t next_batch = 0;
  /// (expiry, batch id) in send order: by its expiry (send time plus the
  /// deadline) every order of a batch has passed its deadline, so a batch
  /// that a service never answers (it died) is forgotten then; entries of
  /// answered batches are dropped when they come due.
  std::deque<due> batch_expiry;
  /// (deadline, order id) in deadline order; entries of finished orders are
  /// dropped when they come due.
  std::deque<due> deadlines;
  bool tick_pending = false;
  /// Clients waiting for an order with an idempotency key still in flight.
  std::unordered_map<std::string,
                     std::vector<caf::typed_response_promise<order_result>>>
    waiting;
  /// A client whose submission waits for the journal's word on its key: a
  /// `submit` waits for the result (`result`), a `send` for the acceptance.
  struct key_client {
    order_submission sub;
    bool send = false;
    caf::typed_response_promise<order_result> result;
    caf::typed_response_promise<order_accepted> accepted;
  };
  /// Every idempotency key the desk knows: the same key with another body
  /// is refused (order_errc::key_conflict). A key is asked of the journal's
  /// reader (`looking_up`: its clients are `queued`), or its order is in
  /// flight, or (without a reader) it finished and its result is kept.
  struct key_entry {
    order_request body;
    bool looking_up = false;
    bool decided = false;
    std::string order_id;
    std::unique_ptr<order_result> result; // when decided
    std::vector<key_client> queued;       // while looking_up
  };
  std::unordered_map<std::string, key_entry> keys;
  /// Decided keys kept in memory, oldest first: each is forgotten when its
  /// window has passed or beyond dedup_capacity.
  struct kept {
    caf::actor_clock::time_point expires;
    std::string key;
  };
  std::deque<kept> done_order;
  std::vector<status_stats> stats;
  std::vector<call_stats> calls; // per service instance
  /// The journal: the next acceptance number, the records since the last
  /// write, and the answers that wait for their decision's commit (held
  /// until the next write, then by that write's number).
  uint64_t next_acceptance = 1;
  journal_ops journal_out;
  bool journal_write_pending = false;
  struct held_answer {
    order_kind kind = order_kind::parallel;
    caf::typed_response_promise<order_result> promise;
    std::string dedup_key;
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
  held_batch held;
  std::unordered_map<uint64_t, held_batch> committing;
  uint64_t next_write = 0;
  /// Decisions whose write failed are written again after this delay
  /// (doubling to 5 s; 0: none failed since the last commit).
  caf::timespan rewrite_backoff{};
  int64_t resumed = 0; // orders resumed from the journal at start
  /// Voids of failed orders' authorizations, by authorization key, until
  /// the payment gateway acknowledges them (actors/desk/voids.hpp).
  struct owed_void {
    void_request request;
    caf::timespan backoff{};
  };
  std::unordered_map<std::string, owed_void> voids;
  static constexpr const char* name = "order_desk";
};

order_desk_impl::behavior_type
order_desk(desk_self self, const directory_actor& directory, desk_config cfg);

/// Makes sure the desk writes its journal records when it gets to its own
/// `commit` message, behind whatever is in its mailbox now: the records of
/// everything before it go in one write.
void schedule_journal_write(desk_self self);

} // namespace order_node
