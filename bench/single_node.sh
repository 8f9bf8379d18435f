#!/usr/bin/env bash
# Single-node figures of the REPL's `bench` (docs/performance.md): builds
# order-node in Release, then runs closed-loop benches and prints one JSON
# line each: {"case", "rss_kb" (peak RSS of the process), "bench"}.
#   bash bench/single_node.sh [ORDERS]      (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-100000}
. bench/lib.sh
run() { # label, node options..., -- bench arguments
  local label=$1; shift
  local opts=() t; while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
  t=$(mktemp)
  local line
  line=$(echo "bench $*" | /usr/bin/time -f %M -o "$t" "$bin" --seed=1 --http=off \
         --journal=off --log-level=warn "${opts[@]}" 2>/dev/null)
  echo "{\"case\":\"$label\",\"rss_kb\":$(tail -1 "$t"),${line#\{}"
  rm -f "$t"
}
run "parallel, tutorial latencies, max-attempts=1" --max-attempts=1 -- \
  orders=$orders concurrency=1000
run "parallel, tutorial latencies, max-attempts=3" -- \
  orders=$orders concurrency=1000
run "sequential, tutorial latencies, max-attempts=1" --max-attempts=1 -- \
  orders=$((orders / 4)) concurrency=1000 mode=sequential
run "parallel, latency 0" --max-attempts=1 -- \
  orders=$((orders * 5)) concurrency=1000 latency-scale=0
