#!/usr/bin/env bash
# Summarises finished runs: one line per run directory (its final.json), then the mean, the
# sample standard deviation and the range of the test accuracy over them, and the mean time.
# usage: scripts/summarize.sh RUN_DIR...
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 RUN_DIR..." >&2
  exit 2
fi
for dir in "$@"; do
  if [ ! -f "$dir/final.json" ]; then
    echo "summarize: $dir/final.json is missing (the run did not finish)" >&2
    exit 1
  fi
  # final.json is written by attnzoo with one "key": value pair per line.
  awk -v dir="$dir" -F': ' '
    /"test_accuracy"/ { gsub(/,/, "", $2); acc = $2 }
    /"val_accuracy"/ { gsub(/,/, "", $2); val = $2 }
    /"train_seconds"/ { gsub(/,/, "", $2); sec = $2 }
    /"params"/ { gsub(/,/, "", $2); params = $2 }
    END { printf "%s %.6f %.6f %.1f %d\n", dir, acc, val, sec, params }' "$dir/final.json"
done | awk '
  { n++; acc[n] = $2; sum += $2; secs += $4
    printf "%-40s test accuracy %.4f  val %.4f  %7.1f s  %d parameters\n", $1, $2, $3, $4, $5 }
  END {
    mean = sum / n; var = 0; lo = acc[1]; hi = acc[1]
    for (i = 1; i <= n; i++) { var += (acc[i] - mean)^2; if (acc[i] < lo) lo = acc[i]; if (acc[i] > hi) hi = acc[i] }
    sd = n > 1 ? sqrt(var / (n - 1)) : 0
    printf "%d runs: test accuracy mean %.4f, sd %.4f, range %.4f .. %.4f; mean training time %.1f s\n", n, mean, sd, lo, hi, secs / n }'
