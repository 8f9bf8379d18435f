// tests/actors/log_test.cpp — the log lines: text and JSON, the time with
// its offset from UTC.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>

#include "actors/support/log_format.hpp"

using namespace order_node;

namespace {

// Sets TZ for the test (a POSIX rule, no tzdata needed), then restores it.
class zone {
 public:
  explicit zone(const char* tz) {
    if (auto* old = std::getenv("TZ"))
      old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~zone() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

std::string format(log_format f, spdlog::log_clock::time_point t,
                   const std::string& logger, const std::string& text,
                   spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::memory_buf_t out;
  make_log_formatter(f)->format(
    spdlog::details::log_msg{t, {}, logger, level, text}, out);
  return std::string{out.data(), out.size()};
}

// 2026-12-02T01:13:14.169Z plus `seconds`: each case its own second (the
// formatter caches a second's text per thread).
spdlog::log_clock::time_point at(int seconds) {
  return spdlog::log_clock::time_point{std::chrono::milliseconds{1796173994169}
                                       + std::chrono::seconds{seconds}};
}

} // namespace

TEST_CASE("a text line's time is local, with its offset from UTC") {
  {
    zone tz{"IST-5:30"};
    CHECK(format(log_format::text, at(0), "order-node", "hello")
          == "2026-12-02T06:43:14.169+05:30 info hello\n");
  }
  {
    zone tz{"XST+3"};
    CHECK(format(log_format::text, at(1), "http", "hello", spdlog::level::warn)
          == "2026-12-01T22:13:15.169-03:00 warning http: hello\n");
  }
  {
    zone tz{"UTC0"};
    CHECK(format(log_format::text, at(2), "order-node", "x")
          == "2026-12-02T01:13:16.169+00:00 info x\n");
  }
}

TEST_CASE("a JSON line is one object with time, level, logger and message") {
  zone tz{"UTC0"};
  auto line
    = format(log_format::json, at(3), "cluster", "peer up", spdlog::level::err);
  CHECK(line
        == "{\"time\":\"2026-12-02T01:13:17.169+00:00\",\"level\":\"error\","
           "\"logger\":\"cluster\",\"message\":\"peer up\"}\n");
}

TEST_CASE("a JSON line escapes quotes, backslashes and control characters") {
  std::string text = "a \"quoted\" \\ path\nnext\tline \x01 end";
  auto line = format(log_format::json, at(4), "order-node", text);
  REQUIRE(line.back() == '\n');
  CHECK_MESSAGE(line.find('\n') == line.size() - 1, "one line: " << line);
  auto j = nlohmann::json::parse(line);
  CHECK(j["message"] == text);
  CHECK(line.find("\\u0001") != std::string::npos);
}

TEST_CASE("a JSON line keeps UTF-8 and replaces bytes that are not") {
  std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6"; // é € 📦
  auto ok = nlohmann::json::parse(
    format(log_format::json, at(5), "order-node", text));
  CHECK(ok["message"] == text);
  // A lone continuation byte, a truncated sequence, an overlong '/', a
  // UTF-16 surrogate, a byte never in UTF-8.
  std::string bad = "a\x80 b\xe2\x82 c\xc0\xaf d\xed\xa0\x80 e\xff";
  auto line = format(log_format::json, at(6), "order-node", bad);
  auto j = nlohmann::json::parse(line); // throws on invalid UTF-8
  auto message = j["message"].get<std::string>();
  CHECK(message.find("a\xef\xbf\xbd b") == 0);
  CHECK(message.find(" e\xef\xbf\xbd") != std::string::npos);
  CHECK(message.find('\xff') == std::string::npos);
}
