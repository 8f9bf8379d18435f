// tests/node/command_test.cpp — the REPL grammar: every command, every bad
// input named.
#include <doctest/doctest.h>

#include "messages/errors.hpp"
#include "node/repl/command.hpp"

using namespace order_node;

namespace {

const char* tutorial_kv = "userId=user123 productId=prod456 quantity=2 "
                          "amount=99.99 weight=5.5 destination=\"New York\"";

std::string error_of(const std::string& line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(!r, "expected an error for: " << line);
  return error_text(r.error());
}

order_command order_of(const std::string& line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(r, "unexpected error for: " << line);
  auto* o = std::get_if<order_command>(&*r);
  REQUIRE(o != nullptr);
  return *o;
}

} // namespace

TEST_CASE("order with key=value arguments parses the tutorial's order") {
  auto o = order_of(std::string{"order "} + tutorial_kv);
  CHECK(o.kind == order_kind::parallel);
  CHECK(o.input.request.user_id == "user123");
  CHECK(o.input.request.quantity == 2);
  CHECK(o.input.request.amount == doctest::Approx(99.99));
  CHECK(o.input.request.destination == "New York");
  CHECK(o.input.idempotency_key.empty());
}

TEST_CASE("slow makes a sequential order") {
  CHECK(order_of(std::string{"slow "} + tutorial_kv).kind
        == order_kind::sequential);
}

TEST_CASE("order with a JSON body parses the same order") {
  auto o = order_of(
    R"(order {"userId":"user123","productId":"prod456","quantity":2,)"
    R"("amount":99.99,"weight":5.5,"destination":"New York",)"
    R"("idempotencyKey":"abc"})");
  CHECK(o.input.request.destination == "New York");
  CHECK(o.input.idempotency_key == "abc");
}

TEST_CASE("send takes an order command and marks it sent") {
  auto o = order_of(std::string{"send slow key=s-1 "} + tutorial_kv);
  CHECK(o.send);
  CHECK(o.kind == order_kind::sequential);
  CHECK(o.input.idempotency_key == "s-1");
  CHECK(order_of(R"(send order {"userId":"u","productId":"p","quantity":1,)"
                 R"("amount":1,"weight":0,"destination":"x"})")
          .send);
  CHECK_FALSE(order_of(std::string{"order "} + tutorial_kv).send);
  CHECK(error_of("send")
        == "send takes an order: send order ... or send slow ...");
  CHECK(error_of("send stats")
        == "send takes an order: send order ... or send slow ...");
}

TEST_CASE("get takes one order id") {
  auto r = parse_command("get ORD_62da0276");
  REQUIRE(r);
  auto* g = std::get_if<get_command>(&*r);
  REQUIRE(g != nullptr);
  CHECK(g->order_id == "ORD_62da0276");
  CHECK(error_of("get") == "get takes one order id: get ORD_...");
  CHECK(error_of("get a b") == "get takes one order id: get ORD_...");
  CHECK_FALSE(g->trace);
}

TEST_CASE("trace takes one order id") {
  auto r = parse_command("trace  ORD_62da0276 ");
  REQUIRE(r);
  auto* g = std::get_if<get_command>(&*r);
  REQUIRE(g != nullptr);
  CHECK(g->order_id == "ORD_62da0276");
  CHECK(g->trace);
  CHECK(error_of("trace") == "trace takes one order id: trace ORD_...");
  CHECK(error_of("trace a b") == "trace takes one order id: trace ORD_...");
}

TEST_CASE("key=K sets the idempotency key") {
  auto o = order_of(std::string{"order key=K-1 "} + tutorial_kv);
  CHECK(o.input.idempotency_key == "K-1");
}

TEST_CASE("quoted values keep spaces and escapes") {
  auto o = order_of("order userId=\"a \\\"b\\\" \\\\c\" productId=p "
                    "quantity=1 amount=1 weight=0 destination=");
  CHECK(o.input.request.user_id == "a \"b\" \\c");
  CHECK(o.input.request.destination.empty());
}

