// messages/json_codec.hpp — order requests and results as JSON, with the
// tutorial's field names, and the strict validation every input goes through.
#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/order_types.hpp"

namespace order_node {

/// Bounds of the fields of an order_request (see validate()).
constexpr size_t max_id_bytes = 256;
constexpr int32_t max_quantity = 10'000;

/// A parsed order: the request plus an optional idempotency key.
struct order_input {
  order_request request;
  std::string idempotency_key;
};

/// Checks every field; the error (order_errc::invalid_request) names the
/// field and the value, e.g. "quantity must be an integer from 1 to 10000,
/// got -1". A default-constructed error means valid.
caf::error validate(const order_request& x);

/// Checks an idempotency key: 1..256 bytes of printable ASCII.
caf::error validate_idempotency_key(std::string_view key);

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

/// True if `text` is valid UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

} // namespace order_node
