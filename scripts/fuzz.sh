#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang-14, ASan + UBSan, own build dir) and runs
# each for SECONDS (default 30) in turn, starting from the seed corpus make_seeds writes
# and the corpus earlier runs grew. Exits non-zero on the first finding; the crashing
# input is left in $CARTON_FUZZ_DIR/findings/<target>/.
#   scripts/fuzz.sh [seconds-per-target] [target...]
# Environment: CARTON_FUZZ_BUILD_DIR (default build-fuzz), CARTON_JOBS, CARTON_FUZZ_NICE
# (niceness of the fuzzers, default 10: the machine is shared).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
shift || true
build=${CARTON_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${CARTON_JOBS:-$(nproc)}
all_targets=(frame_reader_fuzzer decoder_fuzzer dispatch_fuzzer directory_server_fuzzer bootstrap_fuzzer)
targets=("$@")
[ $# -gt 0 ] || targets=("${all_targets[@]}")

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCARTON_FUZZ=ON -DCARTON_BUILD_TESTS=OFF -DCARTON_WITH_TORCH=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_seeds "${targets[@]}"

for t in "${targets[@]}"; do
  corpus="$build/fuzz/corpus/$t"
  findings="$build/fuzz/findings/$t"
  mkdir -p "$corpus" "$findings"
  echo "fuzz.sh: $t for ${seconds}s"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: an input growing memory
  # past 2 GiB is a finding (the decoders cap their allocations far below).
  if ! (cd "$findings" && nice -n "${CARTON_FUZZ_NICE:-10}" "$build/fuzz/$t" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" "$build/fuzz/seeds/$t" \
        2>"$findings/log.txt"); then
    tail -n 60 "$findings/log.txt"
    echo "fuzz.sh: $t found something; inputs in $findings" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|DONE|INITED" "$findings/log.txt" | tr '\n' ' '
  echo
done
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a finding"
