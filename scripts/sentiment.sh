#!/usr/bin/env bash
# Reference run: rt-polarity sentiment (scripts/sentiment.ini), one run per seed, then the
# summary. Needs ../shared/data/rt-polarity (or DATA=DIR holding rt-polarity.pos and .neg).
# usage: scripts/sentiment.sh [SEED...]   (default: seeds 0 1 2; runs go to runs/sentiment-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/rt-polarity}"
if [ ! -f "$data/rt-polarity.pos" ] || [ ! -f "$data/rt-polarity.neg" ]; then
  echo "sentiment: $data has no rt-polarity.pos and rt-polarity.neg (set DATA=DIR)" >&2
  exit 1
fi
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
runs=()
for seed in "${seeds[@]}"; do
  ./build/attnzoo train --config scripts/sentiment.ini --data "$data/rt-polarity.pos,$data/rt-polarity.neg" \
    --seed "$seed" --out "runs/sentiment-s$seed"
  runs+=("runs/sentiment-s$seed")
done
bash scripts/summarize.sh "${runs[@]}"
