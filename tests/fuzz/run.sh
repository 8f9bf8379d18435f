#!/usr/bin/env bash
# Builds the fuzz targets (clang-16's libFuzzer, ASan+UBSan) and runs each
# one, two at a time (two cores), from the committed seeds in
# tests/fuzz/corpus/ plus what earlier runs found (build/fuzz/corpus/).
#   bash tests/fuzz/run.sh                 60 s per target (the test command)
#   bash tests/fuzz/run.sh --runs=10000000 until that many executions each
# A crash, a leak-free sanitizer report, a timeout (10 s for one input) or
# an invariant of tests/fuzz/targets.cpp fails it: the input is kept in
# build/fuzz/findings/TARGET/ (copy it to tests/fuzz/regressions/TARGET/
# with a test, see docs/fuzzing.md). Prints each target's executions.
set -euo pipefail
cd "$(dirname "$0")/../.."
limit="-max_total_time=60"
case "${1:-}" in
  --runs=*) limit="-runs=${1#--runs=}" ;;
  "") ;;
  *) echo "usage: bash tests/fuzz/run.sh [--runs=N]" >&2; exit 2 ;;
esac
cxx=$(command -v clang++-16 || true)
if [ -z "$cxx" ]; then
  echo "fuzz: clang++-16 is missing (bash .ci/install-deps --test installs it)" >&2
  exit 1
fi
cmake -S tests/fuzz -B build/fuzz -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build build/fuzz -j2 >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run() {
  local t=$1
  mkdir -p "build/fuzz/corpus/$t" "build/fuzz/findings/$t"
  local log="build/fuzz/$t.log"
  if build/fuzz/fuzz_"$t" "$limit" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$t/" \
       "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    local n s
    n=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    s=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
    echo "fuzz $t: ok, $n executions ($s/s), corpus $(ls "build/fuzz/corpus/$t" | wc -l) files"
  else
    echo "fuzz $t: FAILED (see $log; input in build/fuzz/findings/$t/)"
    grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -5
    return 1
  fi
}
status=0
pids=()
for pair in "order_json repl_line" "http_request journal_record"; do
  pids=()
  for t in $pair; do run "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
