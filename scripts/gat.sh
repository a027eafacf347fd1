#!/usr/bin/env bash
# Reference run: GAT on Cora (scripts/gat.ini), one run per seed, then the summary. The split is
# the one of split-seed 0 for every seed (as the GAT paper's runs share one split); with
# SPLITS=vary, run SEED also draws its own split (--split-seed SEED). Needs ../shared/data/cora
# (or DATA=DIR holding cora.content and cora.cites).
# usage: scripts/gat.sh [SEED...]   (default: seeds 0-9; runs go to runs/gat-sSEED or
#        runs/gat-split-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/cora}"
if ! ls "$data"/*.content "$data"/*.cites >/dev/null 2>&1; then
  echo "gat: $data has no *.content and *.cites files (set DATA=DIR)" >&2
  exit 1
fi
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2 3 4 5 6 7 8 9)
if [ "${SPLITS:-fixed}" = vary ]; then
  bash "$root/scripts/build.sh" >/dev/null
  cd "$root"
  runs=()
  for seed in "${seeds[@]}"; do
    ./build/attnzoo train --config scripts/gat.ini --data "$data" --seed "$seed" \
      --split-seed "$seed" --out "runs/gat-split-s$seed"
    runs+=("runs/gat-split-s$seed")
  done
  exec bash scripts/summarize.sh "${runs[@]}"
fi
exec bash "$root/scripts/run_seeds.sh" gat scripts/gat.ini "$data" "${seeds[@]}"
