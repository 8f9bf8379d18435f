// messages/json_codec.cpp — see json_codec.hpp. nlohmann-json does the parsing
// and the escaping; this file does the rules.
#include "messages/json_codec.hpp"

#include <algorithm>

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "messages/units.hpp"
#include "messages/validate.hpp"

namespace order_node {

namespace {

using json = nlohmann::json;

caf::error invalid(std::string text) {
  return invalid_request(std::move(text));
}

const char* json_type_name(const json& x) {
  return x.type_name();
}

// Reads one field of a JSON object into a request field, naming it on error.
caf::error read_string(const json& v, const char* field, std::string& out) {
  if (!v.is_string())
    return invalid(std::string{field} + " must be a string, got "
                   + json_type_name(v));
  out = v.get<std::string>();
  return {};
}

caf::error read_number(const json& v, const char* field, double& out) {
  if (!v.is_number())
    return invalid(std::string{field} + " must be a number, got "
                   + json_type_name(v));
  out = v.get<double>();
  return {};
}

caf::error read_quantity(const json& v, int32_t& out) {
  auto bad = [](const std::string& got) { return bad_quantity(got); };
  if (v.is_number_unsigned()) {
    auto x = v.get<uint64_t>();
    if (x < 1 || x > static_cast<uint64_t>(max_quantity))
      return bad(std::to_string(x));
    out = static_cast<int32_t>(x);
    return {};
  }
  if (v.is_number_integer()) // negative
    return bad(std::to_string(v.get<int64_t>()));
  if (v.is_number_float())
    return bad(number_text(v.get<double>()));
  return bad(json_type_name(v));
}

// Writes one JSON object by hand: results are written for every order on the
// hot path (REPL and HTTP), and building a DOM to dump it cost a fifth of the
// ingress's I/O thread (perf). Strings are escaped per RFC 8259; invalid
// UTF-8 is replaced by U+FFFD, as nlohmann's dump with `replace` would.
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_(out) {}

  void begin_object() {
    comma();
    out_ += '{';
    first_ = true;
  }

  void end_object() {
    out_ += '}';
    first_ = false;
  }

  void begin_array() {
    comma();
    out_ += '[';
    first_ = true;
  }

  void end_array() {
    out_ += ']';
    first_ = false;
  }

  void key(const char* k) {
    comma();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true; // the value follows without a comma
  }

  /// A string, or null when it is empty.
  void string_or_null(const std::string& x) {
    if (x.empty())
      null();
    else
      string(x);
  }

  void string(const std::string& x) {
    comma();
    out_ += '"';
    if (is_valid_utf8(x)) {
      escape(x);
    } else {
      for (auto c : x)
        if (static_cast<unsigned char>(c) < 0x80)
          escape(std::string_view{&c, 1});
        else
          out_ += "\xEF\xBF\xBD";
    }
    out_ += '"';
  }

  void number(int64_t x) {
    comma();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), x);
    out_.append(buf, r.ptr);
  }

  // Shortest representation that reads back as the same double.
  void number(double x) {
    comma();
    if (!std::isfinite(x)) {
      out_ += "null";
      return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof(buf), x);
    out_.append(buf, r.ptr);
  }

  void boolean(bool x) {
    comma();
    out_ += x ? "true" : "false";
  }

  void null() {
    comma();
    out_ += "null";
  }

 private:
  // Separates this value from the previous one in an object or array.
  void comma() {
    if (!first_)
      out_ += ',';
    first_ = false;
  }

  void escape(std::string_view x) {
    for (auto c : x) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_ += hex[(c >> 4) & 0xF];
            out_ += hex[c & 0xF];
          } else {
            out_ += c;
          }
      }
    }
  }

  std::string& out_;
  bool first_ = true;
};

