// actors/desk/keys.cpp — see keys.hpp.
#include "actors/desk/keys.hpp"

#include <spdlog/spdlog.h>

#include "actors/desk/admission.hpp"
#include "actors/desk/order_desk.hpp"
#include "actors/support/log.hpp"
#include "messages/errors.hpp"

namespace order_node {

void key_client::fail(const caf::error& err) {
  if (send)
    accepted.deliver(err);
  else
    result.deliver(err);
}

void key_book::expire(time_point now, size_t capacity) {
  while (
    !done_order.empty()
    && (done_order.front().expires <= now || done_order.size() > capacity)) {
    keys.erase(done_order.front().key);
    done_order.pop_front();
  }
}

void key_book::keep(std::string dk, order_result r, time_point expires) {
  auto& k = keys[dk];
  k.decided = true;
  k.order_id = r.order_id;
  k.result = std::make_unique<order_result>(std::move(r));
  done_order.push_back({expires, std::move(dk)});
}

std::vector<key_client> key_book::take_queued(const std::string& dk) {
  std::vector<key_client> out;
  auto i = keys.find(dk);
  if (i == keys.end() || !i->second.looking_up)
    return out;
  out = std::move(i->second.queued);
  keys.erase(i);
  return out;
}

std::string dedup_key(order_kind kind, const std::string& key) {
  return std::string{kind == order_kind::parallel ? "p/" : "s/"} + key;
}

caf::error key_conflict(const std::string& key) {
  return make_error(order_errc::key_conflict,
                    "idempotency key " + key
                      + " was used for another order (another body); "
                        "a new order needs a new key");
}

namespace {

// The journal's word on key `dk`: its decided order (within the window),
// whose result or acceptance every waiting client gets, or none (seq 0),
// and the clients' orders run: the first one, and the others wait for it.
void on_journal_key(desk_self self, const std::string& dk, journaled_order& o) {
  auto& st = self->state;
  for (auto& c : st.keys.take_queued(dk)) {
    if (o.accepted.seq == 0) {
      run_checked(self, c, o.key_uses);
    } else if (!(c.sub.request == o.accepted.request)) {
      c.fail(key_conflict(c.sub.idempotency_key));
    } else {
      ++st.counters.deduplicated;
      if (c.send)
        c.accepted.deliver(order_accepted{o.accepted.order_id, true});
      else
        c.result.deliver(o.result);
    }
  }
}

// The journal's reader failed: the clients of key `dk` get the error (no
// order runs, since the journal may know the key).
void on_journal_error(desk_self self, const std::string& dk,
                      const caf::error& err) {
  auto clients = self->state.keys.take_queued(dk);
  if (clients.empty())
    return;
  node_log().warn("journal reader: {} (idempotency key {})", error_text(err),
                  dk);
  for (auto& c : clients)
    c.fail(err);
}

} // namespace

// The reader (on its own thread) sees committed records only: an order
// decided in this run is in the journal, since the desk forgets a key only
// once its decision is committed.
void wait_for_journal(desk_self self, const std::string& dk, key_client client,
                      bool first) {
  auto& st = self->state;
  auto& k = st.keys.keys[dk];
  if (first) {
    k.looking_up = true;
    k.body = client.sub.request;
    auto window = std::chrono::duration_cast<std::chrono::microseconds>(
      st.cfg.dedup_window);
    key_query q{client.sub.kind, client.sub.idempotency_key,
                journal_now_us() - window.count()};
    self->request(st.cfg.reader, caf::infinite, key_atom::value, std::move(q))
      .then([self, dk](journaled_order& o) { on_journal_key(self, dk, o); },
            [self, dk](caf::error& err) { on_journal_error(self, dk, err); });
  }
  k.queued.push_back(std::move(client));
}

} // namespace order_node
