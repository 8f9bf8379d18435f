// messages/journal_codec.cpp — see journal_codec.hpp.
#include "messages/journal_codec.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace order_node {

namespace {

template <class T>
std::vector<char> encode_value(const T& x) {
  std::vector<char> out;
  caf::binary_serializer sink{nullptr, out};
  // Serializing into memory cannot fail for these plain types.
  [[maybe_unused]] auto err = sink(const_cast<T&>(x));
  return out;
}

template <class T>
bool decode_value(const std::vector<char>& bytes, T& x) {
  caf::binary_deserializer source{nullptr, bytes};
  if (source(x))
    return false;
  return source.remaining() == 0;
}

} // namespace

std::vector<char> encode(const order_request& x) {
  return encode_value(x);
}

std::vector<char> encode(const order_result& x) {
  return encode_value(x);
}

std::vector<char> encode(const inventory_reply& x) {
  return encode_value(x);
}

std::vector<char> encode(const payment_reply& x) {
  return encode_value(x);
}

std::vector<char> encode(const fraud_reply& x) {
  return encode_value(x);
}

std::vector<char> encode(const shipping_quote& x) {
  return encode_value(x);
}

bool decode(const std::vector<char>& bytes, order_request& x) {
  return decode_value(bytes, x);
}

bool decode(const std::vector<char>& bytes, order_result& x) {
  if (!decode_value(bytes, x)
      || static_cast<uint8_t>(x.status)
           > static_cast<uint8_t>(order_status::overloaded))
    return false;
  for (auto& c : x.calls)
    if (static_cast<uint8_t>(c.outcome)
        > static_cast<uint8_t>(call_end::timeout))
      return false;
  return true;
}

bool decode(const std::vector<char>& bytes, inventory_reply& x) {
  return decode_value(bytes, x);
}

bool decode(const std::vector<char>& bytes, payment_reply& x) {
  return decode_value(bytes, x);
}

bool decode(const std::vector<char>& bytes, fraud_reply& x) {
  return decode_value(bytes, x);
}

bool decode(const std::vector<char>& bytes, shipping_quote& x) {
  return decode_value(bytes, x);
}

} // namespace order_node
