// node/repl/output.hpp — what order-node prints besides order results (those
// are in messages/json_codec.hpp): error lines, stats, bench reports, help.
// Every function returns one line of JSON unless it says otherwise.
#pragma once

#include <cstdint>
#include <string>

#include <vector>

#include "messages/cluster_types.hpp"
#include "messages/stats_types.hpp"
#include "node/repl/bench.hpp"

namespace order_node {

/// {"error": text, "line": N}
std::string error_line(const std::string& text, int64_t line);

/// One line for a person (not JSON), the terminal's default:
/// `ORD_62da0276 confirmed 150 ms — Shipping: $9.63 via Economy (7 days)`.
std::string result_text(const order_result& x);

/// {"input": N, "orderId": ..., "status": "Accepted"} (or
/// "PreviouslyAccepted" for a known idempotency key): the answer to `send`.
std::string accepted_json(const order_accepted& x, int64_t line);

/// `ORD_62da0276 accepted` (or `previously accepted`) for a person.
std::string accepted_text(const order_accepted& x);

/// {"input": N, "orderId": ..., "status": "running"}: `get` of an order in
/// flight.
std::string running_json(const std::string& order_id, int64_t line);

/// The REPL's `trace`: the order's calls as a timeline, one line per call
/// attempt with a bar from its start to its answer, scaled to the order's
/// duration (like the tutorial's Parallel Flow diagram, from the real call
/// records), then the total. Several lines, no trailing newline.
std::string trace_text(const order_result& x);

/// {"input": N, "orderId": ..., "trace": [the lines of trace_text]}.
std::string trace_json(const order_result& x, int64_t line);

/// `error: TEXT (line N)` for a person (not JSON).
std::string error_text_line(const std::string& text, int64_t line);

/// {"stats": {...}} with in-flight, dedup count and per kind/status counts
/// and latency quantiles (estimated from the histogram).
std::string stats_json(const desk_stats& x);

/// `{"nodes":[...]}`: the answer of the REPL's `nodes` command.
std::string nodes_json(const std::vector<peer_info>& peers);

/// {"bench": {...}}: orders, concurrency, mode, seconds, orders_per_s,
/// p50/p90/p99/max latency in ms and the count of every status.
std::string bench_json(const bench_report& x);

/// {"help": [lines]} for scripts.
std::string help_json();

/// The help as plain text for a terminal (several lines).
std::string help_text();

} // namespace order_node
