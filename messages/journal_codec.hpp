// messages/journal_codec.hpp — the bytes the journal keeps for a request, a
// reply and a result: CAF's binary serialization of the same types the
// nodes exchange. A decode of bytes that do not hold the type fails
// instead of guessing.
#pragma once

#include <vector>

#include "messages/order_types.hpp"
#include "messages/service_types.hpp"

namespace order_node {

std::vector<char> encode(const order_request& x);
std::vector<char> encode(const order_result& x);
std::vector<char> encode(const inventory_reply& x);
std::vector<char> encode(const payment_reply& x);
std::vector<char> encode(const fraud_reply& x);
std::vector<char> encode(const shipping_quote& x);

/// True if `bytes` held exactly one value of the type, now in `x`.
bool decode(const std::vector<char>& bytes, order_request& x);
bool decode(const std::vector<char>& bytes, order_result& x);
bool decode(const std::vector<char>& bytes, inventory_reply& x);
bool decode(const std::vector<char>& bytes, payment_reply& x);
bool decode(const std::vector<char>& bytes, fraud_reply& x);
bool decode(const std::vector<char>& bytes, shipping_quote& x);

/// A result as journal format 1 kept it (its calls without start_ms, which
/// stays 0): for the upgrade of an older journal.
bool decode_format1(const std::vector<char>& bytes, order_result& x);

} // namespace order_node
