#!/usr/bin/env bash
# Installs what the full test suite needs beyond `npm install`, idempotently (fast when all is present):
#   - Debian's Rust wasm toolchain, to rebuild the bundled plugins and check their bytes (plugins-rs/)
#   - wrk, for the benchmarks (bench/)
#   - Node 22 + the official MCP conformance suite, and the MCP Inspector CLI, pinned under .tmp/
# Runs as `npm test`'s pretest step. apt-get needs root; without it, the exact command to run is printed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

APT_PACKAGES=(rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev librust-serde-derive-dev wrk clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "  run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

CONFORMANCE_INSTALL_ONLY=1 "$ROOT/test/conformance/run.sh"
[[ -x "$ROOT/test/inspector/install.sh" ]] && "$ROOT/test/inspector/install.sh"
exit 0
