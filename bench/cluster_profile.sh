#!/usr/bin/env bash
# Where the front's CPU goes in a cluster (docs/performance.md, issue #27): two
# services nodes and a front on 127.0.0.1 (as bench/cluster.sh), latency 0,
# 1,000 in flight; `perf record -e cpu-clock` samples the front during the
# bench (this VM has no hardware counters). Prints the bench's answer and the
# share of the front's samples by where they fell:
#   kernel       [kernel.kallsyms] (sockets, futex, scheduling)
#   CAF          libcaf_core/libcaf_io, and caf:: code compiled into order-node
#   malloc       the allocator (jemalloc or libc's malloc/free)
#   order-node   functions in order_node:: (the pipeline's own code, whatever
#                it inlined)
#   other        the C++ library, libc, the rest
#   bash bench/cluster_profile.sh [BINARY] [ENGINE] [ORDERS]
#   (defaults: build/release/order-node, actor, 300000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/order-node}
engine=${2:-actor}
orders=${3:-300000}
command -v perf >/dev/null || { echo "perf is not installed (linux-perf)" >&2; exit 1; }
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_PERF:-}" ] && cp "$dir/perf.data" "$KEEP_PERF"
  rm -rf "$dir"
}
trap cleanup EXIT

services() { # log file, hosts; sets $port
  "$bin" --role=services --listen=127.0.0.1:0 --seed=1 --latency-scale=0 \
    --journal=off --log-level=info --hosts="$2" >/dev/null 2>"$1" &
  pids+=($!)
  for _ in $(seq 200); do
    grep -q "listening on" "$1" 2>/dev/null && break
    sleep 0.05
  done
  port=$(grep -o "listening on 127.0.0.1:[0-9]*" "$1" | cut -d: -f2)
}
services "$dir/a" warehouse:Main,warehouse:Backup,payment
a=$port
services "$dir/b" fraud,carrier:Standard,carrier:Economy,carrier:FastShip
b=$port

mkfifo "$dir/in"
"$bin" --role=front --peers="127.0.0.1:$a,127.0.0.1:$b" --seed=1 --http=off \
  --journal=off --max-attempts=1 --log-level=info --engine="$engine" \
  <"$dir/in" >"$dir/out" 2>"$dir/front" &
front=$!
pids+=($front)
exec 3>"$dir/in"
for _ in $(seq 600); do
  grep -q "order-node started" "$dir/front" 2>/dev/null && break
  sleep 0.05
done
perf record -e cpu-clock -F 999 -g -p "$front" -o "$dir/perf.data" \
  >/dev/null 2>&1 &
perf=$!
sleep 0.5
echo "bench orders=$orders concurrency=1000" >&3
for _ in $(seq 6000); do
  grep -q '"bench"' "$dir/out" 2>/dev/null && break
  sleep 0.1
done
kill -INT "$perf"
wait "$perf" || true
exec 3>&-
grep '"bench"' "$dir/out"
perf report -i "$dir/perf.data" --no-children --sort dso,sym --stdio -g none \
  2>/dev/null | python3 -c '
import re, sys
share = {"kernel": 0.0, "CAF": 0.0, "malloc": 0.0, "order-node": 0.0,
         "other": 0.0}
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
    if not m:
        m = re.match(r"\s*([\d.]+)%\s+(\[kernel\.kallsyms\])\s+\[k\]", line)
        if m:
            share["kernel"] += float(m.group(1))
        continue
    pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
    if "kallsyms" in dso:
        share["kernel"] += pct
    elif "libcaf" in dso or sym.startswith("caf::"):
        share["CAF"] += pct
    elif "jemalloc" in dso or re.match(r"(je_)?(malloc|free|calloc|realloc|"
                                       r"_int_malloc|_int_free|cfree|"
                                       r"operator new|operator delete)", sym):
        share["malloc"] += pct
    elif re.search(r"order_node(::|[0-9])", sym) and not sym.startswith("std::"):
        share["order-node"] += pct
    else:
        share["other"] += pct
print("front, share of samples: " + ", ".join(
    f"{k} {v:.1f} %" for k, v in share.items()))
'
