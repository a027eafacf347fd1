#!/usr/bin/env bash
# Data-parallel scaling on one sequence workload: generated ListOps (200-400 tokens, the listops
# defaults' model), trained with 1, 2 and 4 worker processes of one thread each over Gloo on this
# machine, 16 examples per worker and step (so the global batch grows with the workers).
# Steps per second come from the run's own step records (step 10 to the last, start-up and the
# first steps left out); each case runs REPEATS times and the median is reported.
# usage: scripts/bench_distributed.sh [PROCESSES...]   (default: 1 2 4; REPEATS=3, STEPS=50)
# Writes runs/bench-distributed/results.csv and prints a Markdown table.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${ATTNZOO:-$root/build/attnzoo}"
repeats="${REPEATS:-3}"
steps="${STEPS:-50}"
counts=("$@")
if [ ${#counts[@]} -eq 0 ]; then counts=(1 2 4); fi
if [ ! -x "$bin" ]; then
  echo "bench_distributed: $bin not built (run scripts/build.sh, or set ATTNZOO=PATH)" >&2
  exit 1
fi
out="$root/runs/bench-distributed"
mkdir -p "$out"
csv="$out/results.csv"
echo "processes,repeat,steps_per_second,examples_per_second" >"$csv"
port=$((29600 + RANDOM % 1000))
for n in "${counts[@]}"; do
  for r in $(seq "$repeats"); do
    run="$out/p$n-r$r"
    port=$((port + 1))
    "$bin" train --dataset listops --train-size 4000 --val-size 64 --test-size 64 \
      --min-length 200 --max-length 400 --batch-size 16 --max-steps "$steps" --log-every 5 \
      --threads 1 --nproc-per-node "$n" --master-port "$port" --out "$run" >"$run.log" 2>&1 ||
      { echo "bench_distributed: $n processes failed, see $run.log" >&2; exit 1; }
    # Steps per second between the step-10 record and the last one.
    rate=$(awk -F'"seconds":' '/"kind":"step"/ {
        split($2, a, ","); s = a[1]; match($0, /"step":[0-9]+/); n = substr($0, RSTART + 7, RLENGTH - 7);
        if (n == 10) { s0 = s } last_s = s; last_n = n }
      END { printf "%.4f", (last_n - 10) / (last_s - s0) }' "$run/metrics.jsonl")
    echo "$n,$r,$rate,$(awk -v r="$rate" -v n="$n" 'BEGIN { printf "%.2f", r * 16 * n }')" >>"$csv"
  done
done
echo "| processes (1 thread each) | steps/s (median) | examples/s | speed-up in examples/s |"
echo "|---|---|---|---|"
awk -F, 'NR > 1 { rates[$1] = rates[$1] " " $3 }
  END {
    for (n in rates) {
      k = split(substr(rates[n], 2), v, " ");
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      med[n] = (k % 2) ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
    }
    base = (1 in med) ? med[1] * 16 : 0
    for (n = 1; n <= 1024; n++) if (n in med) {
      ratio = "-"
      if (base) ratio = sprintf("%.2fx", med[n] * 16 * n / base)
      printf "| %d | %.2f | %.1f | %s |\n", n, med[n], med[n] * 16 * n, ratio
    }
  }' "$csv"
