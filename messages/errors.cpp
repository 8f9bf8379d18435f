// messages/errors.cpp — order_errc rendering and construction.
#include "messages/errors.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace order_node {

std::string to_string(order_errc x) {
  switch (x) {
    case order_errc::transient:
      return "transient";
    case order_errc::invalid_request:
      return "invalid_request";
    case order_errc::no_instance:
      return "no_instance";
    case order_errc::internal:
      return "internal";
    case order_errc::node_lost:
      return "node_lost";
    case order_errc::incompatible:
      return "incompatible";
    case order_errc::journal_failed:
      return "journal_failed";
    case order_errc::key_conflict:
      return "key_conflict";
    case order_errc::overloaded:
      return "overloaded";
    case order_errc::no_journal:
      return "no_journal";
    case order_errc::not_owner:
      return "not_owner";
  }
  return "unknown";
}

caf::error make_error(order_errc x, std::string text) {
  return caf::error{static_cast<uint8_t>(x), caf::atom("order"),
                    caf::make_message(std::move(text))};
}

bool is_error(const caf::error& err, order_errc x) {
  return err.category() == caf::atom("order")
         && err.code() == static_cast<uint8_t>(x);
}

bool is_node_lost(const caf::error& err) {
  if (err.category() == caf::atom("order"))
    return err.code() == static_cast<uint8_t>(order_errc::node_lost);
  return err.category() == caf::atom("system")
         && err.code() == static_cast<uint8_t>(caf::sec::request_receiver_down);
}

std::string error_text(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  if (err.category() == caf::atom("system"))
    return to_string(static_cast<caf::sec>(err.code()));
  return to_string(err);
}

} // namespace order_node
