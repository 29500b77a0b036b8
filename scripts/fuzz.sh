#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang-14, ASan + UBSan, own build dir) and runs
# each for SECONDS (default 30) in turn, starting from the seed corpus make_seeds writes
# and the corpus earlier runs grew. Exits non-zero on the first finding; the crashing
# input is left in $CARTON_FUZZ_DIR/findings/<target>/.
#   scripts/fuzz.sh [seconds-per-target] [target...]
# Environment: CARTON_FUZZ_BUILD_DIR (default build-fuzz), CARTON_JOBS, CARTON_FUZZ_NICE
# (niceness of the fuzzers, default 10: the machine is shared), CARTON_FUZZ_WORKERS (fuzz
# processes per target sharing one corpus, default 1; their executions are summed) and
# CARTON_FUZZ_RUNS (stop each process after this many executions, default no limit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
shift || true
build=${CARTON_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${CARTON_JOBS:-$(nproc)}
all_targets=(frame_reader_fuzzer decoder_fuzzer dispatch_fuzzer directory_server_fuzzer bootstrap_fuzzer
             xgboost_model_check_fuzzer xgboost_walker_fuzzer)
targets=("$@")
[ $# -gt 0 ] || targets=("${all_targets[@]}")

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCARTON_FUZZ=ON -DCARTON_BUILD_TESTS=OFF -DCARTON_WITH_TORCH=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_seeds "${targets[@]}"

for t in "${targets[@]}"; do
  corpus="$build/fuzz/corpus/$t"
  findings="$build/fuzz/findings/$t"
  mkdir -p "$corpus" "$findings"
  workers=${CARTON_FUZZ_WORKERS:-1}
  extra=()
  [ "$workers" -le 1 ] || extra+=(-jobs="$workers" -workers="$workers")
  [ -z "${CARTON_FUZZ_RUNS:-}" ] || extra+=(-runs="$CARTON_FUZZ_RUNS")
  rm -f "$findings"/fuzz-*.log
  echo "fuzz.sh: $t for ${seconds}s, $workers process(es)"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: an input growing memory
  # past 2 GiB is a finding (the decoders cap their allocations far below).
  if ! (cd "$findings" && nice -n "${CARTON_FUZZ_NICE:-10}" "$build/fuzz/$t" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" "$corpus" "$build/fuzz/seeds/$t" \
        >"$findings/log.txt" 2>&1); then
    tail -n 60 "$findings/log.txt"
    echo "fuzz.sh: $t found something; inputs in $findings" >&2
    exit 1
  fi
  # With several workers each wrote fuzz-<n>.log (the parent's log repeats them).
  logs=("$findings/log.txt")
  [ "$workers" -le 1 ] || logs=("$findings"/fuzz-*.log)
  awk '/^stat::number_of_executed_units/ { n += $2 } $2 == "DONE" { cov = $3 " " $4 " " $5 " " $6 }
       END { printf "executions: %d; at the end: %s\n", n, cov }' "${logs[@]}"
done
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a finding"
