#!/usr/bin/env bash
# Rebuilds every bundled AssemblyScript plugin (plugins-as/examples/*) from a copy of the sources at a
# different path and fails if any committed plugins/<name>/plugin.wasm or manifest.json differs from the
# rebuild, or is missing. CI runs this so the shipped binaries are the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/compare-plugins.sh"
COMMITTED="$ROOT/plugins"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# A different checkout path (PDK, examples and the manifest schema they are checked against) proves no
# path leaks into the bytes. The compiler is the one package.json pins, from the repository's node_modules.
COPY="$TMP/src/elsewhere"
mkdir -p "$COPY"
tar -C "$ROOT" -cf - plugins-as src package.json | tar -C "$COPY" -xf -
ln -s "$ROOT/node_modules" "$COPY/node_modules"
run_build "$TMP/build.log" bash -c 'cd "$1" && "$2/node_modules/.bin/bun" plugins-as/build-all.ts "$3"' _ "$COPY" "$ROOT" "$TMP/out"

compare_plugins "$TMP/out" "$COMMITTED" plugins "npx bun plugins-as/build-all.ts"
report_reproducible "$TMP/out"
