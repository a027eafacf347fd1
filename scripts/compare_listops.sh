#!/usr/bin/env bash
# Comparison run: every sequence variant of the registry and the cnn and lstm baselines on
# generated ListOps (scripts/compare_listops.ini), the same data, seeds and step budget for each;
# writes runs/compare-listops/results.{csv,json,md} and the plots. An interrupted run resumes.
# usage: scripts/compare_listops.sh   (SEEDS=K seeds, STEPS=N steps per run; defaults 1, 400)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
out=runs/compare-listops
./build/attnzoo compare --dataset listops \
  --models vanilla,multihead,truncated,local,stride,global,longformer,bigbird,linear,cnn,lstm \
  --seeds "${SEEDS:-1}" --budget-steps "${STEPS:-400}" --out "$out" \
  --config scripts/compare_listops.ini
