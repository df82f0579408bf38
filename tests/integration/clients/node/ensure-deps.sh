#!/usr/bin/env bash
# Installs the client tests' npm packages (package-lock.json, exact versions) into
# node_modules/ here with `npm ci`, unless they are already installed from this very lock
# file (a stamp in node_modules/ holds its checksum), so a warm machine pays ~10 ms.
# Called by scripts/install-deps.sh and by the ctest fixture integration/node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "node-deps: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node --version)"
stamp=node_modules/.shardwire-lock-stamp
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && { echo "node-deps: node_modules up to date"; exit 0; }
# One installer at a time (ctest fixtures of two build trees, install-deps.sh).
exec 9>"${TMPDIR:-/tmp}/shardwire-node-deps.lock"
flock 9
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && { echo "node-deps: node_modules up to date"; exit 0; }
echo "node-deps: npm ci in $(pwd)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "node-deps: done"
