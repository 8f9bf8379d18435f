// node/repl/command.cpp — see command.hpp.
#include "node/repl/command.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "messages/errors.hpp"
#include "messages/validate.hpp"
#include "node/base/text.hpp"

namespace order_node {

namespace {

caf::error invalid(std::string text) {
  return make_error(order_errc::invalid_request, std::move(text));
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Shortens user text quoted back in an error message.
std::string quote(std::string_view s) {
  if (s.size() > 40)
    return "'" + std::string{s.substr(0, 40)} + "...'";
  return "'" + std::string{s} + "'";
}

// Parses a whole word as a number; no trailing junk, no empty input.
std::optional<double> to_double(const std::string& s) {
  if (s.empty() || is_space(s.front()))
    return std::nullopt;
  char* end = nullptr;
  errno = 0;
  auto x = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE)
    return std::nullopt;
  return x;
}

std::optional<int64_t> to_int(const std::string& s) {
  if (s.empty() || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
    return std::nullopt;
  char* end = nullptr;
  errno = 0;
  auto x = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || errno == ERANGE)
    return std::nullopt;
  return x;
}

struct key_value {
  std::string key;
  std::string value;
};

// The key=value words of `text`; an error for another word or a key given
// twice.
caf::expected<std::vector<key_value>> key_values(std::string_view text) {
  auto words = split_words(text);
  if (!words)
    return std::move(words.error());
  std::vector<key_value> out;
  for (auto& w : *words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalid("expected key=value, got " + quote(w));
    auto key = w.substr(0, eq);
    for (auto& kv : out)
      if (kv.key == key)
        return invalid("duplicate field " + quote(key));
    out.push_back({std::move(key), w.substr(eq + 1)});
  }
  return out;
}

caf::expected<command> parse_order_kv(order_kind kind,
                                      const std::vector<key_value>& kvs) {
  order_command cmd;
  cmd.kind = kind;
  auto& r = cmd.input.request;
  bool seen[6] = {false, false, false, false, false, false};
  static constexpr const char* names[6]
    = {"userId", "productId", "quantity", "amount", "weight", "destination"};
  for (auto& [key, value] : kvs) {
    if (key == "userId") {
      r.user_id = value;
      seen[0] = true;
    } else if (key == "productId") {
      r.product_id = value;
      seen[1] = true;
    } else if (key == "quantity") {
      auto x = to_int(value);
      if (!x || *x < 1 || *x > max_quantity)
        return bad_quantity(quote(value));
      r.quantity = static_cast<int32_t>(*x);
      seen[2] = true;
    } else if (key == "amount" || key == "weight") {
      auto x = to_double(value);
      if (!x)
        return invalid(key + " must be a number, got " + quote(value));
      (key == "amount" ? r.amount : r.weight) = *x;
      seen[key == "amount" ? 3 : 4] = true;
    } else if (key == "destination") {
      r.destination = value;
      seen[5] = true;
    } else if (key == "key") {
      if (auto err = validate_idempotency_key(value))
        return err;
      cmd.input.idempotency_key = value;
    } else {
      return invalid("unknown field " + quote(key));
    }
  }
  for (int i = 0; i < 6; ++i)
    if (!seen[i])
      return invalid(std::string{"missing field '"} + names[i] + "'");
  if (auto err = validate(r))
    return err;
  return command{std::move(cmd)};
}

caf::expected<command> parse_bench(const std::vector<key_value>& kvs) {
  bench_command cmd;
  bool has_orders = false;
  bool has_concurrency = false;
  for (auto& [key, value] : kvs) {
    if (key == "orders") {
      auto x = to_int(value);
      if (!x || *x < 1 || *x > 100'000'000)
        return invalid("orders must be an integer from 1 to 100000000, got "
                       + quote(value));
      cmd.orders = *x;
      has_orders = true;
    } else if (key == "concurrency") {
      auto x = to_int(value);
      if (!x || *x < 1 || *x > 1'000'000)
        return invalid("concurrency must be an integer from 1 to 1000000, got "
                       + quote(value));
      cmd.concurrency = *x;
      has_concurrency = true;
    } else if (key == "mode") {
      if (value == "parallel")
        cmd.mode = order_kind::parallel;
      else if (value == "sequential")
        cmd.mode = order_kind::sequential;
      else
        return invalid("mode must be parallel or sequential, got "
                       + quote(value));
    } else if (key == "latency-scale") {
      auto x = to_double(value);
      if (!x || !std::isfinite(*x) || *x < 0 || *x > 1000)
        return invalid("latency-scale must be a number from 0 to 1000, got "
                       + quote(value));
      cmd.latency_scale = *x;
    } else {
      return invalid("unknown bench field " + quote(key));
    }
  }
  if (!has_orders)
    return invalid("missing field 'orders'");
  if (!has_concurrency)
    return invalid("missing field 'concurrency'");
  return command{cmd};
}

} // namespace

caf::expected<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    if (i == text.size())
      break;
    std::string word;
    while (i < text.size() && !is_space(text[i])) {
      if (text[i] != '"') {
        word += text[i++];
        continue;
      }
      ++i; // opening quote
      bool closed = false;
      while (i < text.size()) {
        auto c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size() && (text[i] == '"' || text[i] == '\\'))
          c = text[i++];
        word += c;
      }
      if (!closed)
        return invalid("unterminated quote");
    }
    out.push_back(std::move(word));
  }
  return out;
}

