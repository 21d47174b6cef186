#!/usr/bin/env bash
# Rebuilds every bundled AssemblyScript plugin (plugins-as/examples/*) from a copy of the sources at a
# different path and fails if any committed plugins/<name>/plugin.wasm or manifest.json differs from the
# rebuild, or is missing. CI runs this so the shipped binaries are the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMMITTED="$ROOT/plugins"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# A different checkout path (PDK, examples and the manifest schema they are checked against) proves no
# path leaks into the bytes. The compiler is the one package.json pins, from the repository's node_modules.
COPY="$TMP/src/elsewhere"
mkdir -p "$COPY"
tar -C "$ROOT" -cf - plugins-as src package.json | tar -C "$COPY" -xf -
ln -s "$ROOT/node_modules" "$COPY/node_modules"
(cd "$COPY" && "$ROOT/node_modules/.bin/bun" plugins-as/build-all.ts "$TMP/out") >"$TMP/build.log" 2>&1 || {
  cat "$TMP/build.log" >&2
  exit 1
}

status=0
for built in "$TMP/out"/*/; do
  name="$(basename "$built")"
  for file in plugin.wasm manifest.json; do
    if [[ ! -f "$COMMITTED/$name/$file" ]]; then
      echo "missing: plugins/$name/$file (run npx bun plugins-as/build-all.ts)"
      status=1
    elif ! cmp -s "$built/$file" "$COMMITTED/$name/$file"; then
      echo "differs: plugins/$name/$file (run npx bun plugins-as/build-all.ts)"
      status=1
    fi
  done
done
[[ $status -eq 0 ]] && echo "reproducible: $(ls "$TMP/out" | tr '\n' ' ')"
exit $status
