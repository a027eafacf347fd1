#!/usr/bin/env bash
# Reference run: ListOps at the published spec (scripts/listops.ini), one run per seed, then the
# summary. The expressions are generated (the spec's generator, data-seed 0); DATA=DIR reads the
# published basic_{train,val,test}.tsv files instead. MODEL=NAME trains another variant.
# usage: scripts/listops.sh [SEED...]   (default: seed 0; runs go to runs/listops-MODEL-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${MODEL:-global}"
data=()
[ -z "${DATA:-}" ] || data=(--data "$DATA")
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0)
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
runs=()
for seed in "${seeds[@]}"; do
  out="runs/listops-$model-s$seed"
  ./build/attnzoo train --config scripts/listops.ini --model "$model" "${data[@]}" --seed "$seed" \
    --out "$out"
  runs+=("$out")
done
bash scripts/summarize.sh "${runs[@]}"
