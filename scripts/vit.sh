#!/usr/bin/env bash
# Reference run: ViT on notMNIST (scripts/vit.ini), one run per seed, then the summary. Needs
# ../shared/data/notmnist (or DATA=DIR holding t10k-images-idx3-ubyte.gz and the labels).
# usage: scripts/vit.sh [SEED...]   (default: seeds 0 1 2; runs go to runs/vit-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/notmnist}"
if ! ls "$data"/t10k-images* >/dev/null 2>&1; then
  echo "vit: $data has no t10k-images file (set DATA=DIR)" >&2
  exit 1
fi
exec bash "$root/scripts/run_seeds.sh" vit scripts/vit.ini "$data" "$@"
