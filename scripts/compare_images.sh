#!/usr/bin/env bash
# Comparison run: ViT with multihead, local (a 7-patch window: one row of patches) and linear
# attention against the cnn (3x3 patches) and lstm baselines on notMNIST, trained on 5%, 20% and
# 100% of the training split with one step budget (scripts/compare_images.ini); writes
# runs/compare-images/results.{csv,json,md} and the plots. Needs ../shared/data/notmnist (or
# DATA=DIR holding t10k-images-idx3-ubyte.gz and the labels). An interrupted run resumes.
# usage: scripts/compare_images.sh   (SEEDS=K seeds, STEPS=N steps per run; defaults 1, 300)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/notmnist}"
if ! ls "$data"/t10k-images* >/dev/null 2>&1; then
  echo "compare_images: $data has no t10k-images file (set DATA=DIR)" >&2
  exit 1
fi
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
out=runs/compare-images
./build/attnzoo compare --dataset idx --data "$data" --models multihead,local,linear,cnn,lstm \
  --train-fraction 0.05,0.2,1 --seeds "${SEEDS:-1}" --budget-steps "${STEPS:-300}" --out "$out" \
  --config scripts/compare_images.ini
