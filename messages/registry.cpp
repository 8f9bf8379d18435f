// messages/registry.cpp — see registry.hpp.
#include "messages/registry.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

namespace order_node {

const char* to_string(order_kind x) {
  return x == order_kind::parallel ? "parallel" : "sequential";
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<order_request>("order_request")
    .add_message_type<order_submission>("order_submission")
    .add_message_type<call_record>("call_record")
    .add_message_type<order_result>("order_result")
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
    .add_message_type<order_actor>("order_actor")
    .add_message_type<order_desk_actor>("order_desk_actor");
  cfg.add_error_category(caf::atom("order"), [](uint8_t code, caf::atom_value,
                                                const caf::message& ctx) {
    auto text = "order_errc::" + to_string(static_cast<order_errc>(code));
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      text += ": " + ctx.get_as<std::string>(0);
    return text;
  });
}

} // namespace order_node
