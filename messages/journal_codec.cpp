// messages/journal_codec.cpp — see journal_codec.hpp.
#include "messages/journal_codec.hpp"

#include <cmath>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace order_node {

namespace {

// CAF 0.17's serializer packs a double with a loop that never ends for an
// infinity (caf/detail/ieee_754.hpp), and casts a NaN's significand to an
// integer (undefined). So no record holds a non-finite double: validation
// keeps them out of orders (messages/validate.hpp), a record that decodes
// to one is corrupt, and encoding writes -1 ("none") in its place.
bool finite(double x) {
  return std::isfinite(x);
}

void make_finite(double& x) {
  if (!std::isfinite(x))
    x = -1;
}

// (`f` runs on every double, whatever an earlier one returned: it may
// also repair them.)
template <class F>
bool all_doubles(order_request& x, F f) {
  bool ok = f(x.amount);
  return f(x.weight) && ok;
}

template <class F>
bool all_doubles(order_result& x, F f) {
  bool ok = f(x.shipping_cost);
  ok = f(x.risk_score) && ok;
  for (auto& c : x.calls) {
    ok = f(c.ms) && ok;
    ok = f(c.start_ms) && ok;
  }
  return ok;
}

template <class F>
bool all_doubles(inventory_reply&, F) {
  return true;
}

template <class F>
bool all_doubles(payment_reply&, F) {
  return true;
}

template <class F>
bool all_doubles(fraud_reply& x, F f) {
  return f(x.risk_score);
}

template <class F>
bool all_doubles(shipping_quote& x, F f) {
  return f(x.cost);
}

template <class T>
std::vector<char> encode_value(const T& x) {
  std::vector<char> out;
  caf::binary_serializer sink{nullptr, out};
  auto copy = x;
  all_doubles(copy, [](double& d) {
    make_finite(d);
    return true;
  });
  // Serializing into memory cannot fail for these plain types.
  [[maybe_unused]] auto err = sink(copy);
  return out;
}

template <class T>
bool decode_value(const std::vector<char>& bytes, T& x) {
  caf::binary_deserializer source{nullptr, bytes};
  if (source(x))
    return false;
  return source.remaining() == 0
         && all_doubles(x, [](double& d) { return finite(d); });
}

// A call record as journal format 1 wrote it: without start_ms.
struct format1_call {
  call_record* x;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, format1_call& c) {
  auto& x = *c.x;
  return f(x.service, x.instance, x.attempt, x.ms, x.outcome, x.detail);
}

bool valid_enums(const order_result& x) {
  if (static_cast<uint8_t>(x.status)
      > static_cast<uint8_t>(order_status::overloaded))
    return false;
  for (auto& c : x.calls)
    if (static_cast<uint8_t>(c.outcome)
        > static_cast<uint8_t>(call_end::timeout))
      return false;
  return true;
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
  return decode_value(bytes, x) && valid_enums(x);
}

bool decode_format1(const std::vector<char>& bytes, order_result& x) {
  // Field by field as format 1 wrote them; the calls' length first, then
  // each call without start_ms.
  caf::binary_deserializer source{nullptr, bytes};
  order_result r;
  size_t n = 0;
  if (source(r.order_id, r.status, r.processing_time_ms, r.details, r.warehouse,
             r.carrier, r.shipping_cost, r.shipping_days, r.transaction_id,
             r.risk_score, r.voided, r.processing_time_us)
      || source.begin_sequence(n) || n > bytes.size())
    return false;
  r.calls.resize(n);
  for (auto& c : r.calls) {
    format1_call view{&c};
    if (source(view))
      return false;
  }
  if (source.end_sequence() || source(r.resumed) || source.remaining() != 0
      || !valid_enums(r)
      || !all_doubles(r, [](double& d) { return finite(d); }))
    return false;
  x = std::move(r);
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
