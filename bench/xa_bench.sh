#!/usr/bin/env bash
# Two-shard transactions through shardwire (`make bench-xa`, bench/README.md): an order
# on ds0 and its item on ds1 per transaction, in each transaction mode side by side in
# one run, modes alternating round by round (bench/lua/two_shard_txn.lua). Per mode:
# transactions/s and latency p50 / p95 / p99 (ms), medians over ROUNDS; the decision
# log's fsyncs per XA transaction (group commit) from /metrics. Measurements only.
#
# Env: ROUNDS (3), DURATION (10 s per mode per round), THREADS (8), WORKERS (0 = one per
#      core), SHARDWIRE_BIN, SW_CLUSTER_DIR, SW_CLUSTER_PORT, PROXY_PORT (6047).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} THREADS=${THREADS:-8} WORKERS=${WORKERS:-0}
BIN=${SHARDWIRE_BIN:-build/shardwire}
export SW_CLUSTER_DIR=${SW_CLUSTER_DIR:-$PWD/var/cluster} SW_CLUSTER_PORT=${SW_CLUSTER_PORT:-3307}
P0=$SW_CLUSTER_PORT P1=$((SW_CLUSTER_PORT + 2)) PROXY_PORT=${PROXY_PORT:-6047} ADMIN_PORT=$((${PROXY_PORT:-6047} + 1000))
MODES="local best_effort xa xa_one_shard"
[ -x "$BIN" ] || { echo "xa_bench.sh: no proxy binary at $BIN (make build, or set SHARDWIRE_BIN)" >&2; exit 2; }

bash scripts/cluster.sh up >/dev/null
tmp=$(mktemp -d)
proxy_pid=
trap '[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
sql() { local port=$1; shift; mariadb --no-defaults -h127.0.0.1 -P"$port" -uapp -papp -N -B "$@"; }

cat >"$tmp/bench.json" <<JSON
{ "listen": "127.0.0.1:$PROXY_PORT", "workers": $WORKERS, "log": {"level": "warn"},
  "users": [{"name": "app", "password": "app"}],
  "backend_defaults": {"user": "app", "password": "app"},
  "data_sources": {"ds0": {"primary": "127.0.0.1:$P0"}, "ds1": {"primary": "127.0.0.1:$P1"}},
  "default_data_source": "ds0",
  "admin": {"enabled": true, "listen": "127.0.0.1:$ADMIN_PORT"},
  "transactions": {"log_file": "$tmp/xa.log"},
  "schemas": { "xbench": {
    "default_data_source": "ds0",
    "databases": { "xbench_\${0..3}": "ds0", "xbench_\${4..7}": "ds1" },
    "tables": {
      "order_info": { "data_nodes": "xbench_\${0..7}.order_info_\${0..7}",
        "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 },
        "key_generator": { "column": "order_id", "type": "gene", "gene_column": "user_id", "modulus": 64 } },
      "order_item": { "data_nodes": "xbench_\${0..7}.order_item_\${0..7}",
        "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 },
        "key_generator": { "column": "item_id", "type": "snowflake" } } },
    "binding_groups": [["order_info", "order_item"]] } } }
JSON
"$BIN" --config "$tmp/bench.json" 2>"$tmp/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PROXY_PORT) 2>/dev/null && break; sleep 0.1; done
kill -0 "$proxy_pid" 2>/dev/null || { echo "xa_bench.sh: proxy did not start:" >&2; cat "$tmp/proxy.log" >&2; exit 1; }

sql "$PROXY_PORT" -e "CREATE DATABASE IF NOT EXISTS xbench"
sql "$PROXY_PORT" xbench -e "CREATE TABLE IF NOT EXISTS order_info (order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL, note VARCHAR(32), KEY (user_id)) ENGINE=InnoDB"
sql "$PROXY_PORT" xbench -e "CREATE TABLE IF NOT EXISTS order_item (item_id BIGINT NOT NULL PRIMARY KEY,
  order_id BIGINT NOT NULL, user_id BIGINT NOT NULL, sku VARCHAR(32), KEY (user_id)) ENGINE=InnoDB"

metric() { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# run MODE -> "tps p50 p95 p99"
run() {
  sysbench bench/lua/two_shard_txn.lua --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$PROXY_PORT" \
    --mysql-user=app --mysql-password=app --threads="$THREADS" --time="$DURATION" --report-interval=0 \
    --histogram=on --mode="$1" run > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; return 1; }
  awk '
    /^Latency histogram/ { h = 1; next }
    h && /\|/ { split($0, a, "|"); v = a[1] + 0; n = $NF + 0; vals[++k] = v; cnt[k] = n; total += n; next }
    h && !/\|/ && k > 0 { h = 0 }
    /transactions:/ { gsub(/[()]/, "", $3); tps = $3 }
    END {
      c = 0; p50 = p95 = p99 = 0
      for (i = 1; i <= k; i++) { c += cnt[i]
        if (!p50 && c >= total * 0.50) p50 = vals[i]
        if (!p95 && c >= total * 0.95) p95 = vals[i]
        if (!p99 && c >= total * 0.99) p99 = vals[i] }
      printf "%s %s %s %s\n", tps, p50, p95, p99 }' "$tmp/out"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    before=$(metric 'shardwire_xa_log_fsyncs_total'); commits=$(metric 'shardwire_xa_transactions_total{outcome="committed"}')
    line=$(run "$m")
    echo "round $r $m: $line" >&2
    echo "$m $line $(metric 'shardwire_xa_log_fsyncs_total') $before $(metric 'shardwire_xa_transactions_total{outcome="committed"}') $commits" >> "$tmp/results"
  done
done

echo

echo "Two-shard transactions (order on ds0 + item on ds1), $THREADS threads, ${DURATION}s x $ROUNDS rounds, medians:"
echo
echo "| mode | transactions/s | vs local | p50 ms | p95 ms | p99 ms | decision fsyncs per XA commit |"
echo "|---|---|---|---|---|---|---|"
local_tps=$(awk '$1 == "local" { print $2 }' "$tmp/results" | median)
for m in $MODES; do
  tps=$(awk -v m="$m" '$1 == m { print $2 }' "$tmp/results" | median)
  p50=$(awk -v m="$m" '$1 == m { print $3 }' "$tmp/results" | median)
  p95=$(awk -v m="$m" '$1 == m { print $4 }' "$tmp/results" | median)
  p99=$(awk -v m="$m" '$1 == m { print $5 }' "$tmp/results" | median)
  fs=$(awk -v m="$m" '$1 == m && $8 + 0 > $9 + 0 { printf "%.2f\n", ($6 - $7) / ($8 - $9) }' "$tmp/results" | median)
  printf "| %s | %.0f | %.2f | %s | %s | %s | %s |\n" "$m" "$tps" "$(awk -v a="$tps" -v b="$local_tps" 'BEGIN { print a / b }')" \
    "$p50" "$p95" "$p99" "${fs:--}"
done
