#!/usr/bin/env bash
# Installs what bench/run.ts needs, idempotently: wrk (Debian package) and the repo's npm dependencies (Bun).
# k6 is not installable on these machines (not in Debian, not on npm): see k6/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq wrk
fi
[ -x node_modules/.bin/bun ] || npm install --no-audit --no-fund
echo "wrk: $(wrk --version 2>&1 | head -1)"
echo "bun: $(node_modules/.bin/bun --version)"
