#!/usr/bin/env bash
# Rebuilds every bundled JS plugin (plugins-js/examples/*/ with a manifest.json) from a copy of plugins-js at a
# different path, with a fresh engine cache (so QuickJS is compiled again too), and fails if a committed
# plugins/<name>/plugin.wasm or manifest.json differs from the rebuild or is missing. CI runs this so the
# shipped binaries are always the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$ROOT/.."
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# The copy sits beside a link to the repo's node_modules (qjsc sources, wizer) at another path: proves neither
# the checkout path nor the cache path leaks into the bytes.
mkdir -p "$TMP/elsewhere"
tar -C "$ROOT" -cf - . | tar -C "$TMP/elsewhere" -xf -
ln -s "$REPO/node_modules" "$TMP/node_modules"
mv "$TMP/elsewhere" "$TMP/plugins-js"
(cd "$TMP" && "$REPO/node_modules/.bin/bun" plugins-js/build.ts "$TMP/out" --cache-dir "$TMP/cache") >"$TMP/build.log" 2>&1 || {
  cat "$TMP/build.log" >&2
  exit 1
}

status=0
for built in "$TMP/out"/*/; do
  name="$(basename "$built")"
  for file in plugin.wasm manifest.json; do
    if [[ ! -f "$REPO/plugins/$name/$file" ]]; then
      echo "missing: plugins/$name/$file (run npx bun plugins-js/build.ts)"
      status=1
    elif ! cmp -s "$built/$file" "$REPO/plugins/$name/$file"; then
      echo "differs: plugins/$name/$file (run npx bun plugins-js/build.ts)"
      status=1
    fi
  done
done
[[ $status -eq 0 ]] && echo "reproducible: $(ls "$TMP/out" | tr '\n' ' ')"
exit $status
