#!/usr/bin/env bash
# Installs the Debian bookworm packages the SDK builds and tests with, skipping those
# already present. Run as root on a fresh machine. The TorchScript runner's packages
# (libtorch-dev, python3-torch, libopenblas0-pthread: about 1 GB installed) come too;
# CARTON_WITH_TORCH=0 skips them, and the build then leaves that runner out. The ONNX
# runner's (OpenCV's DNN module, libonnx and its Python package, ONNX's backend test
# corpus, and python3-torch, which exports the test models) come unless
# CARTON_WITH_ONNX=0. The XGBoost runner's (libxgboost-dev, and python3-xgboost, which
# trains the test models) come unless CARTON_WITH_XGBOOST=0.
set -euo pipefail

packages=(
  build-essential cmake
  flatbuffers-compiler libflatbuffers-dev
  python3 python3-flatbuffers python3-jinja2
  libboost-dev libboost-log-dev libboost-test-dev libboost-thread-dev libboost-system-dev
  libcli11-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev  # libFuzzer and its sanitizer runtimes (scripts/fuzz.sh)
)
if [ "${CARTON_WITH_TORCH:-1}" != 0 ]; then
  packages+=(libtorch-dev python3-torch libopenblas0-pthread)
fi
if [ "${CARTON_WITH_ONNX:-1}" != 0 ]; then
  packages+=(libopencv-dnn-dev libonnx-dev libprotobuf-dev python3-onnx python3-numpy libonnx-testdata)
  [ "${CARTON_WITH_TORCH:-1}" != 0 ] || packages+=(python3-torch)
fi
if [ "${CARTON_WITH_XGBOOST:-1}" != 0 ]; then
  packages+=(libxgboost-dev python3-xgboost python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
