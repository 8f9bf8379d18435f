// actors/desk/admission.cpp — see admission.hpp.
#include "actors/desk/admission.hpp"

#include <optional>
#include <string>

#include "actors/desk/commit_gate.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/rules/outcome.hpp"
#include "messages/errors.hpp"
#include "messages/validate.hpp"

namespace order_node {

namespace {

// `key` as this run's order key (see desk_config::run).
std::string run_key(const desk_state& st, std::string key) {
  if (st.cfg.run <= 1)
    return key;
  return "r" + std::to_string(st.cfg.run) + ":" + key;
}

// A submission past its checks: a known key (`known`: in flight, or
// finished with its result in `done`), a key to ask the journal about
// (`lookup`: the first client, or `queue`: one more while it is asked), an
// order to launch (`job`, journaled), or the desk's "overloaded" result.
struct admission {
  bool known = false;
  bool lookup = false;
  bool queue = false;
  const order_result* done = nullptr;
  std::string order_id; // of a known key
  std::string dk;       // dedup key; empty without idempotency key
  order_job job;
  std::optional<order_result> overloaded;
};

// The desk's answer to an order beyond its in-flight bound.
order_result overloaded(const desk_config& cfg, std::string order_id) {
  order_result r;
  r.order_id = std::move(order_id);
  r.status = order_status::overloaded;
  r.details = "Order desk at capacity (" + std::to_string(cfg.max_in_flight)
              + (cfg.max_in_flight == 1 ? " order" : " orders")
              + " in flight); retry later";
  return r;
}

// admit() for a submission with an idempotency key: the key's checks, the
// order key and id, and what the desk knows of the key (a.known, a.lookup,
// a.queue).
caf::error admit_key(desk_self self, order_submission& sub, bool checked,
                     int64_t key_uses, admission& a) {
  auto& st = self->state;
  if (auto err = validate_idempotency_key(sub.idempotency_key))
    return err;
  auto& job = a.job;
  a.dk = dedup_key(sub.kind, sub.idempotency_key);
  st.keys.expire(self->clock().now(), st.cfg.dedup_capacity);
  auto k = st.keys.keys.find(a.dk);
  if (k != st.keys.keys.end() && !(k->second.body == sub.request))
    return key_conflict(sub.idempotency_key);
  // The order key names the kind, and with it the order id and every
  // outcome: one key on both routes is two orders.
  job.order_key = (sub.kind == order_kind::parallel ? "key:" : "slow-key:")
                  + sub.idempotency_key;
  // A key used again after its retention is a new order, with an id of its
  // own: the journal counts the orders each key had.
  if (key_uses > 0)
    job.order_key += "#" + std::to_string(key_uses + 1);
  job.order_id = make_order_id(st.cfg.seed, job.order_key);
  if (k != st.keys.keys.end()) {
    if (k->second.looking_up) {
      a.queue = true;
    } else {
      ++st.counters.deduplicated;
      a.known = true;
      a.order_id = k->second.order_id; // a resumed order's may be older
      a.done = k->second.result.get();
    }
  } else if (st.cfg.reader && !checked) {
    a.lookup = true;
  }
  return {};
}

// On a shared journal (issue #28) an order runs on the front that owns its
// partition: a keyed order's is its key's; an order without a key takes an
// order key (and id) in a partition this front owns.
caf::error own_partition(const desk_state& st, const order_submission& sub,
                         order_job& job) {
  auto& parts = st.cfg.partitions;
  if (!parts)
    return {};
  if (!sub.idempotency_key.empty()) {
    job.part = parts->part_of(sub.idempotency_key);
    if (parts->owns(job.part))
      return {};
    return make_error(order_errc::not_owner,
                      "the partition of idempotency key " + sub.idempotency_key
                        + " is another front's, or nobody's right now: send "
                          "it again");
  }
  auto base = job.order_key;
  for (int32_t salt = 0; salt < 4 * parts->partitions(); ++salt) {
    if (salt > 0) {
      job.order_key = base + "~" + std::to_string(salt);
      job.order_id = make_order_id(st.cfg.seed, job.order_key);
    }
    job.part = parts->part_of(job.order_id);
    if (parts->owns(job.part))
      return {};
  }
  return make_error(order_errc::not_owner,
                    "this front owns no partition of the journal right now: "
                    "send the order again, or to another front");
}

// Validation, the idempotency key (`checked` once the journal said it does
// not know the key), the order key and id, the in-flight bound, and the
// journal's acceptance record.
caf::expected<admission> admit(desk_self self, order_submission& sub,
                               bool checked, int64_t key_uses = 0) {
  auto& st = self->state;
  if (auto err = validate(sub.request))
    return err;
  sub.request.weight += 0.0; // -0 is 0: no "$-0.00" in a quote
  if (st.cfg.scope_clients && !checked) {
    auto sender = self->current_sender();
    st.clients.scope(self->node(), sender ? sender->node() : caf::node_id{},
                     sub.order_key);
  }
  admission a;
  auto& job = a.job;
  if (!sub.idempotency_key.empty()) {
    if (auto err = admit_key(self, sub, checked, key_uses, a))
      return err;
    if (auto err = own_partition(st, sub, job))
      return err;
    if (a.known || a.lookup || a.queue)
      return a;
  } else {
    job.order_key = run_key(st, sub.order_key.empty()
                                  ? "seq:" + std::to_string(++st.next_seq)
                                  : std::move(sub.order_key));
    job.order_id = make_order_id(st.cfg.seed, job.order_key);
    if (auto err = own_partition(st, sub, job))
      return err;
  }
  job.accepted_at = self->clock().now();
  auto bound = st.cfg.share > 0 ? st.cfg.share : st.cfg.max_in_flight;
  if (static_cast<int64_t>(st.engine->in_flight()) >= bound) {
    a.overloaded = overloaded(st.cfg, job.order_id);
    if (st.cfg.metrics)
      st.counters.count(sub.kind, *a.overloaded);
    return a;
  }
  job.request = std::move(sub.request);
  if (!a.dk.empty()) {
    auto& k = st.keys.keys[a.dk];
    k.body = job.request;
    k.order_id = job.order_id;
  }
  if (st.cfg.journal) {
    job.seq = st.cfg.acceptances
                ? st.cfg.acceptances->fetch_add(1, std::memory_order_relaxed)
                : st.gate.next_acceptance++;
    job.awaiting_record = true;
    record_acceptance(self,
                      {job.seq, job.order_id, sub.kind, job.order_key,
                       sub.idempotency_key, job.request, journal_now_us()});
  }
  return a;
}

// Runs a submission that admit() let in and did not answer at once, for a
// client waiting for its result on `rp`.
void run_submit(desk_self self, admission a, order_submission& sub,
                caf::typed_response_promise<order_result>& rp) {
  auto& st = self->state;
  if (a.lookup || a.queue) {
    wait_for_journal(self, a.dk, {std::move(sub), false, rp, {}}, a.lookup);
  } else if (a.known) {
    st.keys.waiting[a.dk].push_back(rp);
  } else if (a.dk.empty()) {
    st.engine->launch(sub.kind, std::move(a.job), {{}, rp});
  } else {
    st.keys.waiting[a.dk].push_back(rp); // answered through `waiting`
    st.engine->launch(sub.kind, std::move(a.job), {std::move(a.dk), {}});
  }
}

// As run_submit, for a client waiting for the acceptance (`send`): it is
// durable once the write that carries it is committed.
void run_send(desk_self self, admission a, order_submission& sub,
              caf::typed_response_promise<order_accepted>& rp) {
  auto& st = self->state;
  if (a.lookup || a.queue) {
    wait_for_journal(self, a.dk, {std::move(sub), true, {}, rp}, a.lookup);
    return;
  }
  if (a.known) {
    rp.deliver(order_accepted{a.order_id, true});
    return;
  }
  if (a.overloaded) {
    rp.deliver(make_error(order_errc::overloaded, a.overloaded->details));
    return;
  }
  order_accepted out{a.job.order_id, false};
  if (!a.dk.empty())
    st.keys.waiting[a.dk]; // a repeated key waits for the order
  st.engine->launch(sub.kind, std::move(a.job), {std::move(a.dk), {}});
  if (!st.cfg.journal)
    rp.deliver(std::move(out));
  else
    hold_accept(self, rp, std::move(out));
}

} // namespace

caf::result<order_result> on_submit(desk_self self, order_submission& sub) {
  auto a = admit(self, sub, false);
  if (!a)
    return std::move(a.error());
  if (a->done != nullptr)
    return *a->done;
  if (a->overloaded)
    return std::move(*a->overloaded);
  // (Made only now: a promise takes over the answer of this message.)
  auto rp = self->make_response_promise<order_result>();
  run_submit(self, std::move(*a), sub, rp);
  return rp;
}

caf::result<order_accepted> on_send(desk_self self, order_submission& sub) {
  auto a = admit(self, sub, false);
  if (!a)
    return std::move(a.error());
  auto rp = self->make_response_promise<order_accepted>();
  run_send(self, std::move(*a), sub, rp);
  return rp;
}

void run_checked(desk_self self, key_client& c, int64_t key_uses) {
  auto a = admit(self, c.sub, true, key_uses);
  if (!a) {
    c.fail(a.error());
  } else if (c.send) {
    run_send(self, std::move(*a), c.sub, c.accepted);
  } else if (a->done != nullptr) {
    c.result.deliver(*a->done);
  } else if (a->overloaded) {
    c.result.deliver(std::move(*a->overloaded));
  } else {
    run_submit(self, std::move(*a), c.sub, c.result);
  }
}

} // namespace order_node
