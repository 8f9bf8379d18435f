// node/console/console.hpp — the console's side of the HTTP ingress
// (docs/console.md): the page's files built into the binary, the order list's
// query (GET /orders?status=&q=&limit=&before=) and the JSON of the list and of
// one order's journal record (GET /orders/{id}/journal). Pure functions,
// tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/journal_types.hpp"

namespace order_node {

/// A file of the console's page.
struct console_asset {
  std::string_view path;         // "/", "/console.js", ...
  std::string_view content_type; // with its charset
  std::string_view body;
};

/// The file served at `path`, or null (generated from node/console/).
const console_asset* find_console_asset(std::string_view path);

/// Parses the query string of GET /orders (without the '?'): `status` (one
/// of order_filters), `q` (an order id or idempotency key), `limit`
/// (1..order_query::max_page, default 50), `before` (an acceptance
/// number). Percent-encoding and '+' are decoded. nullopt and `error` set
/// (naming the parameter) for anything else.
std::optional<order_query> parse_order_query(std::string_view query,
                                             std::string& error);

/// {"orders": [...], "next": N|null}: the list's page.
std::string order_page_json(const order_page& x);

/// One order's journal record: its times, resumes, voids, the events in
/// order and its result (null while running).
std::string order_history_json(const order_history& x);

} // namespace order_node
