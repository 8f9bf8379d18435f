// actors/desk/recovery.cpp — recover() (admission.hpp): a desk's start on a
// journal that holds orders. Each unfinished order resumes with a fresh
// deadline (its time still counts from its first acceptance), through the
// same engine as new orders; decided keys within their window are kept (only
// without the journal's reader, which otherwise answers for them); voids a
// crash left unacknowledged are sent again (their orders' shard need not be
// this one: a void needs only its key).
#include <algorithm>
#include <chrono>
#include <vector>

#include "actors/desk/admission.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/desk/voids.hpp"

namespace order_node {

namespace {

// An unfinished order of the journal as a job that resumes now.
order_job resumed_job(journaled_order& o, order_time now,
                      std::chrono::microseconds age) {
  auto& a = o.accepted;
  order_job job;
  job.request = std::move(a.request);
  job.order_key = std::move(a.order_key);
  job.order_id = std::move(a.order_id);
  job.accepted_at = now - age;
  job.deadline_from = now;
  job.seq = a.seq;
  job.resumed = true;
  job.replayed = std::move(o.replies);
  return job;
}

} // namespace

void recover(desk_self self) {
  auto& st = self->state;
  auto& cfg = st.cfg;
  st.gate.next_acceptance = cfg.first_seq;
  auto now = self->clock().now();
  auto now_us = journal_now_us();
  auto age = [&](int64_t us) {
    return std::chrono::microseconds{std::max<int64_t>(0, now_us - us)};
  };
  for (auto& k : cfg.keyed) {
    auto left = cfg.dedup_window - age(k.decided_us);
    if (left <= caf::timespan{0} || cfg.reader)
      continue;
    auto dk = dedup_key(k.accepted.kind, k.accepted.idempotency_key);
    st.keys.keys[dk].body = std::move(k.accepted.request);
    st.keys.keep(std::move(dk), std::move(k.result), now + left);
  }
  std::vector<journaled_order>{}.swap(cfg.keyed); // its memory too
  auto resume = std::move(cfg.resume);
  cfg.resume.clear();
  for (auto& o : resume) {
    auto kind = o.accepted.kind;
    std::string dk;
    if (!o.accepted.idempotency_key.empty()) {
      dk = dedup_key(kind, o.accepted.idempotency_key);
      st.keys.waiting[dk]; // a duplicate waits for the resumed order
      auto& k = st.keys.keys[dk];
      k.body = o.accepted.request;
      k.order_id = o.accepted.order_id;
    }
    auto job = resumed_job(o, now, age(o.accepted.accepted_us));
    ++st.counters.resumed;
    st.engine->launch(kind, std::move(job), {std::move(dk), {}});
  }
  auto voids = std::move(cfg.voids);
  cfg.voids.clear();
  for (auto& v : voids)
    start_void(self, void_request{std::move(v.auth_key), std::move(v.tx_id)});
}

} // namespace order_node
