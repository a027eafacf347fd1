#!/usr/bin/env bash
# Reference run: UD English-LinES part-of-speech tagging (scripts/pos.ini), one run per seed, then
# the summary. Needs ../shared/data/ud-english-lines (or DATA=DIR with the treebank's
# *-train.conllu, *-dev.conllu and *-test.conllu).
# usage: scripts/pos.sh [SEED...]   (default: seeds 0 1 2; runs go to runs/pos-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/ud-english-lines}"
if ! ls "$data"/*-train.conllu >/dev/null 2>&1; then
  echo "pos: $data has no *-train.conllu (set DATA=DIR)" >&2
  exit 1
fi
exec bash "$root/scripts/run_seeds.sh" pos scripts/pos.ini "$data" "$@"
