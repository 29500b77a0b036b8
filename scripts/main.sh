#!/usr/bin/env bash
# The main job: build the SDK and run the example runners through the mock core as
# carton starts them (the conformance suite drives them once it is built).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CARTON_BUILD_DIR:-$root/build}
jobs=${CARTON_JOBS:-$(nproc)}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "$jobs" --target carton-runner-noop carton-wire test_runner
"$build/tools/carton-wire" check "$root/conformance/vectors/carton-0.0.1"
"$build/tools/carton-wire" check --revision 2023-09 "$root/conformance/vectors/carton-2023-09"
# The noop runner, started by the mock core over real sockets.
"$build/tests/test_runner" --run_test='*' --report_level=short
