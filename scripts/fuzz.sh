#!/usr/bin/env bash
# Fuzzes every reader with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer:
#   bash scripts/fuzz.sh [SECONDS_PER_READER] [READER...]
# Readers: idx cifar wav text_lines tsv conllu listops linqs split ini (default: all, 60 s each).
# Each starts from the small valid files in tests/fuzz/seeds/READER; the corpus it grows is kept
# in build-fuzz/corpus/READER and a crashing input is written to build-fuzz/crashes/READER/.
# A finding ends the script non-zero: turn the input into a case of tests/malformed_input_test.cpp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
readers=("$@")
if [ ${#readers[@]} -eq 0 ]; then
  readers=(idx cifar wav text_lines tsv conllu listops linqs split ini)
fi
bash "$root/scripts/setup.sh"
if ! command -v clang++ >/dev/null; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends clang
fi
out="$root/build-fuzz"
mkdir -p "$out/obj"
# The readers use no LibTorch: they are compiled once, instrumented, and linked into each target.
sources=(datasets/image/idx_reader.cpp datasets/image/cifar_reader.cpp
  datasets/speech/wav_reader.cpp datasets/text/text_file.cpp datasets/text/text_lines_reader.cpp
  datasets/text/tsv_reader.cpp datasets/text/conllu_reader.cpp datasets/listops.cpp
  datasets/graph/node_table.cpp datasets/graph/split_file.cpp apps/option_ranges.cpp)
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=undefined -I"$root")
objects=()
for source in "${sources[@]}"; do
  object="$out/obj/$(echo "$source" | tr / _).o"
  if [ ! -f "$object" ] || [ "$root/$source" -nt "$object" ]; then
    echo "fuzz: compiling $source"
    clang++ "${flags[@]}" -c "$root/$source" -o "$object"
  fi
  objects+=("$object")
done
libs=(-lz -lfmt -lboost_program_options $(pkg-config --libs sndfile))
status=0
for reader in "${readers[@]}"; do
  if [ ! -d "$root/tests/fuzz/seeds/$reader" ]; then
    echo "fuzz: unknown reader '$reader' (no tests/fuzz/seeds/$reader)" >&2
    exit 2
  fi
  target="$out/fuzz_$reader"
  echo "fuzz: building $reader"
  clang++ "${flags[@]}" -fsanitize=fuzzer -DATTNZOO_FUZZ_READER="\"$reader\"" \
    "$root/tests/fuzz/reader_fuzz.cpp" "${objects[@]}" "${libs[@]}" -o "$target"
  mkdir -p "$out/corpus/$reader" "$out/crashes/$reader"
  echo "fuzz: $reader for ${seconds} s"
  if ! (cd "$out/crashes/$reader" &&
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 "$out/corpus/$reader" "$root/tests/fuzz/seeds/$reader" \
      >"$out/$reader.log" 2>&1); then
    echo "fuzz: $reader FOUND A PROBLEM: see $out/$reader.log and $out/crashes/$reader/" >&2
    tail -n 30 "$out/$reader.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$out/$reader.log" |
      tr '\n' ' ' | sed "s/^/fuzz: $reader: /"
    echo
  fi
done
exit $status
