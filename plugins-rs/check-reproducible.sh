#!/usr/bin/env bash
# Rebuilds every plugin from a copy of this directory at a different path and
# fails if any committed plugins/<name>/plugin.wasm or manifest.json differs
# from the rebuild, or if a built plugin is not committed. CI runs this so the
# shipped binaries are always the ones the sources produce.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMMITTED="$ROOT/../plugins"
COMMITTED_TEST="$ROOT/../test/plugins"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# A different checkout path and target dir: proves no path leaks into the bytes.
mkdir -p "$TMP/src/elsewhere"
tar -C "$ROOT" --exclude=./target -cf - . | tar -C "$TMP/src/elsewhere" -xf -
CARGO_TARGET_DIR="$TMP/target" "$TMP/src/elsewhere/build.sh" "$TMP/out" "$TMP/test-out" >"$TMP/build.log" 2>&1 || {
  cat "$TMP/build.log" >&2
  exit 1
}

status=0
compare() { # <rebuilt dir> <committed dir> <label>
  local built name file
  for built in "$1"/*/; do
    [[ -d "$built" ]] || continue
    name="$(basename "$built")"
    for file in plugin.wasm manifest.json; do
      if [[ ! -f "$2/$name/$file" ]]; then
        echo "missing: $3/$name/$file (run plugins-rs/build.sh)"
        status=1
      elif ! cmp -s "$built/$file" "$2/$name/$file"; then
        echo "differs: $3/$name/$file (run plugins-rs/build.sh)"
        status=1
      fi
    done
  done
}
compare "$TMP/out" "$COMMITTED" plugins
compare "$TMP/test-out" "$COMMITTED_TEST" test/plugins
[[ $status -eq 0 ]] && echo "reproducible: $(ls "$TMP/out" "$TMP/test-out" | grep -v : | tr '\n' ' ')"
exit $status
