#!/usr/bin/env bash
# Issue 18: three consecutive runs of BreakerWindowBenchmark and AsyncGuardBenchmark, 1 and 2 threads.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
BASE=${BASE:-bench/results/issue18}   # e.g. BASE=bench/results/issue18/quiet-s23 for a rerun beside the first
for run in 1 2 3; do
  OUT=$BASE/run$run SKIP_BUILD=1 NO_README=1 \
    JMH_ARGS="-f 3 -wi 2 -w 1s -i 3 -r 1s" NOTE="issue 18 run $run of 3" \
    bench/run.sh BreakerWindowBenchmark AsyncGuardBenchmark
done
