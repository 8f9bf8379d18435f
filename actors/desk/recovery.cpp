// actors/desk/recovery.cpp — recover() (admission.hpp): a desk's start on a
// journal that holds orders. Each unfinished order resumes with a fresh
// deadline (its time still counts from its first acceptance), through the
// same engine as new orders; decided keys within their window are kept (only
// without the journal's reader, which otherwise answers for them); voids a
// crash left unacknowledged are sent again (their orders' shard need not be
// this one: a void needs only its key).
#include <algorithm>

#include <chrono>
#include <spdlog/spdlog.h>
#include <vector>

#include "actors/desk/admission.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/desk/voids.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/partition.hpp"

namespace order_node {

namespace {

// An unfinished order of the journal as a job that resumes now.
order_job resumed_job(const desk_config& cfg, journaled_order& o,
                      order_time now, std::chrono::microseconds age) {
  auto& a = o.accepted;
  order_job job;
  if (cfg.partitions)
    job.part
      = cfg.partitions->part_of(partition_key(a.idempotency_key, a.order_id));
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

// How long ago (system clock, microseconds) `us` was, at `now_us`.
std::chrono::microseconds age_of(int64_t now_us, int64_t us) {
  return std::chrono::microseconds{std::max<int64_t>(0, now_us - us)};
}

} // namespace

void recover(desk_self self) {
  auto& st = self->state;
  auto& cfg = st.cfg;
  st.gate.next_acceptance = cfg.first_seq;
  auto now = self->clock().now();
  auto now_us = journal_now_us();
  for (auto& k : cfg.keyed) {
    auto left = cfg.dedup_window - age_of(now_us, k.decided_us);
    if (left <= caf::timespan{0} || cfg.reader)
      continue;
    auto dk = dedup_key(k.accepted.kind, k.accepted.idempotency_key);
    st.keys.keys[dk].body = std::move(k.accepted.request);
    st.keys.keep(std::move(dk), std::move(k.result), now + left);
  }
  std::vector<journaled_order>{}.swap(cfg.keyed); // its memory too
  auto orders = std::move(cfg.resume);
  cfg.resume.clear();
  auto voids = std::move(cfg.voids);
  cfg.voids.clear();
  resume(self, std::move(orders), std::move(voids));
}

void resume(desk_self self, std::vector<journaled_order> orders,
            std::vector<journal_void> voids) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto now_us = journal_now_us();
  for (auto& o : orders) {
    auto kind = o.accepted.kind;
    std::string dk;
    if (!o.accepted.idempotency_key.empty()) {
      dk = dedup_key(kind, o.accepted.idempotency_key);
      st.keys.waiting[dk]; // a duplicate waits for the resumed order
      auto& k = st.keys.keys[dk];
      k.body = o.accepted.request;
      k.order_id = o.accepted.order_id;
    }
    auto job
      = resumed_job(st.cfg, o, now, age_of(now_us, o.accepted.accepted_us));
    ++st.counters.resumed;
    st.engine->launch(kind, std::move(job), {std::move(dk), {}});
  }
  for (auto& v : voids)
    start_void(self, void_request{std::move(v.auth_key), std::move(v.tx_id)});
}

void drop_partitions(desk_self self, std::vector<int32_t> lost) {
  auto& st = self->state;
  std::sort(lost.begin(), lost.end());
  auto clients = st.engine->abandon(lost);
  if (clients.empty())
    return;
  node_log().warn("desk: {} {} of {} lost to another front stopped here; "
                  "their clients may send them again",
                  clients.size(), clients.size() == 1 ? "order" : "orders",
                  lost.size() == 1 ? "a partition" : "partitions");
  for (auto& c : clients)
    st.keys.fail(c, not_owner_error());
}

caf::error not_owner_error() {
  return make_error(order_errc::not_owner,
                    "the order's partition moved to another front; nothing "
                    "was decided here: send it again (with its idempotency "
                    "key, to any front)");
}

} // namespace order_node
