#!/usr/bin/env bash
# Builds the SDK and runs every test through CTest, then the codec, transport and
# filesystem suites again under AddressSanitizer + UBSan.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CARTON_BUILD_DIR:-$root/build}
jobs=${CARTON_JOBS:-$(nproc)}
# CARTON_WITH_TORCH=0 leaves the TorchScript runner out, as it does for install-deps.sh.
torch=$([ "${CARTON_WITH_TORCH:-1}" = 0 ] && echo OFF || echo ON)

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARTON_WITH_TORCH="$torch"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

# The decoders face untrusted bytes: run their suites with sanitizers as well.
asan="$build-asan"
cmake -S "$root" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DCARTON_SANITIZE=ON -DCARTON_BUILD_EXAMPLES=OFF
labels="wire|runtime|fs"
targets=$(ctest --test-dir "$asan" -N -L "$labels" | sed -n 's/^ *Test *#[0-9]*: *//p')
cmake --build "$asan" -j "$jobs" --target $targets
ctest --test-dir "$asan" --output-on-failure -L "$labels" -j "$jobs"
