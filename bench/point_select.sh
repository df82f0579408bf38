#!/usr/bin/env bash
# sysbench oltp_point_select directly against MariaDB and through shardwire,
# alternating in one run, so both sides see the same machine load. Prints the QPS
# ratio proxy/direct per round and the median, and the proxy's CPU time per query
# (utime+stime from /proc/PID/stat divided by queries it served).
#
# Env: ROUNDS (3), DURATION (10 s), THREADS (8), TABLES (4), TABLE_SIZE (10000),
#      PS_MODE (disable: text protocol; auto: server-side prepared statements),
#      WORKERS (proxy worker threads, default 0 = one per core), SHARDWIRE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} THREADS=${THREADS:-8}
TABLES=${TABLES:-4} TABLE_SIZE=${TABLE_SIZE:-10000} PS_MODE=${PS_MODE:-disable}
WORKERS=${WORKERS:-0} BIN=${SHARDWIRE_BIN:-build/shardwire}
export SW_CLUSTER_DIR=${SW_CLUSTER_DIR:-$PWD/var/cluster} SW_CLUSTER_PORT=${SW_CLUSTER_PORT:-3307}
DB_PORT=$SW_CLUSTER_PORT PROXY_PORT=${PROXY_PORT:-6044}

bash scripts/cluster.sh up >/dev/null
tmp=$(mktemp -d)
trap 'kill "$proxy_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/bench.json" <<JSON
{ "listen": "127.0.0.1:$PROXY_PORT", "workers": $WORKERS, "log": {"level": "warn"},
  "users": [{"name": "app", "password": "app"}],
  "backend_defaults": {"user": "app", "password": "app"},
  "data_sources": {"ds0": {"primary": "127.0.0.1:$DB_PORT"}},
  "default_data_source": "ds0" }
JSON
"$BIN" --config "$tmp/bench.json" 2>"$tmp/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PROXY_PORT) 2>/dev/null && break; sleep 0.1; done

sb() {  # sb PORT COMMAND [extra args]
  local port=$1 cmd=$2; shift 2
  sysbench oltp_point_select --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" \
    --mysql-user=app --mysql-password=app --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE" \
    --threads="$THREADS" --time="$DURATION" --report-interval=0 --db-ps-mode="$PS_MODE" "$@" "$cmd"
}
qps_of() { sed -n 's/.*queries:.*(\([0-9.]*\) per sec.*/\1/p' | head -1; }
queries_of() { sed -n 's/^ *queries: *\([0-9]*\).*/\1/p' | head -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$proxy_pid/stat"; }

if ! mariadb -h127.0.0.1 -P"$DB_PORT" -uapp -papp sbtest -e "SELECT 1 FROM sbtest$TABLES LIMIT 1" >/dev/null 2>&1; then
  echo "preparing sbtest ($TABLES tables x $TABLE_SIZE rows)..."
  sb "$DB_PORT" cleanup >/dev/null 2>&1 || true
  sb "$DB_PORT" prepare >/dev/null
fi
sb "$DB_PORT" run --time=3 >/dev/null   # warm the buffer pool

hz=$(getconf CLK_TCK)
ratios=() cpus=()
printf '%-6s %12s %12s %8s %14s\n' round direct_qps proxy_qps ratio proxy_us/query
for r in $(seq "$ROUNDS"); do
  direct=$(sb "$DB_PORT" run | qps_of)
  t0=$(cpu_ticks)
  out=$(sb "$PROXY_PORT" run)
  t1=$(cpu_ticks)
  proxied=$(qps_of <<<"$out") queries=$(queries_of <<<"$out")
  ratio=$(awk -v a="$proxied" -v b="$direct" 'BEGIN{printf "%.3f", a/b}')
  us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v q="$queries" 'BEGIN{printf "%.1f", t*1e6/hz/q}')
  ratios+=("$ratio") cpus+=("$us")
  printf '%-6s %12s %12s %8s %14s\n' "$r" "$direct" "$proxied" "$ratio" "$us"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "median ratio proxy/direct: $(median "${ratios[@]}")   median proxy CPU per query: $(median "${cpus[@]}") us" \
     "(ps-mode=$PS_MODE, threads=$THREADS, workers=$WORKERS)"
if grep -q "ERROR\|error" "$tmp/proxy.log"; then echo "proxy log:"; cat "$tmp/proxy.log"; fi