// The fields of a result, inside an object the caller has begun.
void write_result(json_writer& w, const order_result& x) {
  w.key("orderId");
  w.string(x.order_id);
  w.key("status");
  w.string(to_string(x.status));
  w.key("processingTimeMs");
  w.number(x.processing_time_ms);
  w.key("details");
  w.string(x.details);
  w.key("warehouse");
  w.string_or_null(x.warehouse);
  w.key("shipping");
  if (x.carrier.empty()) {
    w.null();
  } else {
    w.begin_object();
    w.key("carrier");
    w.string(x.carrier);
    w.key("cost");
    w.number(x.shipping_cost);
    w.key("estimatedDays");
    w.number(int64_t{x.shipping_days});
    w.end_object();
  }
  w.key("transactionId");
  w.string_or_null(x.transaction_id);
  w.key("riskScore");
  if (x.risk_score < 0)
    w.null();
  else
    w.number(x.risk_score);
  w.key("voided");
  w.boolean(x.voided);
  if (x.resumed) {    // only then: results of a node that never restarted
    w.key("resumed"); // read as before
    w.boolean(true);
  }
  w.key("calls");
  w.begin_array();
  for (auto& c : x.calls) {
    w.begin_object();
    w.key("service");
    w.string(c.service);
    w.key("instance");
    w.string(c.instance);
    w.key("attempt");
    w.number(int64_t{c.attempt});
    w.key("startMs");
    w.number(hundredths(c.start_ms));
    w.key("ms");
    w.number(hundredths(c.ms));
    w.key("outcome");
    if (c.outcome == call_end::answered)
      w.string(c.detail); // the common case, without a copy
    else
      w.string(outcome_text(c));
    w.end_object();
  }
  w.end_array();
}

// Parses `text`; a key given twice in one object is refused, not read as
// its last value (the REPL's key=value form refuses it too): which one the
// client meant is unknown. `twice` names the first such key.
json parse_once_per_key(std::string_view text, std::string& twice) {
  std::vector<std::vector<std::string>> keys; // per open object
  json::parser_callback_t cb
    = [&](int, json::parse_event_t event, json& parsed) {
        switch (event) {
          case json::parse_event_t::object_start:
            keys.emplace_back();
            break;
          case json::parse_event_t::object_end:
            if (!keys.empty())
              keys.pop_back();
            break;
          case json::parse_event_t::key:
            if (!keys.empty() && twice.empty()) {
              auto k = parsed.get<std::string>();
              auto& seen = keys.back();
              if (std::find(seen.begin(), seen.end(), k) != seen.end())
                twice = std::move(k);
              else
                seen.push_back(std::move(k));
            }
            break;
          default:
            break;
        }
        return true;
      };
  return json::parse(text.begin(), text.end(), cb, false);
}

} // namespace

caf::expected<order_input> parse_order_json(std::string_view text,
                                            bool allow_key) {
  std::string twice;
  json j = parse_once_per_key(text, twice);
  if (j.is_discarded())
    return invalid("body is not valid JSON");
  if (!twice.empty())
    return invalid("duplicate field '" + twice.substr(0, 64) + "'");
  if (!j.is_object())
    return invalid(std::string{"expected a JSON object, got "}
                   + json_type_name(j));
  order_input out;
  auto& r = out.request;
  bool seen[6] = {false, false, false, false, false, false};
  static constexpr const char* names[6]
    = {"userId", "productId", "quantity", "amount", "weight", "destination"};
  for (auto& [key, v] : j.items()) {
    caf::error err;
    if (key == "userId") {
      err = read_string(v, "userId", r.user_id);
      seen[0] = true;
    } else if (key == "productId") {
      err = read_string(v, "productId", r.product_id);
      seen[1] = true;
    } else if (key == "quantity") {
      err = read_quantity(v, r.quantity);
      seen[2] = true;
    } else if (key == "amount") {
      err = read_number(v, "amount", r.amount);
      seen[3] = true;
    } else if (key == "weight") {
      err = read_number(v, "weight", r.weight);
      seen[4] = true;
    } else if (key == "destination") {
      err = read_string(v, "destination", r.destination);
      seen[5] = true;
    } else if (allow_key && key == "idempotencyKey") {
      err = read_string(v, "idempotencyKey", out.idempotency_key);
      if (!err)
        err = validate_idempotency_key(out.idempotency_key);
    } else {
      err = invalid("unknown field '" + key.substr(0, 64) + "'");
    }
    if (err)
      return err;
  }
  for (int i = 0; i < 6; ++i)
    if (!seen[i])
      return invalid(std::string{"missing field '"} + names[i] + "'");
  if (auto err = validate(r))
    return err;
  return out;
}

std::string to_json(const order_result& x) {
  std::string out;
  out.reserve(512 + 128 * x.calls.size());
  json_writer w{out};
  w.begin_object();
  write_result(w, x);
  w.end_object();
  return out;
}

std::string to_json(const order_result& x, int64_t input_line) {
  std::string out;
  out.reserve(512 + 128 * x.calls.size());
  json_writer w{out};
  w.begin_object();
  w.key("input");
  w.number(input_line);
  write_result(w, x);
  w.end_object();
  return out;
}

} // namespace order_node
