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
exec bash "$root/scripts/run_seeds.sh" sentiment scripts/sentiment.ini \
  "$data/rt-polarity.pos,$data/rt-polarity.neg" "$@"