TEST_CASE("bad order arguments are errors that name the field") {
  auto with = [](const std::string& replace, const std::string& by) {
    std::string line = std::string{"order "} + tutorial_kv;
    auto i = line.find(replace);
    REQUIRE(i != std::string::npos);
    return line.replace(i, replace.size(), by);
  };
  CHECK(error_of(with("quantity=2", "quantity=two"))
        == "quantity must be an integer from 1 to 10000, got 'two'");
  CHECK(error_of(with("quantity=2", "quantity=2.5"))
        == "quantity must be an integer from 1 to 10000, got '2.5'");
  CHECK(error_of(with("quantity=2", "quantity=0"))
        == "quantity must be an integer from 1 to 10000, got '0'");
  CHECK(error_of(with("amount=99.99", "amount=abc"))
        == "amount must be a number, got 'abc'");
  CHECK(
    error_of(with("amount=99.99", "amount=-1"))
    == "amount must be a number greater than 0 and at most 1000000000, got -1");
  CHECK(error_of(with("amount=99.99", "amount=inf"))
        == "amount must be a number greater than 0 and at most 1000000000, got "
           "inf");
  CHECK(error_of(with("weight=5.5", "weight=nan"))
        == "weight must be a number from 0 to 1000000, got nan");
  CHECK(error_of(with("userId=user123", "userId="))
        == "userId must be a non-empty string");
  CHECK(error_of(with("weight=5.5", "weight=5.5 color=red"))
        == "unknown field 'color'");
  CHECK(error_of(with("weight=5.5", "weight=5.5 weight=1"))
        == "duplicate field 'weight'");
  CHECK(error_of(with("weight=5.5", "")) == "missing field 'weight'");
  CHECK(error_of(with("weight=5.5", "weight"))
        == "expected key=value, got 'weight'");
  CHECK(error_of("order destination=\"New York") == "unterminated quote");
  CHECK(error_of(with("weight=5.5", "weight=5.5 key="))
        == "idempotency key must be 1 to 256 bytes, got 0");
  // As over HTTP (messages/validate.hpp): no control characters.
  CHECK(error_of(with("userId=user123", "userId=\"a\tb\""))
        == "userId must not contain control characters, got U+0009 at byte "
           "2");
  CHECK(error_of(with("weight=5.5",
                      "weight=5.5 userId=x")) // the JSON form says it too
        == "duplicate field 'userId'");
}

TEST_CASE("bench parses its arguments and rejects bad ones") {
  auto r = parse_command("bench orders=1000 concurrency=100 mode=sequential "
                         "latency-scale=0");
  REQUIRE(r);
  auto* b = std::get_if<bench_command>(&*r);
  REQUIRE(b != nullptr);
  CHECK(b->orders == 1000);
  CHECK(b->concurrency == 100);
  CHECK(b->mode == order_kind::sequential);
  REQUIRE(b->latency_scale);
  CHECK(*b->latency_scale == 0.0);
  CHECK(error_of("bench concurrency=1") == "missing field 'orders'");
  CHECK(error_of("bench orders=0 concurrency=1")
        == "orders must be an integer from 1 to 100000000, got '0'");
  CHECK(error_of("bench orders=1 concurrency=1 mode=fast")
        == "mode must be parallel or sequential, got 'fast'");
  CHECK(error_of("bench orders=1 concurrency=1 latency-scale=-1")
        == "latency-scale must be a number from 0 to 1000, got '-1'");
}

TEST_CASE("simple commands, blank lines and comments") {
  CHECK(std::get<simple_command>(*parse_command("stats"))
        == simple_command::stats);
  CHECK(std::get<simple_command>(*parse_command("nodes"))
        == simple_command::nodes);
  CHECK(std::get<simple_command>(*parse_command("  help  "))
        == simple_command::help);
  CHECK(std::get<simple_command>(*parse_command("quit"))
        == simple_command::quit);
  CHECK(std::holds_alternative<blank_command>(*parse_command("")));
  CHECK(std::holds_alternative<blank_command>(*parse_command("   \t")));
  CHECK(std::holds_alternative<blank_command>(*parse_command("# note")));
  CHECK(error_of("stats now") == "stats takes no arguments");
  CHECK(error_of("fly me")
        == "unknown command 'fly'; try order, slow, send, get, trace, bench, "
           "stats, nodes, json, help or quit");
}

TEST_CASE("json on and json off switch the result format") {
  CHECK(std::get<json_command>(*parse_command("json on")).on);
  CHECK_FALSE(std::get<json_command>(*parse_command("json  off")).on);
  CHECK(error_of("json") == "json takes on or off");
  CHECK(error_of("json maybe") == "json takes on or off");
}

TEST_CASE("binary junk and invalid UTF-8 are errors, not crashes") {
  CHECK(error_of("order \xff\xfe") == "line is not valid UTF-8");
  CHECK(error_of(std::string{"order \0 x", 9})
        == "line contains control characters");
  CHECK(error_of("\x1b[A") == "line contains control characters");
  CHECK(error_of(std::string(max_line_bytes + 1, 'a'))
        == "line is longer than 65536 bytes");
}
