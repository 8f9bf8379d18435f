// actors/rules/decide.cpp — see decide.hpp.
#include "actors/rules/decide.hpp"

#include <charconv>
#include <cmath>

namespace order_node {

namespace {

constexpr const char* no_answer = "no answer within the deadline";

template <class Reply>
std::string why(const check_slot<Reply>& s) {
  switch (s.state) {
    case call_state::not_called:
      return "not called";
    case call_state::pending:
      return "still pending";
    case call_state::answered:
      return "answered";
    case call_state::failed:
      return s.error;
    case call_state::timed_out:
      return no_answer;
  }
  return "unknown";
}

template <class Slots>
bool any_timed_out(const Slots& xs) {
  for (auto& x : xs)
    if (x.state == call_state::timed_out)
      return true;
  return false;
}

// Appends the decimal digits of `n`.
void append_int(std::string& out, int32_t n) {
  char buf[16];
  out.append(buf, std::to_chars(buf, buf + sizeof(buf), n).ptr);
}

} // namespace

void append_fixed(std::string& out, double x, int digits) {
  constexpr long long pow10[] = {1, 10, 100, 1000};
  if (std::isfinite(x) && std::fabs(x) < 1e12 && !(x == 0 && std::signbit(x))
      && digits >= 0 && digits <= 3) {
    auto scale = pow10[digits];
    auto n = std::llround(x * static_cast<double>(scale));
    if (static_cast<double>(n) / static_cast<double>(scale) == x) {
      char buf[32];
      auto* p = buf;
      if (n < 0) {
        *p++ = '-';
        n = -n;
      }
      p = std::to_chars(p, buf + sizeof(buf), n / scale).ptr;
      if (digits > 0) {
        *p++ = '.';
        auto frac = n % scale;
        for (auto d = scale / 10; d > 0; d /= 10) {
          *p++ = static_cast<char>('0' + frac / d);
          frac %= d;
        }
      }
      out.append(buf, p);
      return;
    }
  }
  char buf[512]; // the longest double in fixed notation has 309 digits
  auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed,
                           digits);
  out.append(buf, res.ptr);
}

std::string format_fixed(double x, int digits) {
  std::string out;
  append_fixed(out, x, digits);
  return out;
}

namespace {

const inventory_reply* chosen_warehouse(const order_replies& r) {
  for (auto& w : r.warehouses)
    if (passed(w))
      return &w.reply;
  return nullptr;
}

const shipping_quote* cheapest_quote(const order_replies& r) {
  const shipping_quote* best = nullptr;
  for (auto& q : r.quotes)
    if (passed(q) && (best == nullptr || q.reply.cost < best->cost))
      best = &q.reply;
  return best;
}

// "Product not available in any warehouse", with the reason of each
// warehouse in parentheses unless each one simply said "unavailable".
template <class Reply>
std::string with_reasons(std::string text,
                         const std::vector<check_slot<Reply>>& slots,
                         const char* plain_no) {
  bool plain = !slots.empty();
  for (auto& s : slots)
    plain = plain && s.state == call_state::answered;
  if (plain)
    return text;
  std::string reasons;
  for (auto& s : slots) {
    if (!reasons.empty())
      reasons += "; ";
    reasons += s.instance + ": "
               + (s.state == call_state::answered ? plain_no : why(s));
  }
  if (slots.empty())
    reasons = "no instance available";
  return text + " (" + reasons + ")";
}

} // namespace

decision decide(const order_replies& r) {
  decision d;
  auto& res = d.result;
  auto* wh = chosen_warehouse(r);
  if (wh != nullptr)
    res.warehouse = wh->warehouse;
  bool authorized = passed(r.payment);
  if (authorized)
    res.transaction_id = r.payment.reply.transaction_id;
  bool has_risk = r.fraud.state == call_state::answered;
  if (has_risk)
    res.risk_score = r.fraud.reply.risk_score;
  auto* quote = cheapest_quote(r);
  if (quote != nullptr) {
    res.carrier = quote->carrier;
    res.shipping_cost = quote->cost;
    res.shipping_days = quote->estimated_days;
  }
  auto fail = [&](bool timed_out, std::string details) {
    res.status = timed_out ? order_status::timeout : order_status::failed;
    res.details = std::move(details);
  };
  if (wh == nullptr) {
    fail(any_timed_out(r.warehouses),
         with_reasons("Product not available in any warehouse", r.warehouses,
                      "not available"));
  } else if (!authorized) {
    auto& p = r.payment;
    fail(p.state == call_state::timed_out,
         p.state == call_state::answered
           ? "Payment authorization failed"
           : "Payment authorization failed: " + why(p));
  } else if (!has_risk) {
    fail(r.fraud.state == call_state::timed_out,
         "Fraud check failed: " + why(r.fraud));
  } else if (!passes(r.fraud.reply)) {
    fail(false,
         "High fraud risk: " + format_fixed(r.fraud.reply.risk_score, 1));
  } else if (quote == nullptr) {
    fail(any_timed_out(r.quotes),
         with_reasons("No shipping options available", r.quotes, "no quote"));
  } else {
    res.status = order_status::confirmed;
    // The common case: one string, appended in place.
    auto& out = res.details;
    out.reserve(48);
    out = "Shipping: $";
    append_fixed(out, quote->cost, 2);
    out += " via ";
    out += quote->carrier;
    out += " (";
    append_int(out, quote->estimated_days);
    out += quote->estimated_days == 1 ? " day)" : " days)";
  }
  if (res.status != order_status::confirmed && authorized) {
    res.voided = true;
    res.details += "; payment authorization " + res.transaction_id + " voided";
  }
  return d;
}

bool worth_retry(const order_replies& r, slot_ref slot) {
  // Only a warehouse after a preferred one that has stock is not retried:
  // its answer cannot show in the result. Anything else is, even when
  // another check has already failed for good: which check a failed
  // order's details name, and its fields (risk score, transaction), would
  // otherwise depend on which answer happened to arrive first.
  if (slot.which != check::inventory)
    return true;
  for (size_t i = 0; i < slot.index && i < r.warehouses.size(); ++i) {
    if (passed(r.warehouses[i]))
      return false;
  }
  return true;
}

std::string describe(const inventory_reply& x) {
  return x.available ? "available" : "unavailable";
}

std::string describe(const payment_reply& x) {
  return x.authorized ? "authorized " + x.transaction_id : "declined";
}

// The two below run for every order: one string, appended in place.
std::string describe(const fraud_reply& x) {
  std::string out;
  out.reserve(32);
  out += "risk ";
  append_fixed(out, x.risk_score, 2);
  if (x.flagged)
    out += " (flagged)";
  return out;
}

std::string describe(const shipping_quote& x) {
  std::string out;
  out.reserve(32);
  out += '$';
  append_fixed(out, x.cost, 2);
  out += ", ";
  append_int(out, x.estimated_days);
  out += x.estimated_days == 1 ? " day" : " days";
  return out;
}

} // namespace order_node
