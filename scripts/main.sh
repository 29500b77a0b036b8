#!/usr/bin/env bash
# The main job: build the SDK and its example runner, then run the runner through the
# conformance suite against both carton core versions, plus the decoder cases and the
# captured wire vectors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CARTON_BUILD_DIR:-$root/build}
jobs=${CARTON_JOBS:-$(nproc)}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j "$jobs" --target carton-runner-noop carton-runner-file carton-conformance carton-wire

"$build/tools/carton-wire" check "$root/conformance/vectors/carton-0.0.1" | tail -n 1
"$build/tools/carton-wire" check --revision 2023-09 "$root/conformance/vectors/carton-2023-09" | tail -n 1
"$build/conformance/carton-conformance" --decoder "$root/conformance/cases" | tail -n 1
"$build/conformance/carton-conformance" --runner "$build/examples/noop_runner/carton-runner-noop" \
  --core-version all --suite protocol,robustness,echo
# The example that reads its model through the core's filesystem: protocol and
# robustness only (echo assumes a runner that echoes).
"$build/conformance/carton-conformance" --runner "$build/examples/file_runner/carton-runner-file" \
  --core-version all --suite protocol,robustness
