#!/usr/bin/env bash
# Cluster figures (docs/performance.md, docs/cluster.md): the REPL's `bench`
# on a front with two services nodes on 127.0.0.1 (A: warehouses + payment,
# B: fraud + carriers, so every order crosses both), side by side with the
# single role in the same run. Builds order-node in Release; prints one JSON
# line per case: {"case", "role", "rss_kb" (peak RSS of the front or single
# node), "bench"}.
#   bash bench/cluster.sh [ORDERS]      (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-100000}
. bench/lib.sh
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a services node on a free port; sets $port.
services() { # log file, options...
  local log=$1; shift
  "$bin" --role=services --listen=127.0.0.1:0 --seed=1 --log-level=info \
    --journal=off "$@" >/dev/null 2>"$log" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q "listening on" "$log" 2>/dev/null && break
    sleep 0.05
  done
  port=$(grep -o "listening on 127.0.0.1:[0-9]*" "$log" | cut -d: -f2)
}

run() { # case label, role label, node options..., -- bench arguments
  local label=$1 role=$2; shift 2
  local opts=() t line; while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  t=$(mktemp)
  line=$(echo "bench $*" | /usr/bin/time -f %M -o "$t" "$bin" --seed=1 \
         --http=off --journal=off --log-level=warn --max-attempts=1 "${opts[@]}" 2>/dev/null)
  echo "{\"case\":\"$label\",\"role\":\"$role\",\"rss_kb\":$(tail -1 "$t"),${line#\{}"
  rm -f "$t"
}

for scale in 1 0; do
  logs=$(mktemp -d)
  services "$logs/a" --latency-scale=$scale \
    --hosts=warehouse:Main,warehouse:Backup,payment
  a=$port
  services "$logs/b" --latency-scale=$scale \
    --hosts=fraud,carrier:Standard,carrier:Economy,carrier:FastShip
  b=$port
  n=$orders
  label="parallel, tutorial latencies, 1000 in flight"
  if [ "$scale" = 0 ]; then
    n=$((orders * 3)); label="parallel, latency 0, 1000 in flight"
  fi
  run "$label" single --latency-scale=$scale -- orders=$n concurrency=1000
  run "$label" "front + 2 services nodes" --role=front \
    --peers=127.0.0.1:$a,127.0.0.1:$b -- orders=$n concurrency=1000
  cleanup; pids=(); rm -rf "$logs"
done
