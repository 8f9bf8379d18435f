// actors/support/log_format.cpp — see log_format.hpp. spdlog's pattern
// formatter costs about 1,400 instructions a line, more than a tenth of an
// order's; these format the date and time up to the second, and the UTC
// offset, once a second per thread, and copy the rest.
#include "actors/support/log_format.hpp"

#include <chrono>
#include <cstring>
#include <ctime>

#include <spdlog/formatter.h>

namespace order_node {

namespace {

using spdlog::memory_buf_t;

void append(memory_buf_t& dest, spdlog::string_view_t x) {
  dest.append(x.data(), x.data() + x.size());
}

// Appends `2026-12-02T01:13:14.169+00:00`: local time, milliseconds, the
// offset from UTC (ISO 8601, RFC 3339).
void append_time(spdlog::log_clock::time_point time, memory_buf_t& dest) {
  using namespace std::chrono;
  thread_local seconds cached_second{-1};
  thread_local char date[20];  // 2026-12-02T01:13:14.
  thread_local char offset[6]; // +00:00
  auto since = time.time_since_epoch();
  auto secs = duration_cast<seconds>(since);
  if (secs != cached_second) {
    cached_second = secs;
    auto t = static_cast<std::time_t>(secs.count());
    std::tm local{};
    ::localtime_r(&t, &local);
    char buf[32];
    if (std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.", &local)
        == sizeof(date))
      std::memcpy(date, buf, sizeof(date));
    auto off = local.tm_gmtoff;
    offset[0] = off < 0 ? '-' : '+';
    off = (off < 0 ? -off : off) / 60;
    auto h = off / 60;
    auto m = off % 60;
    offset[1] = static_cast<char>('0' + h / 10 % 10);
    offset[2] = static_cast<char>('0' + h % 10);
    offset[3] = ':';
    offset[4] = static_cast<char>('0' + m / 10);
    offset[5] = static_cast<char>('0' + m % 10);
  }
  dest.append(date, date + sizeof(date));
  auto ms = static_cast<int>(duration_cast<milliseconds>(since - secs).count());
  char digits[3]
    = {static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
       static_cast<char>('0' + ms % 10)};
  dest.append(digits, digits + 3);
  dest.append(offset, offset + sizeof(offset));
}

// The length of the UTF-8 sequence at x[i] (Unicode 15, table 3-7: no
// overlong forms, no surrogates, nothing above U+10FFFF), 0 if invalid.
size_t utf8_length(spdlog::string_view_t x, size_t i) {
  auto at = [&](size_t k) {
    return i + k < x.size() ? static_cast<unsigned char>(x[i + k]) : 0u;
  };
  auto tail = [](unsigned c) { return c >= 0x80 && c <= 0xBF; };
  unsigned c = at(0);
  if (c >= 0xC2 && c <= 0xDF)
    return tail(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : 0xBF;
    return at(1) >= lo && at(1) <= hi && tail(at(2)) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xF4 ? 0x8F : 0xBF;
    return at(1) >= lo && at(1) <= hi && tail(at(2)) && tail(at(3)) ? 4 : 0;
  }
  return 0;
}

// Appends `x` as a JSON string, quotes included. Runs of characters that
// need no escape are copied in one piece.
void append_json_string(spdlog::string_view_t x, memory_buf_t& dest) {
  static constexpr char hex[] = "0123456789abcdef";
  dest.push_back('"');
  size_t run = 0; // start of the characters not yet copied
  size_t i = 0;
  while (i < x.size()) {
    auto c = static_cast<unsigned char>(x[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    size_t n = c >= 0x80 ? utf8_length(x, i) : 0;
    if (n > 0) {
      i += n;
      continue;
    }
    dest.append(x.data() + run, x.data() + i);
    switch (c) {
      case '"':
        append(dest, "\\\"");
        break;
      case '\\':
        append(dest, "\\\\");
        break;
      case '\n':
        append(dest, "\\n");
        break;
      case '\r':
        append(dest, "\\r");
        break;
      case '\t':
        append(dest, "\\t");
        break;
      default:
        if (c >= 0x80) {
          append(dest, "\\ufffd"); // not UTF-8
        } else {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
          dest.append(u, u + sizeof(u));
        }
    }
    run = ++i;
  }
  dest.append(x.data() + run, x.data() + x.size());
  dest.push_back('"');
}

class text_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              memory_buf_t& dest) override {
    append_time(msg.time, dest);
    dest.push_back(' ');
    append(dest, spdlog::level::to_string_view(msg.level));
    dest.push_back(' ');
    if (msg.logger_name != "order-node") {
      append(dest, msg.logger_name);
      append(dest, ": ");
    }
    append(dest, msg.payload);
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<text_formatter>();
  }
};

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              memory_buf_t& dest) override {
    append(dest, "{\"time\":\"");
    append_time(msg.time, dest);
    append(dest, "\",\"level\":\"");
    append(dest, spdlog::level::to_string_view(msg.level));
    append(dest, "\",\"logger\":");
    append_json_string(msg.logger_name, dest);
    append(dest, ",\"message\":");
    append_json_string(msg.payload, dest);
    append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

} // namespace

bool parse_log_format(const std::string& text, log_format& out) {
  if (text == "text")
    out = log_format::text;
  else if (text == "json")
    out = log_format::json;
  else
    return false;
  return true;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(log_format format) {
  if (format == log_format::json)
    return std::make_unique<json_formatter>();
  return std::make_unique<text_formatter>();
}

} // namespace order_node
