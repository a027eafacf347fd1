#!/usr/bin/env bash
# Reference run: FSDD spoken digits with truncated attention (scripts/speech.ini), one run per
# seed, then the summary. Needs ../shared/data/fsdd (or DATA=DIR holding the .wav recordings).
# usage: scripts/speech.sh [SEED...]   (default: seeds 0 1 2; runs go to runs/speech-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/fsdd/recordings}"
if ! ls "$data"/*.wav >/dev/null 2>&1; then
  echo "speech: $data has no .wav recordings (set DATA=DIR)" >&2
  exit 1
fi
exec bash "$root/scripts/run_seeds.sh" speech scripts/speech.ini "$data" "$@"
