#!/usr/bin/env bash
# Builds every plugin under plugins-rs/plugins/ to wasm32 and installs it as
#   <out>/<name>/plugin.wasm + <out>/<name>/manifest.json
# (<out> defaults to the repository's plugins/ directory, which `npm start` serves).
# Plugins tagged "test" in their manifest (the conformance fixtures) go to <test-out> instead
# (default test/plugins/), so the default install does not offer test fixtures as tools.
#
# Builds are byte-reproducible: Debian's rustc 1.63 and packaged crates only,
# offline, one codegen unit + LTO (Cargo.toml), no debug info, symbols stripped,
# and every absolute path remapped so the checkout location never reaches the
# binary. check-reproducible.sh verifies this in CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$ROOT/../plugins}"
TEST_OUT="${2:-$ROOT/../test/plugins}"
RUSTC="${RUSTC:-/usr/bin/rustc}"
CARGO="${CARGO:-/usr/bin/cargo}"
REGISTRY=/usr/share/cargo/registry
EXPECTED_RUSTC="rustc 1.63.0"

# rustup's rustc (in ~/.cargo/bin) has no wasm32 target and would also change
# the bytes; insist on the Debian toolchain the committed plugins came from.
actual="$("$RUSTC" --version)"
case "$actual" in
  "$EXPECTED_RUSTC"*) ;;
  *) echo "build.sh: need $EXPECTED_RUSTC (Debian), got: $actual" >&2
     echo "  apt-get install -y rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev librust-serde-derive-dev" >&2
     exit 1 ;;
esac

export RUSTC
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS RUSTDOCFLAGS
export RUSTFLAGS="--remap-path-prefix=$ROOT=/plugins-rs --remap-path-prefix=$REGISTRY=/registry -C debuginfo=0 -C strip=symbols"

cd "$ROOT"
"$CARGO" build --release --locked --target wasm32-unknown-unknown

mkdir -p "$OUT" "$TEST_OUT"
for dir in "$ROOT"/plugins/*/; do
  name="$(basename "$dir")"
  crate="${name//-/_}"
  wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$crate.wasm"
  manifest="$dir/manifest.json"
  [[ -f "$wasm" ]] || { echo "build.sh: $name: no $wasm (is it a workspace member?)" >&2; exit 1; }
  [[ -f "$manifest" ]] || { echo "build.sh: $name: missing manifest.json" >&2; exit 1; }
  # The manifest is hand-written next to the code; keep its name/version honest.
  version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)"
  grep -q "\"name\": \"$name\"" "$manifest" || { echo "build.sh: $name: manifest name mismatch" >&2; exit 1; }
  grep -q "\"version\": \"$version\"" "$manifest" || { echo "build.sh: $name: manifest version != $version" >&2; exit 1; }
  dest="$OUT"
  grep -Eq '"tags": \[[^]]*"test"' "$manifest" && dest="$TEST_OUT"
  mkdir -p "$dest/$name"
  cp "$wasm" "$dest/$name/plugin.wasm"
  cp "$manifest" "$dest/$name/manifest.json"
  printf '%-14s %7d bytes  sha256 %s\n' "$name" "$(stat -c %s "$wasm")" "$(sha256sum "$wasm" | cut -c1-16)"
done
