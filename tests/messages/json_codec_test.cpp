// tests/messages/json_codec_test.cpp — the JSON codec: every bad field is an
// error that names it; a valid body parses; results keep the tutorial's names.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "messages/errors.hpp"
#include "messages/json_codec.hpp"
#include "messages/validate.hpp"

using namespace order_node;

namespace {

const char* tutorial_body
  = R"({"userId":"user123","productId":"prod456","quantity":2,)"
    R"("amount":99.99,"weight":5.5,"destination":"New York"})";

// Parses `body` expecting an error; returns its text.
std::string error_of(const std::string& body, bool allow_key = false) {
  auto r = parse_order_json(body, allow_key);
  REQUIRE_MESSAGE(!r, "expected an error for " << body);
  return error_text(r.error());
}

// The tutorial body with one field replaced by `raw` JSON.
std::string with(const std::string& field, const std::string& raw) {
  auto j = nlohmann::json::parse(tutorial_body);
  j[field] = nlohmann::json::parse(raw);
  return j.dump();
}

} // namespace

TEST_CASE("the tutorial's body parses into an order_request") {
  auto r = parse_order_json(tutorial_body, false);
  REQUIRE(r);
  CHECK(r->request.user_id == "user123");
  CHECK(r->request.product_id == "prod456");
  CHECK(r->request.quantity == 2);
  CHECK(r->request.amount == doctest::Approx(99.99));
  CHECK(r->request.weight == doctest::Approx(5.5));
  CHECK(r->request.destination == "New York");
  CHECK(r->idempotency_key.empty());
}

TEST_CASE("each bad field is rejected with an error naming it") {
  struct bad {
    const char* field;
    const char* raw;
    const char* expected;
  };
  const bad cases[] = {
    {"userId", R"("")", "userId must be a non-empty string"},
    {"userId", "42", "userId must be a string, got number"},
    {"productId", R"("")", "productId must be a non-empty string"},
    {"productId", "null", "productId must be a string, got null"},
    {"quantity", "0", "quantity must be an integer from 1 to 10000, got 0"},
    {"quantity", "-1", "quantity must be an integer from 1 to 10000, got -1"},
    {"quantity", "10001",
     "quantity must be an integer from 1 to 10000, got 10001"},
    {"quantity", "2.5", "quantity must be an integer from 1 to 10000, got 2.5"},
    {"quantity", R"("2")",
     "quantity must be an integer from 1 to 10000, got string"},
    {"amount", "0",
     "amount must be a number greater than 0 and at most 1000000000, got 0"},
    {"amount", "-5",
     "amount must be a number greater than 0 and at most 1000000000, got -5"},
    {"amount", R"("9")", "amount must be a number, got string"},
    {"weight", "-0.5", "weight must be a number from 0 to 1000000, got -0.5"},
    {"weight", "true", "weight must be a number, got boolean"},
    // Bounded, so that what is computed from them stays finite (a fuzz
    // finding: CAF 0.17 never finishes serializing an infinite double).
    {"amount", "1e308",
     "amount must be a number greater than 0 and at most 1000000000, got "
     "1e+308"},
    {"weight", "1000001",
     "weight must be a number from 0 to 1000000, got 1000001"},
    {"destination", "[]", "destination must be a string, got array"},
  };
  for (auto& c : cases) {
    CAPTURE(c.field);
    CAPTURE(c.raw);
    CHECK(error_of(with(c.field, c.raw)) == c.expected);
  }
}

TEST_CASE("strings longer than 256 bytes are rejected") {
  auto long_text = "\"" + std::string(257, 'x') + "\"";
  CHECK(error_of(with("userId", long_text))
        == "userId must be at most 256 bytes, got 257");
  CHECK(error_of(with("destination", long_text))
        == "destination must be at most 256 bytes, got 257");
  CHECK(parse_order_json(with("destination", R"("")"), false));
}

