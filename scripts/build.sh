#!/usr/bin/env bash
# Configures and builds attnzoo in ./build (Release). Extra arguments go to CMake's configure step,
# e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch for an official LibTorch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$root/build" -j "$(nproc)"
