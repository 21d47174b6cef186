#!/usr/bin/env bash
# Rebuilds every bundled JS plugin (plugins-js/examples/*/ with a manifest.json) from a copy of plugins-js at a
# different path, with a fresh engine cache (so QuickJS is compiled again too), and fails if a committed
# plugins/<name>/plugin.wasm or manifest.json differs from the rebuild or is missing. CI runs this so the
# shipped binaries are always the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$ROOT/.."
source "$REPO/scripts/lib/compare-plugins.sh"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# The copy sits beside a link to the repo's node_modules (qjsc sources, wizer) at another path: proves neither
# the checkout path nor the cache path leaks into the bytes.
mkdir -p "$TMP/elsewhere"
tar -C "$ROOT" -cf - . | tar -C "$TMP/elsewhere" -xf -
ln -s "$REPO/node_modules" "$TMP/node_modules"
mv "$TMP/elsewhere" "$TMP/plugins-js"
run_build "$TMP/build.log" bash -c 'cd "$1" && "$2/node_modules/.bin/bun" plugins-js/build.ts "$1/out" --cache-dir "$1/cache"' _ "$TMP" "$REPO"

compare_plugins "$TMP/out" "$REPO/plugins" plugins "npx bun plugins-js/build.ts"
report_reproducible "$TMP/out"
