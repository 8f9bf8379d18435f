// node/app/journal_tool.hpp — `order-node journal list|show|trace`: reads a
// journal without starting a node on it. It opens the file read-only (it
// never resumes an order, never writes, and works while a node runs on the
// journal) and prints what the console's routes and the REPL's `trace`
// print (docs/durability.md, "Reading a journal").
#pragma once

namespace order_node {

/// Runs `order-node journal ...` (argv[1] is "journal"); the exit status:
/// 0, 1 (the journal cannot be read, or has no such order), 2 (usage).
int run_journal_tool(int argc, char** argv);

} // namespace order_node
