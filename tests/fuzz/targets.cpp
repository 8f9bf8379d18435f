// tests/fuzz/targets.cpp — see targets.hpp.
#include "targets.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "messages/errors.hpp"
#include "messages/journal_codec.hpp"
#include "messages/json_codec.hpp"
#include "messages/validate.hpp"
#include "node/http/router.hpp"
#include "node/repl/command.hpp"

namespace order_node::fuzz {

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An accepted request must be one validate() accepts.
void require_valid(const order_request& r) {
  require(!validate(r), "an accepted order fails validate()");
  require(std::isfinite(r.amount) && std::isfinite(r.weight),
          "an accepted order has a non-finite number");
}

template <class T>
void round_trip(const std::vector<char>& bytes) {
  T x;
  if (!decode(bytes, x))
    return;
  auto again = encode(x);
  T y;
  require(decode(again, y), "a decoded record does not decode re-encoded");
  require(encode(y) == again, "a record's encoding is not stable");
}

} // namespace

void order_json(const uint8_t* data, size_t size) {
  if (size == 0)
    return;
  bool allow_key = (data[0] & 1) != 0;
  auto text = text_of(data + 1, size - 1);
  auto r = parse_order_json(text, allow_key);
  if (!r) {
    require(!error_text(r.error()).empty(), "an error without a text");
    return;
  }
  require_valid(r->request);
  require(allow_key || r->idempotency_key.empty(),
          "a key where none is allowed");
  if (!r->idempotency_key.empty())
    require(!validate_idempotency_key(r->idempotency_key),
            "an accepted key fails validate_idempotency_key()");
}

void repl_line(const uint8_t* data, size_t size) {
  auto r = parse_command(text_of(data, size));
  if (!r) {
    require(!error_text(r.error()).empty(), "an error without a text");
    return;
  }
  if (auto* o = std::get_if<order_command>(&*r)) {
    require_valid(o->input.request);
  } else if (auto* g = std::get_if<get_command>(&*r)) {
    require(!g->order_id.empty() && g->order_id.size() <= max_id_bytes,
            "get/trace with a bad order id");
  } else if (auto* b = std::get_if<bench_command>(&*r)) {
    require(b->orders >= 1 && b->concurrency >= 1, "bench without orders");
  }
}

void http_request(const uint8_t* data, size_t size) {
  if (size == 0)
    return;
  http_detail::router_config cfg;
  cfg.max_body = 4096; // small limits: the fuzzer reaches them
  cfg.max_header = 1024;
  if ((data[0] & 1) != 0)
    cfg.token = "0123456789abcdef0123456789abcdef";
  cfg.journaled = (data[0] & 2) != 0;
  auto a = http_detail::parse_request(text_of(data + 1, size - 1), cfg);
  using act = http_detail::http_action;
  switch (a.kind) {
    case act::more:
      return;
    case act::respond: {
      static constexpr unsigned codes[]
        = {200, 400, 401, 404, 405, 413, 415, 431, 501};
      bool known = false;
      for (auto c : codes)
        known = known || a.status == c;
      require(known, "an answer with an unexpected status");
      if (a.content_type == "application/json")
        require(nlohmann::json::accept(a.body), "a JSON answer that is not");
      require(a.status != 405 || !a.allow.empty(), "a 405 without Allow");
      require(a.status != 401 || a.auth_challenge,
              "a 401 without WWW-Authenticate");
      return;
    }
    case act::order:
    case act::send:
      require_valid(a.sub.request);
      if (!a.sub.idempotency_key.empty())
        require(!validate_idempotency_key(a.sub.idempotency_key),
                "an accepted key fails validate_idempotency_key()");
      return;
    case act::lookup:
    case act::attach:
    case act::history:
      require(!a.order_id.empty() && a.order_id.size() <= max_id_bytes
                && a.order_id.find('/') == std::string::npos,
              "a lookup with a bad order id");
      return;
    case act::list:
      require(cfg.journaled, "a list without a journal");
      require(a.query.limit >= 1 && a.query.limit <= order_query::max_page,
              "a list with a bad limit");
      return;
    case act::live:
    case act::health:
    case act::metrics:
      return;
  }
}

void journal_record(const uint8_t* data, size_t size) {
  if (size == 0)
    return;
  std::vector<char> bytes(data + 1, data + size);
  switch (data[0] % 7) {
    case 0:
      round_trip<order_request>(bytes);
      break;
    case 1:
      round_trip<order_result>(bytes);
      break;
    case 2: {
      order_result r;
      if (decode_format1(bytes, r)) {
        order_result again;
        require(decode(encode(r), again), "an upgraded result does not decode");
      }
      break;
    }
    case 3:
      round_trip<inventory_reply>(bytes);
      break;
    case 4:
      round_trip<payment_reply>(bytes);
      break;
    case 5:
      round_trip<fraud_reply>(bytes);
      break;
    default:
      round_trip<shipping_quote>(bytes);
      break;
  }
}

target_fn find_target(std::string_view name) {
  if (name == "order_json")
    return order_json;
  if (name == "repl_line")
    return repl_line;
  if (name == "http_request")
    return http_request;
  if (name == "journal_record")
    return journal_record;
  return nullptr;
}

} // namespace order_node::fuzz
