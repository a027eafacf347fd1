#!/usr/bin/env bash
# Reference run: GAT on Cora (scripts/gat.ini), one run per seed, then the summary. Which split:
#   SPLITS=pygcn (default)  the fixed split that pygcn and pyGAT use on these same LINQS files:
#                           in cora.content's line order, nodes 0-139 train, 200-499 validate,
#                           500-1499 test (written to runs/cora-pygcn-split.json)
#   SPLITS=vary             a Planetoid-style split drawn per seed (--split-seed SEED)
#   SPLITS=fixed            the Planetoid-style split of split-seed 0 for every seed
# Options after "--" go to every run (e.g. -- --bias true). Needs ../shared/data/cora (or
# DATA=DIR holding cora.content and cora.cites).
# usage: scripts/gat.sh [SEED...] [-- OPTION...]   (default: seeds 0-9; runs go to
#        runs/gat-pygcn-sSEED, runs/gat-split-sSEED or runs/gat-sSEED)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/../shared/data/cora}"
if ! ls "$data"/*.content "$data"/*.cites >/dev/null 2>&1; then
  echo "gat: $data has no *.content and *.cites files (set DATA=DIR)" >&2
  exit 1
fi
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  seeds+=("$1")
  shift
done
[ $# -gt 0 ] && shift  # the "--"
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2 3 4 5 6 7 8 9)
bash "$root/scripts/build.sh" >/dev/null
cd "$root"
mkdir -p runs
splits="${SPLITS:-pygcn}"
case "$splits" in
  pygcn)
    split_file=runs/cora-pygcn-split.json
    # pygcn's split as node IDs, from the first column of the node file's lines.
    awk -F'\t' '
      function ids(from, to,   i, s) { for (i = from; i < to; i++) s = s (i > from ? ", " : "") "\"" id[i] "\""; return s }
      { id[NR - 1] = $1 }
      END {
        if (NR < 1500) { print "gat: the node file has " NR " lines; the pygcn split needs 1500" > "/dev/stderr"; exit 1 }
        printf "{\"train\": [%s],\n \"validation\": [%s],\n \"test\": [%s]}\n", ids(0, 140), ids(200, 500), ids(500, 1500)
      }' "$(ls "$data"/*.content | head -n 1)" > "$split_file"
    split=(--split file --split-file "$split_file")
    name=gat-pygcn ;;
  vary) split=() name=gat-split ;;
  fixed) split=(--split-seed 0) name=gat ;;
  *) echo "gat: SPLITS must be pygcn, vary or fixed, got '$splits'" >&2; exit 2 ;;
esac
runs=()
for seed in "${seeds[@]}"; do
  [ "$splits" = vary ] && split=(--split-seed "$seed")
  ./build/attnzoo train --config scripts/gat.ini --data "$data" --seed "$seed" "${split[@]}" \
    "$@" --out "runs/$name-s$seed"
  runs+=("runs/$name-s$seed")
done
exec bash scripts/summarize.sh "${runs[@]}"
