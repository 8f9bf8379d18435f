// messages/validate.hpp — what makes an order request valid, for every way
// in (JSON body, REPL line, a submission from another node): each field's
// bounds, and the error that names the field and the value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>

#include "messages/order_types.hpp"

namespace order_node {

/// Bounds of the fields of an order_request (see validate()).
constexpr size_t max_id_bytes = 256;
constexpr int32_t max_quantity = 10'000;
/// Bounds of amount and weight: what is computed from them (a shipping cost
/// is weight x 2.5 x 1.5) stays finite. CAF 0.17's serializer never ends on
/// an infinite double (a fuzz finding, docs/fuzzing.md), and every order is
/// serialized: to the journal, and between nodes.
constexpr double max_amount = 1e9;
constexpr double max_weight = 1e6;

/// Checks every field; the error (order_errc::invalid_request) names the
/// field and the value, e.g. "quantity must be an integer from 1 to 10000,
/// got -1". A default-constructed error means valid.
caf::error validate(const order_request& x);

/// Checks an idempotency key: 1..256 bytes of printable ASCII.
caf::error validate_idempotency_key(std::string_view key);

/// True if `text` is valid UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view text);

/// An order_errc::invalid_request error with `text`.
caf::error invalid_request(std::string text);

/// The quantity error, for a value shown as `got`.
caf::error bad_quantity(const std::string& got);

/// `x` as an error message shows a number the user sent (1.5, -2, inf).
std::string number_text(double x);

} // namespace order_node
