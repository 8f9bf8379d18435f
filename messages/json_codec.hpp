// messages/json_codec.hpp — order requests and results as JSON, with the
// tutorial's field names. What makes a request valid is in validate.hpp; a
// parsed request has passed it.
#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/order_types.hpp"

namespace order_node {

/// A parsed order: the request plus an optional idempotency key.
struct order_input {
  order_request request;
  std::string idempotency_key;
};

/// Parses a JSON object with exactly the tutorial's six fields (and, when
/// `allow_key` is set, an optional "idempotencyKey"); unknown fields, wrong
/// types and bad values are errors that name the field.
caf::expected<order_input> parse_order_json(std::string_view text,
                                            bool allow_key);

/// One line of JSON: the tutorial's fields first (orderId, status,
/// processingTimeMs, details), then the debugging fields.
std::string to_json(const order_result& x);

/// Same, with a leading "input" field (the REPL's line number).
std::string to_json(const order_result& x, int64_t input_line);

} // namespace order_node