TEST_CASE("unknown and missing fields are rejected by name") {
  CHECK(error_of(with("coupon", R"("X")")) == "unknown field 'coupon'");
  auto j = nlohmann::json::parse(tutorial_body);
  j.erase("weight");
  CHECK(error_of(j.dump()) == "missing field 'weight'");
}

TEST_CASE("a field given twice is rejected, not read as its last value") {
  CHECK(error_of(R"({"userId":"a","userId":"b","productId":"p","quantity":1,)"
                 R"("amount":1,"weight":1,"destination":"x"})")
        == "duplicate field 'userId'");
}

TEST_CASE("control characters in a string field are rejected") {
  order_request r{"user\x01", "p", 1, 1.0, 1.0, "x"};
  auto err = validate(r);
  REQUIRE(err);
  CHECK(error_text(err)
        == "userId must not contain control characters, got U+0001 at byte "
           "5");
  r.user_id = "user";
  r.destination = "New\tYork";
  REQUIRE(validate(r));
  CHECK(error_text(validate(r)).rfind("destination must not contain", 0) == 0);
  r.destination = "New York";
  CHECK_FALSE(validate(r));
}

TEST_CASE("malformed JSON and non-objects are rejected") {
  CHECK(error_of("{\"userId\":") == "body is not valid JSON");
  CHECK(error_of("[1,2]") == "expected a JSON object, got array");
  CHECK(error_of("\xff\xfe") == "body is not valid JSON");
}

TEST_CASE("idempotencyKey is accepted only where allowed") {
  auto body = with("idempotencyKey", R"("k-1")");
  CHECK(error_of(body, false) == "unknown field 'idempotencyKey'");
  auto r = parse_order_json(body, true);
  REQUIRE(r);
  CHECK(r->idempotency_key == "k-1");
  CHECK(error_of(with("idempotencyKey", R"("a b")"), true)
        == "idempotency key must be printable ASCII without spaces");
}

TEST_CASE("a result keeps the tutorial's field names, first and in order") {
  order_result r;
  r.order_id = "ORD_0000abcd";
  r.status = order_status::confirmed;
  r.processing_time_ms = 150;
  r.details = "Shipping: $9.63 via Economy (7 days)";
  r.carrier = "Economy";
  r.shipping_cost = 9.63;
  r.shipping_days = 7;
  r.calls.push_back(
    {"fraud", "fraud", 1, 150.0, call_end::answered, "risk 12.00"});
  r.calls.push_back({"payment", "payment", 1, 120.0, call_end::error,
                     "payment gateway timeout"});
  r.calls.push_back({"inventory", "Main", 2, 80.0, call_end::timeout, ""});
  auto text = to_json(r, 3);
  CHECK(
    text.rfind(R"({"input":3,"orderId":"ORD_0000abcd","status":"confirmed",)"
               R"("processingTimeMs":150,"details":)",
               0)
    == 0);
  auto j = nlohmann::json::parse(text);
  CHECK(j["shipping"]["cost"] == 9.63);
  CHECK(j["warehouse"].is_null());
  CHECK(j["riskScore"].is_null());
  CHECK(j["calls"][0]["service"] == "fraud");
  CHECK(j["calls"][0]["outcome"] == "risk 12.00");
  CHECK(j["calls"][1]["outcome"] == "error: payment gateway timeout");
  CHECK(j["calls"][2]["outcome"] == "timeout");
  CHECK(j["calls"][2]["attempt"] == 2);
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
  CHECK(is_valid_utf8("New York \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // surrogate
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));         // truncated
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
}

TEST_CASE("result strings are escaped and invalid UTF-8 is replaced") {
  order_result r;
  r.order_id = "ORD_1";
  r.status = order_status::failed;
  r.details = "quote \" backslash \\ newline \n tab \t bell \x07 caf\xc3\xa9";
  r.warehouse = "bad \xff byte";
  auto text = to_json(r);
  auto j = nlohmann::json::parse(text, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), text);
  CHECK(j["details"] == r.details);
  CHECK(j["warehouse"] == "bad \xef\xbf\xbd byte");
  CHECK(j["shipping"].is_null());
  CHECK(j["calls"].is_array());
}
