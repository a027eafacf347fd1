#!/usr/bin/env bash
# The main job: installs what is missing, builds, and trains the default model (multi-head
# attention encoder) on generated ListOps, printing progress and the final metrics.
# Extra arguments go to `attnzoo train` (see `build/attnzoo train --help`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
cd "$root"
./build/attnzoo train --config scripts/demo.ini --out runs/demo "$@"
