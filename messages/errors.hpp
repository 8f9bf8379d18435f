// messages/errors.hpp — order-node's own error codes (registered with CAF as
// category "order") and helpers to make and read them.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace order_node {

enum class order_errc : uint8_t {
  /// A service failed for now; retrying may succeed.
  transient = 1,
  /// A request or a key was malformed; the text names the field.
  invalid_request,
  /// No instance of a service is known to the directory.
  no_instance,
  /// Something inside order-node failed (an actor died, a bug).
  internal,
};

std::string to_string(order_errc x);

/// Makes an error of category "order" whose context is a one-sentence text.
caf::error make_error(order_errc x, std::string text);

/// The human sentence of an error: its text when it has one (our errors),
/// else CAF's rendering (e.g. "system_error(request_timeout)").
std::string error_text(const caf::error& err);

} // namespace order_node
