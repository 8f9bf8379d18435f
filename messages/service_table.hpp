// messages/service_table.hpp — the four services in one table. A row says,
// for one kind of call an order makes (`check`), which typed actor answers it,
// with which atom, request and reply (and so which call_batch and
// call_outcomes), where its routes live in service_routes, and the word that
// names its instances ("warehouse:Main", "payment"). Whatever is done once per
// service (send a call, queue it in an outbox, relay it to another node, merge
// or describe routes, stop the instances) is written once over this table:
// visit_service() for a kind known at run time, for_each_service() for every
// row. A fifth service is one row here plus its messages and its actor (and
// its check in actors/rules/decide.hpp, which is what the order does with
// the answer).
#pragma once

#include <cstddef>
#include <tuple>
#include <utility>

#include "messages/interfaces.hpp"

namespace order_node {

template <check Kind>
struct service;

template <>
struct service<check::inventory> {
  static constexpr check kind = check::inventory;
  static constexpr const char* role = "warehouse";
  using handle = warehouse_actor;
  using atom = check_atom;
  using request = inventory_request;
  using reply = inventory_reply;
  template <class Routes>
  static auto& routes(Routes& r) {
    return r.warehouses;
  }
};

template <>
struct service<check::payment> {
  static constexpr check kind = check::payment;
  static constexpr const char* role = "payment";
  using handle = payment_actor;
  using atom = authorize_atom;
  using request = payment_request;
  using reply = payment_reply;
  template <class Routes>
  static auto& routes(Routes& r) {
    return r.payments;
  }
};

template <>
struct service<check::fraud> {
  static constexpr check kind = check::fraud;
  static constexpr const char* role = "fraud";
  using handle = fraud_actor;
  using atom = assess_atom;
  using request = fraud_request;
  using reply = fraud_reply;
  template <class Routes>
  static auto& routes(Routes& r) {
    return r.frauds;
  }
};

template <>
struct service<check::shipping> {
  static constexpr check kind = check::shipping;
  static constexpr const char* role = "carrier";
  using handle = carrier_actor;
  using atom = quote_atom;
  using request = shipping_request;
  using reply = shipping_quote;
  template <class Routes>
  static auto& routes(Routes& r) {
    return r.carriers;
  }
};

/// A row's batch and outcomes (messages/service_types.hpp).
template <class Service>
using batch_of = call_batch<typename Service::request>;
template <class Service>
using outcomes_of = call_outcomes<typename Service::reply>;

/// Every row, in `check` order.
using all_services
  = std::tuple<service<check::inventory>, service<check::payment>,
               service<check::fraud>, service<check::shipping>>;

constexpr size_t service_count = std::tuple_size_v<all_services>;

/// Calls `f(service<K>{})` for every row, in `check` order.
template <class F>
void for_each_service(F&& f) {
  std::apply([&](auto... row) { (f(row), ...); }, all_services{});
}

/// `f(service<kind>{})` for the row of `kind` (a kind known at run time);
/// every call of `f` must return the same type.
template <size_t Row = 0, class F>
decltype(auto) visit_service(check kind, F&& f) {
  using row = std::tuple_element_t<Row, all_services>;
  if constexpr (Row + 1 == service_count) {
    return f(row{}); // the last row: `kind` is a valid check
  } else {
    if (kind == row::kind)
      return f(row{});
    return visit_service<Row + 1>(kind, std::forward<F>(f));
  }
}

namespace detail {

template <template <class...> class List, template <class> class Slot,
          class Rows>
struct rows_as;

template <template <class...> class List, template <class> class Slot,
          class... Rows>
struct rows_as<List, Slot, std::tuple<Rows...>> {
  using type = List<Slot<Rows>...>;
};

} // namespace detail

/// `List<Slot<service<K>>...>` over every row: a tuple of outboxes, a
/// variant of outcomes.
template <template <class...> class List, template <class> class Slot>
using rows_as = typename detail::rows_as<List, Slot, all_services>::type;

/// A pointer to a row's outcomes.
template <class Service>
using outcomes_ptr = outcomes_of<Service>*;

/// A tuple with one `Slot<service<K>>` per row, reached by the row.
template <template <class> class Slot>
class per_service {
 public:
  template <class Service>
  Slot<Service>& of(Service = {}) {
    return std::get<static_cast<size_t>(Service::kind)>(slots_);
  }

  template <class Service>
  const Slot<Service>& of(Service = {}) const {
    return std::get<static_cast<size_t>(Service::kind)>(slots_);
  }

  /// Calls `f(service<K>{}, slot)` for every row.
  template <class F>
  void each(F&& f) {
    for_each_service([&](auto row) { f(row, of(row)); });
  }

  template <class F>
  void each(F&& f) const {
    for_each_service([&](auto row) { f(row, of(row)); });
  }

  /// `f(slot...)`, every row's slot in `check` order (an inspect()).
  template <class F>
  decltype(auto) apply(F&& f) {
    return std::apply(std::forward<F>(f), slots_);
  }

 private:
  rows_as<std::tuple, Slot> slots_;
};

} // namespace order_node
