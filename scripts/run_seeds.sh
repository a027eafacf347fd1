#!/usr/bin/env bash
# The shared part of the reference-run scripts: builds, trains CONFIG once per seed into
# runs/NAME-sSEED with --data DATA, then prints the summary (scripts/summarize.sh).
# usage: scripts/run_seeds.sh NAME CONFIG DATA [SEED...]   (default seeds: 0 1 2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 3 ]; then
  echo "usage: $0 NAME CONFIG DATA [SEED...]" >&2
  exit 2
fi
name="$1" config="$2" data="$3"
shift 3
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
runs=()
for seed in "${seeds[@]}"; do
  ./build/attnzoo train --config "$config" --data "$data" --seed "$seed" --out "runs/$name-s$seed"
  runs+=("runs/$name-s$seed")
done
bash scripts/summarize.sh "${runs[@]}"
