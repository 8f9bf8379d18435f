// node/app/journal_tool.cpp — see journal_tool.hpp.
#include "node/app/journal_tool.hpp"

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "actors/journal/journal_reader.hpp"
#include "node/console/console.hpp"
#include "node/repl/output.hpp"

namespace order_node {

namespace {

constexpr const char* usage
  = "usage: order-node journal list [--journal=PATH] [--status=S] "
    "[--search=TEXT] [--limit=N] [--before=SEQ]\n"
    "       order-node journal show ORDER_ID [--journal=PATH]\n"
    "       order-node journal trace ORDER_ID [--journal=PATH]\n"
    "Reads a journal (default: order-node.journal) without starting a node\n"
    "on it: read-only, also while a node runs on it. list: the orders,\n"
    "newest first, as GET /orders (status: confirmed, failed, timeout,\n"
    "voided, resumed or running; limit 1 to 200, default 50; before: the\n"
    "`next` of the previous page). show: one order's record, as\n"
    "GET /orders/{id}/journal. trace: a decided order's calls as a\n"
    "timeline, as the REPL's trace.\n";

struct tool_args {
  std::string verb;
  std::string order_id;
  std::string journal = "order-node.journal";
  std::string query; // list's, as GET /orders's query string
};

// "--name=value" -> value, if `arg` is that option.
std::optional<std::string> option(const std::string& arg,
                                  const std::string& name) {
  auto prefix = "--" + name + "=";
  if (arg.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  return arg.substr(prefix.size());
}

// Parses argv[2...]; an error sentence, or empty.
std::string parse(int argc, char** argv, tool_args& out) {
  if (argc < 3)
    return "which: list, show or trace?";
  out.verb = argv[2];
  if (out.verb != "list" && out.verb != "show" && out.verb != "trace")
    return "unknown journal command '" + out.verb + "': list, show or trace";
  auto add_query = [&](const char* name, const std::string& value) {
    out.query
      += (out.query.empty() ? "" : "&") + std::string{name} + "=" + value;
  };
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (auto v = option(arg, "journal")) {
      if (v->empty())
        return "--journal needs a file";
      out.journal = *v;
    } else if (out.verb == "list" && option(arg, "status")) {
      add_query("status", *option(arg, "status"));
    } else if (out.verb == "list" && option(arg, "search")) {
      add_query("q", *option(arg, "search"));
    } else if (out.verb == "list" && option(arg, "limit")) {
      add_query("limit", *option(arg, "limit"));
    } else if (out.verb == "list" && option(arg, "before")) {
      add_query("before", *option(arg, "before"));
    } else if (out.verb != "list" && out.order_id.empty()
               && arg.rfind("--", 0) != 0) {
      out.order_id = arg;
    } else {
      return "unexpected argument '" + arg + "'";
    }
  }
  if (out.verb != "list" && out.order_id.empty())
    return out.verb + " needs an order id (ORD_...)";
  return {};
}

int fail(const std::string& text) {
  std::cerr << "order-node: " << text << '\n';
  return 1;
}

} // namespace

int run_journal_tool(int argc, char** argv) {
  tool_args args;
  if (argc >= 3
      && (std::string{argv[2]} == "--help" || std::string{argv[2]} == "-h")) {
    std::cout << usage;
    return 0;
  }
  if (auto problem = parse(argc, argv, args); !problem.empty()) {
    std::cerr << "order-node journal: " << problem << '\n' << usage;
    return 2;
  }
  std::optional<order_query> query;
  if (args.verb == "list") {
    std::string error;
    // The console's parser: the same checks, the same words.
    query = parse_order_query(args.query, error);
    if (!query) {
      std::cerr << "order-node journal: " << error << '\n';
      return 2;
    }
  }
  std::string error;
  auto reader = journal_reader::open_offline(args.journal, error);
  if (!reader || !reader->verify(error))
    return fail(error);
  if (args.verb == "list") {
    std::cout << order_page_json(reader->list(*query)) << '\n';
    return 0;
  }
  auto h = reader->history(args.order_id);
  if (!h.found)
    return fail("journal " + args.journal + ": no order " + args.order_id);
  if (args.verb == "show") {
    std::cout << order_history_json(h) << '\n';
    return 0;
  }
  if (h.entry.decided_us == 0) {
    std::cout << args.order_id << " is running (" << h.replies
              << (h.replies == 1 ? " reply" : " replies")
              << " journaled); no trace before its decision\n";
    return 0;
  }
  std::cout << trace_text(h.entry.result) << '\n';
  return 0;
}

} // namespace order_node
