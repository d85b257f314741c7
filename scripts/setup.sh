#!/usr/bin/env bash
# Installs every Debian package flipsim needs to build, test and run. Idempotent; run as root.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  verilator libsystemc-dev libeigen3-dev libyaml-cpp-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libfmt-dev libboost-dev
  libopenmpi-dev openmpi-bin
  libonnx-dev libprotobuf-dev protobuf-compiler
  dataset-fashion-mnist python3-matplotlib python3-numpy gtkwave yosys
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
