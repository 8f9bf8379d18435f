// node/console/console.cpp — see console.hpp.
#include "node/console/console.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "messages/json_codec.hpp"
#include "messages/units.hpp"
#include "node/base/text.hpp"

namespace order_node {

namespace {

using json = nlohmann::ordered_json;

constexpr size_t max_search_bytes = 128;

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query component; nullopt if an escape is malformed.
std::optional<std::string> decode_component(std::string_view x) {
  std::string out;
  out.reserve(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= x.size())
        return std::nullopt;
      auto hi = hex_value(x[i + 1]);
      auto lo = hex_value(x[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

template <class T>
bool parse_number(const std::string& x, T& out) {
  auto [end, ec] = std::from_chars(x.data(), x.data() + x.size(), out);
  return ec == std::errc{} && end == x.data() + x.size() && !x.empty();
}

double ms_of_us(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

json time_or_null(int64_t us) {
  if (us == 0)
    return nullptr;
  return us / 1000; // ms since the epoch, as JavaScript's Date takes it
}

const char* status_of(const journal_entry& e) {
  return e.decided_us == 0 ? "running" : to_string(e.result.status);
}

json entry_json(const journal_entry& e) {
  json j;
  j["seq"] = e.seq;
  j["orderId"] = e.order_id;
  j["kind"] = to_string(e.kind);
  j["idempotencyKey"]
    = e.idempotency_key.empty() ? json(nullptr) : json(e.idempotency_key);
  j["acceptedAt"] = time_or_null(e.accepted_us);
  j["decidedAt"] = time_or_null(e.decided_us);
  j["status"] = status_of(e);
  j["processingTimeMs"]
    = e.decided_us == 0 ? json(nullptr) : json(e.result.processing_time_ms);
  j["resumes"] = e.resumes;
  j["voided"] = e.decided_us != 0 && e.result.voided;
  j["details"] = e.decided_us == 0 ? json(nullptr) : json(e.result.details);
  return j;
}

} // namespace

std::optional<order_query> parse_order_query(std::string_view query,
                                             std::string& error) {
  order_query q;
  bool seen[4] = {false, false, false, false};
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto name = part.substr(0, eq);
    auto raw
      = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    auto value = decode_component(raw);
    auto shown = std::string{name.substr(0, 32)};
    if (!value) {
      error = "parameter " + shown + ": malformed percent-encoding";
      return std::nullopt;
    }
    auto once = [&](int i) {
      if (seen[i]) {
        error = "parameter " + shown + " given twice";
        return false;
      }
      seen[i] = true;
      return true;
    };
    if (name == "status") {
      if (!once(0))
        return std::nullopt;
      if (!value->empty()
          && std::find_if(std::begin(order_filters), std::end(order_filters),
                          [&](const char* f) { return *value == f; })
               == std::end(order_filters)) {
        error = "status must be one of confirmed, failed, timeout, voided, "
                "resumed, running (or empty for all)";
        return std::nullopt;
      }
      q.status = std::move(*value);
    } else if (name == "q") {
      if (!once(1))
        return std::nullopt;
      if (value->size() > max_search_bytes
          || std::any_of(value->begin(), value->end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
             })) {
        error = "q must be an order id or an idempotency key (at most "
                + std::to_string(max_search_bytes)
                + " bytes, no control characters)";
        return std::nullopt;
      }
      q.search = std::move(*value);
    } else if (name == "limit") {
      if (!once(2))
        return std::nullopt;
      if (!parse_number(*value, q.limit) || q.limit < 1
          || q.limit > order_query::max_page) {
        error = "limit must be a whole number from 1 to "
                + std::to_string(order_query::max_page);
        return std::nullopt;
      }
    } else if (name == "before") {
      if (!once(3))
        return std::nullopt;
      if (!parse_number(*value, q.before) || q.before == 0) {
        error = "before must be an order's seq (a whole number above 0), "
                "as a page's \"next\" gives it";
        return std::nullopt;
      }
    } else {
      error = "unknown parameter " + shown
              + "; the parameters are status, q, limit and before";
      return std::nullopt;
    }
  }
  return q;
}

std::string order_page_json(const order_page& x) {
  json list = json::array();
  for (auto& e : x.orders)
    list.push_back(entry_json(e));
  json j;
  j["orders"] = std::move(list);
  j["next"] = x.next == 0 ? json(nullptr) : json(x.next);
  return compact_json(j);
}

std::string order_history_json(const order_history& x) {
  auto& e = x.entry;
  json j = entry_json(e);
  j["resumedAt"] = time_or_null(e.resumed_us);
  j["repliesJournaled"] = x.replies;
  json voids = json::array();
  for (auto& v : x.voids)
    voids.push_back({{"transactionId", v.tx_id},
                     {"authorizationKey", v.auth_key},
                     {"acknowledged", v.acked},
                     {"acknowledgedAt", time_or_null(v.acked_us)}});
  j["voids"] = std::move(voids);
  // The journal's events in time order, with their offset from the
  // acceptance (what the timeline draws).
  json events = json::array();
  auto event = [&](int64_t us, const char* what, std::string detail) {
    if (us == 0)
      return;
    events.push_back({{"at", us / 1000},
                      {"offsetMs", hundredths(ms_of_us(us - e.accepted_us))},
                      {"event", what},
                      {"detail", std::move(detail)}});
  };
  event(e.accepted_us, "accepted",
        e.idempotency_key.empty() ? std::string{}
                                  : "idempotency key " + e.idempotency_key);
  event(e.resumed_us, "resumed",
        "after a restart (resumed " + std::to_string(e.resumes) + "x)");
  if (e.decided_us != 0)
    event(e.decided_us, "decided", to_string(e.result.status));
  for (auto& v : x.voids) {
    if (e.decided_us != 0)
      event(e.decided_us, "void owed", "authorization " + v.tx_id);
    if (v.acked)
      event(v.acked_us, "void acknowledged", "authorization " + v.tx_id);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const json& a, const json& b) {
                     return a["at"].get<int64_t>() < b["at"].get<int64_t>();
                   });
  j["events"] = std::move(events);
  j["result"]
    = e.decided_us == 0 ? json(nullptr) : json::parse(to_json(e.result));
  return compact_json(j);
}

} // namespace order_node
