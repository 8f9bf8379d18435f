// tests/node/line_reader_test.cpp — the pipe reader: numbering, a last line
// without newline, and lines over the bound cut without holding them.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <unistd.h>

#include "node/repl/line_reader.hpp"

using namespace order_node;

namespace {

// A reader over `input` written into a pipe by a helper thread.
struct piped {
  int fds[2];
  std::thread writer;
  std::unique_ptr<line_reader> reader;

  piped(std::string input, size_t max_bytes) {
    REQUIRE(::pipe(fds) == 0);
    writer = std::thread([fd = fds[1], input = std::move(input)] {
      size_t off = 0;
      while (off < input.size()) {
        auto n = ::write(fd, input.data() + off, input.size() - off);
        if (n <= 0)
          break;
        off += static_cast<size_t>(n);
      }
      ::close(fd);
    });
    reader = make_fd_reader(fds[0], max_bytes);
  }

  ~piped() {
    writer.join();
    ::close(fds[0]);
  }
};

} // namespace

TEST_CASE("lines are numbered from 1 and the last needs no newline") {
  piped p{"a\n\nb\r\nc", 100};
  auto l1 = p.reader->next();
  auto l2 = p.reader->next();
  auto l3 = p.reader->next();
  auto l4 = p.reader->next();
  REQUIRE(l4);
  CHECK(l1->text == "a");
  CHECK(l2->text.empty());
  CHECK(l3->text == "b\r"); // the grammar trims the carriage return
  CHECK(l4->text == "c");
  CHECK(l4->number == 4);
  CHECK_FALSE(p.reader->next());
}

TEST_CASE("a line over the bound is flagged and the next line is intact") {
  std::string big(300'000, 'x');
  piped p{"ok\n" + big + "\nafter\n", 1000};
  CHECK(p.reader->next()->text == "ok");
  auto l = p.reader->next();
  REQUIRE(l);
  CHECK(l->too_long);
  CHECK(l->text.empty());
  auto after = p.reader->next();
  REQUIRE(after);
  CHECK(after->text == "after");
  CHECK(after->number == 3);
}

TEST_CASE("empty input gives no line") {
  piped p{"", 100};
  CHECK_FALSE(p.reader->next());
}
