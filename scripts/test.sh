#!/usr/bin/env bash
# Builds the SDK and runs every test through CTest (the short soak and the fault tests
# among them), then the codec, transport and filesystem suites again under
# AddressSanitizer + UBSan, the runtime, filesystem and runner suites under
# ThreadSanitizer, and each fuzz target for CARTON_FUZZ_SECONDS (default 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CARTON_BUILD_DIR:-$root/build}
jobs=${CARTON_JOBS:-$(nproc)}
# CARTON_WITH_TORCH=0 leaves the TorchScript runner out, as it does for install-deps.sh.
torch=$([ "${CARTON_WITH_TORCH:-1}" = 0 ] && echo OFF || echo ON)
# CARTON_WITH_ONNX=0 leaves the ONNX runner out, likewise.
onnx=$([ "${CARTON_WITH_ONNX:-1}" = 0 ] && echo OFF || echo ON)
# CARTON_WITH_XGBOOST=0 leaves the XGBoost runner out, likewise.
xgboost=$([ "${CARTON_WITH_XGBOOST:-1}" = 0 ] && echo OFF || echo ON)

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARTON_WITH_TORCH="$torch" -DCARTON_WITH_ONNX="$onnx" -DCARTON_WITH_XGBOOST="$xgboost"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

# The decoders face untrusted bytes: run their suites with sanitizers as well.
asan="$build-asan"
cmake -S "$root" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DCARTON_SANITIZE=ON -DCARTON_BUILD_EXAMPLES=OFF -DCARTON_BUILD_RUNNERS=OFF
labels="wire|runtime|fs"
targets=$(ctest --test-dir "$asan" -N -L "$labels" | sed -n 's/^ *Test *#[0-9]*: *//p')
cmake --build "$asan" -j "$jobs" --target $targets
ctest --test-dir "$asan" --output-on-failure -L "$labels" -j "$jobs"

# Threads: the runtime, filesystem and runner suites (the runner binaries they start
# included) under ThreadSanitizer. halt_on_error: any report fails the test.
tsan="$build-tsan"
cmake -S "$root" -B "$tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARTON_SANITIZE=thread -DCARTON_WITH_TORCH=OFF
labels="runtime|fs|runner"
targets=$(ctest --test-dir "$tsan" -N -L "$labels" | sed -n 's/^ *Test *#[0-9]*: *//p')
cmake --build "$tsan" -j "$jobs" --target $targets
TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" ctest --test-dir "$tsan" --output-on-failure -L "$labels" -j "$jobs"

# Hostile input: each libFuzzer target briefly (scripts/fuzz.sh; the long runs are in
# docs/fuzzing.md), so a regression in a decoder or server shows here.
CARTON_FUZZ_BUILD_DIR="$build-fuzz" bash "$root/scripts/fuzz.sh" "${CARTON_FUZZ_SECONDS:-20}"
