#!/usr/bin/env bash
# Rebuilds every plugin from a copy of this directory at a different path and
# fails if any committed plugins/<name>/plugin.wasm or manifest.json differs
# from the rebuild, or if a built plugin is not committed. CI runs this so the
# shipped binaries are always the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMMITTED="$ROOT/../plugins"
COMMITTED_TEST="$ROOT/../test/plugins"
source "$ROOT/../scripts/lib/compare-plugins.sh"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# A different checkout path and target dir: proves no path leaks into the bytes.
mkdir -p "$TMP/src/elsewhere"
tar -C "$ROOT" --exclude=./target -cf - . | tar -C "$TMP/src/elsewhere" -xf -
run_build "$TMP/build.log" env CARGO_TARGET_DIR="$TMP/target" "$TMP/src/elsewhere/build.sh" "$TMP/out" "$TMP/test-out"

compare_plugins "$TMP/out" "$COMMITTED" plugins plugins-rs/build.sh
compare_plugins "$TMP/test-out" "$COMMITTED_TEST" test/plugins plugins-rs/build.sh
report_reproducible "$TMP/out" "$TMP/test-out"
