// actors/order/slots.hpp — an order's slots by number: one per call it makes,
// warehouses first, then payment, fraud, then the quotes. The typed slots
// themselves are order_replies (actors/rules/decide.hpp); these reach the
// one a number names, as its check_slot<Reply> (visit_slot() is the one
// switch over the kinds).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "actors/rules/decide.hpp"

namespace order_node {

/// Slot ids: warehouses first, then payment, fraud, then the quotes.
inline slot_ref slot_of(const order_replies& r, int32_t id) {
  auto i = static_cast<size_t>(id);
  auto nw = r.warehouses.size();
  if (i < nw)
    return {check::inventory, i};
  if (i == nw)
    return {check::payment, 0};
  if (i == nw + 1)
    return {check::fraud, 0};
  return {check::shipping, i - nw - 2};
}

inline int32_t slot_count(const order_replies& r) {
  return static_cast<int32_t>(r.warehouses.size() + 2 + r.quotes.size());
}

/// Calls `f(slot)` with slot `id` of `r` as its check_slot<Reply>.
template <class F>
void with_slot(order_replies& r, int32_t id, F&& f) {
  visit_slot(r, slot_of(r, id), std::forward<F>(f));
}

/// Slot `id` of `r` if it holds answers of type Reply, else nullptr.
template <class Reply>
check_slot<Reply>* typed_slot(order_replies& r, int32_t id) {
  check_slot<Reply>* out = nullptr;
  if (id >= 0 && id < slot_count(r))
    with_slot(r, id, [&](auto& slot) {
      if constexpr (std::is_same_v<std::decay_t<decltype(slot)>,
                                   check_slot<Reply>>)
        out = &slot;
    });
  return out;
}

/// Whether the check of slot `id` passed: the sequential pipeline goes on
/// only then.
inline bool passed(order_replies& r, int32_t id) {
  bool ok = false;
  with_slot(r, id, [&](auto& slot) { ok = passed(slot); });
  return ok;
}

/// The instance name a call of slot `id` asks for; empty for payment and
/// fraud, whose calls may go to any instance of the service.
inline const std::string& route_name(order_replies& r, int32_t id) {
  static const std::string any;
  auto which = slot_of(r, id).which;
  if (which == check::payment || which == check::fraud)
    return any;
  const std::string* name = &any;
  with_slot(r, id, [&](auto& slot) { name = &slot.instance; });
  return *name;
}

} // namespace order_node
