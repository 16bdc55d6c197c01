#!/usr/bin/env bash
# Builds lifeline-bench and runs the JMH benchmarks side by side with the peer libraries, then
# renders bench/README.md's results section from the JSON results.
#
# Usage: bench/run.sh [Benchmark ...]            (default: GuardBenchmark PoolBenchmark)
#
# Environment:
#   JMH_ARGS    JMH options replacing the default run length "-f 5 -wi 2 -w 1s -i 3 -r 1s" (many
#               short forks rather than few long ones: some results differ from fork to fork,
#               e.g. with the slot layout two threads end up on, see bench/README.md); any
#               JMH option may go here (e.g. JMH_ARGS="-f 1 -wi 1 -i 1" for a smoke run).
#               -t, -prof gc and the JSON output are always added.
#   THREADS     thread counts to run, each as -t N (default: "1 2")
#   SKIP_BUILD  set to 1 to reuse lifeline-bench/target/benchmarks.jar
#   NO_README   set to 1 to print the table without touching bench/README.md
#   OUT         results directory (default bench/results)
#   NOTE        free text recorded with the results (e.g. which branches were merged for the run)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
JAR="$ROOT/lifeline-bench/target/benchmarks.jar"
OUT="${OUT:-$ROOT/bench/results}"
JMH_ARGS=${JMH_ARGS:-"-f 5 -wi 2 -w 1s -i 3 -r 1s"}
THREADS=${THREADS:-"1 2"}
if [[ $# -gt 0 ]]; then
  BENCHMARKS=("$@")
else
  BENCHMARKS=(GuardBenchmark PoolBenchmark)
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo ">> building lifeline-bench"
  ./mvnw -B -q -pl lifeline-bench -am package -DskipTests
fi
[[ -f "$JAR" ]] || { echo "missing $JAR (build failed?)" >&2; exit 1; }

read -r load1 _ < /proc/loadavg
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  echo ">> WARNING: load average is $load1: other work on this machine will skew the results" >&2
fi

mkdir -p "$OUT"
{
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
  echo "java: $(java -version 2>&1 | tr '\n' ' ' | sed 's/[[:space:]]*$//')"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- lifeline-core lifeline-bench 2>/dev/null || echo ' (with uncommitted changes)')"
  if [[ -n "${NOTE:-}" ]]; then echo "note: $NOTE"; fi
  echo "load_before: $load1"
  echo "jmh_args: $JMH_ARGS -prof gc -t {$THREADS}"
} > "$OUT/env.txt"

available=$(java -jar "$JAR" -l)
for bench in "${BENCHMARKS[@]}"; do
  if ! grep -q "^io\.lifeline\.bench\.$bench\." <<<"$available"; then
    echo ">> $bench is not in $JAR, skipped" >&2
    continue
  fi
  for t in $THREADS; do
    echo ">> $bench, $t thread(s)"
    # shellcheck disable=SC2086  # JMH_ARGS is a list of options
    java -jar "$JAR" "io\.lifeline\.bench\.$bench\." $JMH_ARGS -t "$t" -prof gc \
      -rf json -rff "$OUT/$bench-t$t.json"
  done
done

read -r load1 _ < /proc/loadavg
echo "load_after: $load1" >> "$OUT/env.txt"

if [[ "${NO_README:-0}" == 1 ]]; then
  python3 bench/report.py "$OUT"
else
  python3 bench/report.py "$OUT" --readme bench/README.md
fi
