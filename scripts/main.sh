#!/usr/bin/env bash
# The main job: build the SDK and its example runners, then run them through the
# conformance suite against both carton core versions, plus the decoder cases and the
# captured wire vectors.
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
models="" onnx_models="" xgboost_models=""
trap 'rm -rf "$models" "$onnx_models" "$xgboost_models"' EXIT

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCARTON_WITH_TORCH="$torch" -DCARTON_WITH_ONNX="$onnx" -DCARTON_WITH_XGBOOST="$xgboost"
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
# The TorchScript runner, when libtorch was found: a model made now with Debian's
# python3-torch is served to every Load, so Load must succeed and the infers run, and
# the model suite checks the doubler's outputs for doubler_check.json's inputs.
if cmake --build "$build" --target help | grep -w carton-runner-torchscript > /dev/null; then
  cmake --build "$build" -j "$jobs" --target carton-runner-torchscript
  models=$(mktemp -d)
  /usr/bin/python3 "$root/runners/torchscript/tests/make_models.py" "$models" > /dev/null
  "$build/conformance/carton-conformance" --runner "$build/framework_runners/torchscript/carton-runner-torchscript" \
    --core-version all --suite protocol,robustness --model-dir "$models/doubler" \
    --model-check "$root/tests/conformance/doubler_check.json"
else
  echo "main: carton-runner-torchscript is not built (no libtorch, or CARTON_WITH_TORCH=0)"
fi
# The ONNX runner, when OpenCV's DNN module and libonnx were found: the suites with a
# CNN exported now by torch.onnx.export, then ONNX's whole backend corpus, first on
# OpenCV in-process, then through the runner, which must crash and hang on none and
# pass every model OpenCV passes (docs/runners/onnx.md explains the table).
if cmake --build "$build" --target help | grep -w carton-runner-onnx > /dev/null; then
  cmake --build "$build" -j "$jobs" --target carton-runner-onnx carton-onnx-corpus
  onnx_models=$(mktemp -d)
  /usr/bin/python3 "$root/runners/onnx/tests/make_models.py" "$onnx_models" > /dev/null
  "$build/conformance/carton-conformance" --runner "$build/framework_runners/onnx/carton-runner-onnx" \
    --core-version all --suite protocol,robustness --model-dir "$onnx_models/cnn" \
    --model-check "$onnx_models/expected/cnn_check.json"
  "$build/framework_runners/onnx/corpus/carton-onnx-corpus" --engine opencv --jobs "$jobs" \
    --report "$onnx_models/corpus_opencv.tsv" | tail -n 8
  "$build/framework_runners/onnx/corpus/carton-onnx-corpus" --engine runner --runner "$build/framework_runners/onnx/carton-runner-onnx" \
    --jobs "$jobs" --baseline "$onnx_models/corpus_opencv.tsv" --report "$onnx_models/corpus_runner.tsv"
else
  echo "main: carton-runner-onnx is not built (no OpenCV DNN or libonnx, or CARTON_WITH_ONNX=0)"
fi
# The XGBoost runner, when libxgboost-dev was found: the suites with a 32-feature
# regression model trained now with Debian's python3-xgboost, whose predictions the
# model suite checks against python's Booster.predict.
if cmake --build "$build" --target help | grep -w carton-runner-xgboost > /dev/null; then
  cmake --build "$build" -j "$jobs" --target carton-runner-xgboost
  xgboost_models=$(mktemp -d)
  /usr/bin/python3 "$root/runners/xgboost/tests/make_models.py" "$xgboost_models" > /dev/null
  "$build/conformance/carton-conformance" --runner "$build/framework_runners/xgboost/carton-runner-xgboost" \
    --core-version all --suite protocol,robustness --model-dir "$xgboost_models/regression32" \
    --model-check "$xgboost_models/expected/regression32_check.json"
else
  echo "main: carton-runner-xgboost is not built (no libxgboost-dev, or CARTON_WITH_XGBOOST=0)"
fi
