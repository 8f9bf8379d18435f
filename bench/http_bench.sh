#!/usr/bin/env bash
# HTTP ingress figures (docs/performance.md): builds order-node in Release,
# starts it with the ingress on 127.0.0.1 and drives it with wrk.
#   bash bench/http_bench.sh [SECONDS]     (default 30)
# Prints wrk's summary per case, the peak RSS of order-node, and the REPL
# bench at latency 0 for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
bash .ci/install-deps
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j2 --target order-node >/dev/null
bin=$PWD/build/release/order-node
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true  # 1,000 connections need fds
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
case_run() { # label, connections, node options...
  local label=$1 conns=$2; shift 2
  local port=$((20000 + RANDOM % 20000))
  "$bin" --repl=off --http=127.0.0.1:$port --seed=1 --log-level=warn --journal=off "$@" &
  local pid=$!
  for _ in $(seq 50); do
    curl -s "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "== $label: wrk -t2 -c$conns -d${secs}s --latency (order-node $*)"
  wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s --latency \
      -s bench/post.lua "http://127.0.0.1:$port" \
    | grep -E "Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors"
  echo "peak RSS of order-node: $(awk '/VmHWM/{print $2, $3}' /proc/$pid/status)"
  kill -TERM $pid; wait $pid || true
}
case_run "tutorial latencies, 1,000 connections" 1000 --max-attempts=1
case_run "latency 0, 100 connections" 100 --max-attempts=1 --latency-scale=0
echo "== REPL bench at latency 0 (same machine, same run)"
echo "bench orders=300000 concurrency=1000 latency-scale=0" \
  | "$bin" --http=off --seed=1 --log-level=warn --max-attempts=1 --journal=off 2>/dev/null
