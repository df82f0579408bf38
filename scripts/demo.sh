#!/usr/bin/env bash
# `make demo`: local MariaDB cluster + shardwire in the foreground on 127.0.0.1:6033.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SHARDWIRE_BIN:-build/shardwire}
CONFIG=${SHARDWIRE_CONFIG:-conf/demo.json}

bash scripts/cluster.sh up
"$BIN" --check-config "$CONFIG"
cat <<MSG

shardwire is starting in the foreground (Ctrl-C stops it; the cluster keeps running,
stop it with: scripts/cluster.sh down).

Connect with:
    mariadb -h127.0.0.1 -P6033 -uapp -papp

MSG
exec "$BIN" --config "$CONFIG"
