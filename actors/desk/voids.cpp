// actors/desk/voids.cpp — see voids.hpp.
#include "actors/desk/voids.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "actors/desk/order_desk.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"
#include "messages/units.hpp"

namespace order_node {

namespace {

constexpr caf::timespan first_backoff = std::chrono::milliseconds(100);
constexpr caf::timespan max_backoff = std::chrono::seconds(5);
// A gateway that has not answered a void by then is asked again.
constexpr caf::timespan void_timeout = std::chrono::seconds(2);

void retry_void(desk_self self, const std::string& auth_key,
                const std::string& why) {
  auto& st = self->state;
  auto i = st.voids.find(auth_key);
  if (i == st.voids.end())
    return;
  auto& v = i->second;
  // Before the first routes (a start with voids owed) that is expected.
  node_log().log(st.routes ? spdlog::level::warn : spdlog::level::debug,
                 "payment void of {} not acknowledged ({}); again in {} ms",
                 auth_key, why, to_ms(v.backoff).count());
  self->delayed_send(self, v.backoff, void_atom::value, auth_key);
  v.backoff = std::min(v.backoff * 2, max_backoff);
}

void acknowledged(desk_self self, const std::string& auth_key) {
  auto& st = self->state;
  if (st.voids.erase(auth_key) == 0)
    return;
  if (st.cfg.journal) {
    st.gate.out.voids_acknowledged.push_back(auth_key);
    schedule_journal_write(self);
  }
}

} // namespace

bool owes_void(const order_result& r) {
  if (r.status == order_status::confirmed)
    return false;
  if (r.voided)
    return true;
  // A payment call without an answer (a timeout, or an error such as its
  // node lost with the call) may have been authorized all the same: a void
  // of a key the gateway never authorized changes nothing.
  return std::any_of(r.calls.begin(), r.calls.end(), [](const call_record& c) {
    return c.service == "payment" && c.outcome != call_end::answered;
  });
}

void start_void(desk_self self, void_request v) {
  auto& st = self->state;
  auto key = v.auth_key;
  auto [i, added] = st.voids.try_emplace(key);
  if (!added)
    return; // owed already: it is being sent
  i->second.request = std::move(v);
  i->second.backoff = first_backoff;
  send_void(self, key);
}

void send_void(desk_self self, const std::string& auth_key) {
  auto& st = self->state;
  auto i = st.voids.find(auth_key);
  if (i == st.voids.end())
    return;
  if (!st.routes || st.routes->payments.empty()) {
    retry_void(self, auth_key, "no payment instance");
    return;
  }
  self
    ->request(st.routes->payments.front().handle, void_timeout,
              void_atom::value, i->second.request)
    .then([self, auth_key](bool) { acknowledged(self, auth_key); },
          [self, auth_key](caf::error& err) {
            retry_void(self, auth_key, error_text(err));
          });
}

} // namespace order_node
