// actors/order/order_machine.hpp — what an order is, whichever engine carries
// its calls: one slot per service call, retries of transient errors with
// exponential backoff, failover to the next instance when a call's node is
// lost, expiry at the deadline, one record per call attempt, the decision
// (actors/rules/decide.hpp), the void of an authorization and the result. The
// parallel pipeline (the tutorial's OrderService) calls every slot at once;
// the sequential one (OrderServiceSlow) calls inventory(Main) -> payment ->
// fraud -> shipping(Standard) and stops at the first failed check.
//
// It includes no CAF: it talks to its engine through order_context (send
// this call, call me back after a delay, void this authorization, here is my
// result), so it is unit-tested on its own. The engines: one actor per order
// with request().then per call (actors/order/order_actor.hpp, the default),
// and the batched desk that runs its orders in a table and sends each
// service instance one batch per round (actors/desk/order_desk.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/rules/decide.hpp"
#include "messages/journal_types.hpp"

namespace order_node {

using order_clock = std::chrono::steady_clock; // caf::actor_clock's clock
using order_time = order_clock::time_point;
using order_duration = std::chrono::nanoseconds; // caf::timespan

/// Settings every order of a node shares.
struct order_params {
  order_duration deadline = std::chrono::seconds(1);      // from acceptance
  int32_t max_attempts = 3;                               // 1 = no retries
  order_duration backoff = std::chrono::milliseconds(10); // doubles per retry
  /// Carriers the parallel order asks (FastShip only when enabled).
  std::vector<std::string> carriers = {"Standard", "Economy"};
  /// Warehouses the parallel order asks, preferred first.
  std::vector<std::string> warehouses = {"Main", "Backup"};
  /// Names this node's orders to the payment gateway (authorization_key()).
  uint64_t auth_scope = 0;
};

/// One accepted order.
struct order_job {
  order_request request;
  std::string order_key; // input of every outcome hash
  std::string order_id;
  order_time accepted_at;
  /// Its acceptance number in the journal; 0: not journaled (the order
  /// then reports no replies to journal_reply()).
  uint64_t seq = 0;
  /// Its partition of a shared journal (messages/partition.hpp); -1: the
  /// journal has none.
  int32_t part = -1;
  /// Resumed from the journal after a restart: it runs to a fresh deadline
  /// from `deadline_from` (others from `accepted_at`).
  bool resumed = false;
  order_time deadline_from{};
  /// Replies journaled before a restart: start() takes them as answered
  /// and calls only the other slots.
  std::vector<journal_reply> replayed;
  /// Journaled, and its acceptance not committed yet: the payment call
  /// waits for on_recorded(), so that nothing is charged for an order the
  /// journal may never hold (its write can fail: a full disk).
  bool awaiting_record = false;
};

/// One call an order wants sent.
struct call_ticket {
  int32_t slot = 0;
  check service = check::inventory;
  /// The instance name ("Main", "Standard"); empty: any instance of the
  /// service (payment, fraud).
  const std::string* instance = nullptr;
  /// Which of the instances that can serve it (modulo their number): the
  /// order's own spread plus the failovers so far.
  size_t pick = 0;
  int32_t attempt = 1;
};

class order_machine;

/// What an order needs from its engine. Calls come from inside the
/// machine's methods; after complete() the engine may destroy the machine,
/// and the machine touches nothing of itself after calling it.
class order_context {
 public:
  virtual ~order_context();

  /// How many instances can serve `service` under the name `instance`
  /// (empty: any).
  virtual size_t instances(check service, const std::string& instance) = 0;

  /// Sends the call `t` of order `o` (its answer comes back through
  /// o.on_answer or o.on_error); false if no instance can take it.
  virtual bool send(order_machine& o, const call_ticket& t) = 0;

  /// Calls o.retry(slot, now) after `delay`.
  virtual void retry_later(order_machine& o, int32_t slot, order_duration delay)
    = 0;