namespace {

// The line's problem as a whole (too long, not UTF-8, control characters),
// or none.
caf::error bad_line(std::string_view line) {
  if (line.size() > max_line_bytes)
    return invalid("line is longer than " + std::to_string(max_line_bytes)
                   + " bytes");
  if (!is_valid_utf8(line))
    return invalid("line is not valid UTF-8");
  for (auto c : line)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r')
        || c == 0x7F)
      return invalid("line contains control characters");
  return {};
}

// The first word of `text` and, in `rest`, what follows it, trimmed.
std::string_view first_word(std::string_view text, std::string_view& rest) {
  auto space = text.find_first_of(" \t");
  rest = space == std::string_view::npos ? std::string_view{}
                                         : trim(text.substr(space));
  return text.substr(0, space);
}

// `order ...` / `slow ...` (`send`: `send order ...`): key=value pairs or
// the tutorial's JSON body.
caf::expected<command> parse_order(order_kind kind, std::string_view rest,
                                   bool send) {
  auto sent = [send](caf::expected<command> c) {
    if (c)
      if (auto* o = std::get_if<order_command>(&*c))
        o->send = send;
    return c;
  };
  if (!rest.empty() && rest.front() == '{') {
    auto in = parse_order_json(rest, true);
    if (!in)
      return std::move(in.error());
    return sent(command{order_command{kind, std::move(*in)}});
  }
  auto kvs = key_values(rest);
  if (!kvs)
    return std::move(kvs.error());
  return sent(parse_order_kv(kind, *kvs));
}

// The commands without an order: get, trace, stats, nodes, help, quit,
// json, bench.
caf::expected<command> parse_other(std::string_view verb,
                                   std::string_view rest) {
  if (verb == "get" || verb == "trace") {
    if (rest.empty() || rest.size() > max_id_bytes
        || rest.find_first_of(" \t") != std::string_view::npos)
      return invalid(std::string{verb} + " takes one order id: "
                     + std::string{verb} + " ORD_...");
    return command{get_command{std::string{rest}, verb == "trace"}};
  }
  auto no_args = [&](simple_command c) -> caf::expected<command> {
    if (!rest.empty())
      return invalid(std::string{verb} + " takes no arguments");
    return command{c};
  };
  if (verb == "stats")
    return no_args(simple_command::stats);
  if (verb == "nodes")
    return no_args(simple_command::nodes);
  if (verb == "help")
    return no_args(simple_command::help);
  if (verb == "quit" || verb == "exit")
    return no_args(simple_command::quit);
  if (verb == "json") {
    if (rest == "on" || rest == "off")
      return command{json_command{rest == "on"}};
    return invalid("json takes on or off");
  }
  if (verb == "bench") {
    auto kvs = key_values(rest);
    if (!kvs)
      return std::move(kvs.error());
    return parse_bench(*kvs);
  }
  return invalid(
    "unknown command " + quote(verb)
    + "; try order, slow, send, get, trace, bench, stats, nodes, json, help or "
      "quit");
}

} // namespace

caf::expected<command> parse_command(std::string_view line) {
  if (auto err = bad_line(line))
    return err;
  line = trim(line);
  if (line.empty() || line.front() == '#')
    return command{blank_command{}};
  std::string_view rest;
  auto verb = first_word(line, rest);
  bool send = false;
  if (verb == "send") {
    // `send order ...` / `send slow ...`: the order command that follows.
    send = true;
    verb = first_word(rest, rest);
    if (verb != "order" && verb != "slow")
      return invalid("send takes an order: send order ... or send slow ...");
  }
  if (verb == "order" || verb == "slow")
    return parse_order(verb == "order" ? order_kind::parallel
                                       : order_kind::sequential,
                       rest, send);
  return parse_other(verb, rest);
}

} // namespace order_node
