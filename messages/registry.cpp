// messages/registry.cpp — see registry.hpp.
#include "messages/registry.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "messages/errors.hpp"
#include "messages/interfaces.hpp"
#include "messages/wire.hpp"

namespace order_node {

bool operator==(const order_request& x, const order_request& y) {
  return x.user_id == y.user_id && x.product_id == y.product_id
         && x.quantity == y.quantity && x.amount == y.amount
         && x.weight == y.weight && x.destination == y.destination;
}

const char* to_string(order_kind x) {
  return x == order_kind::parallel ? "parallel" : "sequential";
}

const char* to_string(order_status x) {
  switch (x) {
    case order_status::confirmed:
      return "confirmed";
    case order_status::failed:
      return "failed";
    case order_status::timeout:
      return "timeout";
    case order_status::overloaded:
      return "overloaded";
  }
  return "unknown";
}

const char* to_string(call_end x) {
  switch (x) {
    case call_end::answered:
      return "answered";
    case call_end::error:
      return "error";
    case call_end::timeout:
      return "timeout";
  }
  return "unknown";
}

std::string outcome_text(const call_record& x) {
  switch (x.outcome) {
    case call_end::answered:
      return x.detail;
    case call_end::error:
      return "error: " + x.detail;
    case call_end::timeout:
      return "timeout";
  }
  return "unknown";
}

const char* to_string(call_status x) {
  switch (x) {
    case call_status::ok:
      return "ok";
    case call_status::transient:
      return "transient";
    case call_status::node_lost:
      return "node_lost";
  }
  return "?";
}

namespace {

// Registers each type under its wire name and keeps the names for the
// fingerprint.
struct type_list {
  caf::actor_system_config* cfg;
  std::vector<std::string>* names;
  template <class T>
  type_list& add_message_type(const char* name) {
    if (cfg != nullptr)
      cfg->add_message_type<T>(name);
    names->emplace_back(name);
    return *this;
  }
};

/// Bump when a message keeps its name but changes its fields.
constexpr const char* protocol_version = "order-node/5";

void add_types(type_list cfg) {
  cfg.add_message_type<order_request>("order_request")
    .add_message_type<order_submission>("order_submission")
    .add_message_type<call_record>("call_record")
    .add_message_type<order_result>("order_result")
    .add_message_type<order_accepted>("order_accepted")
    .add_message_type<journal_lookup>("journal_lookup")
    .add_message_type<call_id>("call_id")
    .add_message_type<inventory_request>("inventory_request")
    .add_message_type<inventory_reply>("inventory_reply")
    .add_message_type<payment_request>("payment_request")
    .add_message_type<payment_reply>("payment_reply")
    .add_message_type<void_request>("void_request")
    .add_message_type<fraud_request>("fraud_request")
    .add_message_type<fraud_reply>("fraud_reply")
    .add_message_type<shipping_request>("shipping_request")
    .add_message_type<shipping_quote>("shipping_quote")
    .add_message_type<inventory_batch>("inventory_batch")
    .add_message_type<inventory_outcomes>("inventory_outcomes")
    .add_message_type<payment_batch>("payment_batch")
    .add_message_type<payment_outcomes>("payment_outcomes")
    .add_message_type<fraud_batch>("fraud_batch")
    .add_message_type<fraud_outcomes>("fraud_outcomes")
    .add_message_type<shipping_batch>("shipping_batch")
    .add_message_type<shipping_outcomes>("shipping_outcomes")
    .add_message_type<latency_histogram>("latency_histogram")
    .add_message_type<status_stats>("status_stats")
    .add_message_type<call_stats>("call_stats")
    .add_message_type<desk_stats>("desk_stats")
    .add_message_type<warehouse_actor>("warehouse_actor")
    .add_message_type<payment_actor>("payment_actor")
    .add_message_type<fraud_actor>("fraud_actor")
    .add_message_type<carrier_actor>("carrier_actor")
    .add_message_type<instance_route<warehouse_actor>>("warehouse_route")
    .add_message_type<instance_route<payment_actor>>("payment_route")
    .add_message_type<instance_route<fraud_actor>>("fraud_route")
    .add_message_type<instance_route<carrier_actor>>("carrier_route")
    .add_message_type<service_routes>("service_routes")
    .add_message_type<directory_actor>("directory_actor")
    .add_message_type<routes_watcher>("routes_watcher")
    .add_message_type<order_desk_actor>("order_desk_actor")
    .add_message_type<peer_info>("peer_info")
    .add_message_type<wire_calls>("wire_calls")
    .add_message_type<wire_answers>("wire_answers")
    .add_message_type<dispatcher_actor>("dispatcher_actor")
    .add_message_type<node_info>("node_info")
    .add_message_type<node_actor>("node_actor");
}

} // namespace

std::string protocol_fingerprint() {
  std::vector<std::string> names;
  add_types(type_list{nullptr, &names});
  // FNV-1a over the names in registration order.
  uint64_t h = 14695981039346656037ull;
  for (auto& n : names) {
    for (unsigned char c : n)
      h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string{protocol_version} + "/" + hex;
}

void register_types(caf::actor_system_config& cfg) {
  std::vector<std::string> names;
  add_types(type_list{&cfg, &names});
  cfg.add_error_category(caf::atom("order"), [](uint8_t code, caf::atom_value,
                                                const caf::message& ctx) {
    auto text = "order_errc::" + to_string(static_cast<order_errc>(code));
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      text += ": " + ctx.get_as<std::string>(0);
    return text;
  });
}

} // namespace order_node