  /// `o` has decided: `r` is its result.
  virtual void complete(order_machine& o, order_result&& r) = 0;

  /// A reply of journaled order `o` (job().seq != 0) to record.
  virtual void journal_reply(order_machine& o, journal_reply&& r);
};

class order_machine {
 public:
  /// The engine's name for this order (a table key); the machine keeps it.
  uint64_t id = 0;

  /// Sets up the slots of `kind` for `job`; the deadline is the job's
  /// acceptance (or deadline_from) plus params.deadline. `params` must
  /// outlive the order.
  void init(order_kind kind, order_job job, const order_params& params);

  /// Clears every field for the next order, keeping the vectors' capacity.
  void reset();

  /// Sends what the pipeline calls first: a new order every slot (the
  /// sequential one its first stage); a resumed one (job().replayed) takes
  /// the replies journaled before the restart as answered and calls the
  /// other slots (or the first stage not answered). An order whose deadline
  /// has passed already times out instead.
  void start(order_context& ctx, order_time now);

  /// The answer to the call of `slot`, attempt `attempt`; ignored unless
  /// that call is what the slot waits for (a late or repeated answer).
  void on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                 inventory_reply&& x, order_time now);
  void on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                 payment_reply&& x, order_time now);
  void on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                 fraud_reply&& x, order_time now);
  void on_answer(order_context& ctx, int32_t slot, int32_t attempt,
                 shipping_quote&& x, order_time now);

  /// The call of `slot`, attempt `attempt`, failed: `node_lost` if its node
  /// went away (the same attempt goes to the next instance at once, if
  /// there is one), else the service refused it (retried after a backoff
  /// while that can still matter and the deadline allows).
  void on_error(order_context& ctx, int32_t slot, int32_t attempt,
                bool node_lost, std::string text, order_time now);

  /// A retry of `slot` is due.
  void retry(order_context& ctx, int32_t slot, order_time now);

  /// The journal has committed the order's acceptance: a payment call that
  /// waited for it is sent now.
  void on_recorded(order_context& ctx, order_time now);

  /// The deadline has passed: calls still pending time out and the order
  /// decides with what has arrived. One that never started (its engine
  /// had no routes) fails every check.
  void expire(order_context& ctx, order_time now);

  order_kind kind() const { return kind_; }
  const order_job& job() const { return job_; }
  order_time deadline() const { return deadline_; }
  bool started() const { return started_; }
  bool decided() const { return decided_; }
  int32_t slots() const;
  /// What the order has heard so far (tests, engines' statistics).
  const order_replies& replies() const { return replies_; }

 private:
  template <class Reply>
  void answer(order_context& ctx, int32_t slot, int32_t attempt, Reply&& x,
              order_time now);
  void start_fresh(order_context& ctx, order_time now);
  void resume(order_context& ctx, order_time now);
  void call(order_context& ctx, int32_t slot, bool failover, order_time now);
  void settle(order_context& ctx, int32_t slot, call_state state,
              std::string error, order_time now);
  void on_final(order_context& ctx, int32_t slot, order_time now);
  void fail_all(order_context& ctx, call_state state, const std::string& why,
                order_time now);
  void finish(order_context& ctx, order_time now);
  void record(int32_t slot, int32_t attempt, call_end outcome,
              std::string detail, order_time now);
  bool replay(const journal_reply& r, order_time now);

  order_kind kind_ = order_kind::parallel;
  const order_params* params_ = nullptr;
  order_job job_;
  order_time deadline_;
  order_replies replies_;
  std::vector<call_record> calls_;
  std::vector<order_time> sent_at_; // per slot
  std::vector<int32_t> failovers_;  // per slot: instances lost so far
  size_t pick_ = 0;                 // spreads orders over instances
  int32_t outstanding_ = 0;         // slots not final (parallel)
  int32_t deferred_ = -1;           // the payment slot awaiting the record
  bool started_ = false;
  bool decided_ = false;
};

} // namespace order_node
