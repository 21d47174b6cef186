# Shared by plugins-{as,js,rs}/check-reproducible.sh (source it; it defines functions only): compares freshly
# rebuilt plugins with the committed ones, so the three languages report a stale binary the same way.

# Runs a build command with its output captured; on failure prints that output and exits 1.
#   run_build <log file> <command...>
run_build() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 || {
    cat "$log" >&2
    exit 1
  }
}

# For each <rebuilt dir>/<name>/, checks that <committed dir>/<name>/{plugin.wasm,manifest.json} exist and are
# byte-identical; prints `missing:`/`differs: <label>/<name>/<file> (run <rebuild command>)` per problem and
# sets COMPARE_STATUS=1. Call it once per pair of folders, then finish with report_reproducible.
#   compare_plugins <rebuilt dir> <committed dir> <label> <rebuild command>
COMPARE_STATUS=0
compare_plugins() {
  local built name file
  for built in "$1"/*/; do
    [[ -d "$built" ]] || continue
    name="$(basename "$built")"
    for file in plugin.wasm manifest.json; do
      if [[ ! -f "$2/$name/$file" ]]; then
        echo "missing: $3/$name/$file (run $4)"
        COMPARE_STATUS=1
      elif ! cmp -s "$built/$file" "$2/$name/$file"; then
        echo "differs: $3/$name/$file (run $4)"
        COMPARE_STATUS=1
      fi
    done
  done
}

# Prints `reproducible: <names>` when every comparison matched, and exits with the comparisons' status.
#   report_reproducible <rebuilt dir>...
report_reproducible() {
  if [[ $COMPARE_STATUS -eq 0 ]]; then
    local dir names=()
    for dir in "$@"; do names+=($(ls "$dir")); done
    echo "reproducible: ${names[*]}"
  fi
  exit $COMPARE_STATUS
}
