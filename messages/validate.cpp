// messages/validate.cpp — see validate.hpp.
#include "messages/validate.hpp"

#include <cmath>
#include <sstream>

#include "messages/errors.hpp"

namespace order_node {

caf::error invalid_request(std::string text) {
  return make_error(order_errc::invalid_request, std::move(text));
}

// The shortest text that reads back as `x` (1000001, not 1e+06).
std::string number_text(double x) {
  std::ostringstream os;
  for (int digits = 6; digits <= 17; ++digits) {
    os.str({});
    os.precision(digits);
    os << x;
    if (!std::isfinite(x) || std::stod(os.str()) == x)
      break;
  }
  return os.str();
}

caf::error bad_quantity(const std::string& got) {
  return invalid_request("quantity must be an integer from 1 to "
                         + std::to_string(max_quantity) + ", got " + got);
}

namespace {

caf::error check_id(const char* field, const std::string& x, bool required) {
  if (required && x.empty())
    return invalid_request(std::string{field} + " must be a non-empty string");
  if (x.size() > max_id_bytes)
    return invalid_request(std::string{field} + " must be at most "
                           + std::to_string(max_id_bytes) + " bytes, got "
                           + std::to_string(x.size()));
  if (!is_valid_utf8(x))
    return invalid_request(std::string{field} + " must be valid UTF-8");
  // Control characters would break the REPL's lines and the logs; HTTP's
  // JSON can carry them escaped, so both refuse them here alike.
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = static_cast<unsigned char>(x[i]);
    if (c < 0x20 || c == 0x7F) {
      static constexpr char hex[] = "0123456789ABCDEF";
      std::string code = "U+00";
      code += hex[c >> 4];
      code += hex[c & 0xF];
      return invalid_request(std::string{field}
                             + " must not contain control characters, got "
                             + code + " at byte " + std::to_string(i + 1));
    }
  }
  return {};
}

} // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  auto n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

caf::error validate(const order_request& x) {
  if (auto err = check_id("userId", x.user_id, true))
    return err;
  if (auto err = check_id("productId", x.product_id, true))
    return err;
  if (x.quantity < 1 || x.quantity > max_quantity)
    return bad_quantity(std::to_string(x.quantity));
  if (!std::isfinite(x.amount) || x.amount <= 0 || x.amount > max_amount)
    return invalid_request("amount must be a number greater than 0 and at "
                           "most 1000000000, got "
                           + number_text(x.amount));
  if (!std::isfinite(x.weight) || x.weight < 0 || x.weight > max_weight)
    return invalid_request("weight must be a number from 0 to 1000000, got "
                           + number_text(x.weight));
  if (auto err = check_id("destination", x.destination, false))
    return err;
  return {};
}

caf::error validate_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > max_id_bytes)
    return invalid_request("idempotency key must be 1 to "
                           + std::to_string(max_id_bytes) + " bytes, got "
                           + std::to_string(key.size()));
  for (auto c : key)
    if (c < 0x21 || c > 0x7E)
      return invalid_request("idempotency key must be printable ASCII without "
                             "spaces");
  return {};
}

} // namespace order_node
