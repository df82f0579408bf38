#!/usr/bin/env bash
# Memory of idle client connections: CLIENTS (5000) sessions opened through shardwire,
# each served one point select on sbtest and then left idle. Prints the proxy's RSS
# growth per connection (VmRSS after minus before, over CLIENTS) and how many backend
# connections the proxy holds for them (multiplexing: a few, not CLIENTS). Beside it, in
# the same run, DIRECT_CLIENTS (1000) connections straight to MariaDB: mariadbd's RSS
# growth per connection (its thread-per-connection cost, what a client pays without a
# multiplexing proxy). Measurements only; no verdict.
#
# Env: CLIENTS (5000), DIRECT_CLIENTS (1000, the demo cluster allows 2000), WORKERS (0 =
#      one per core), PROXY_PORT (6045), SHARDWIRE_BIN, SW_CLUSTER_DIR/SW_CLUSTER_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-5000} DIRECT_CLIENTS=${DIRECT_CLIENTS:-1000} WORKERS=${WORKERS:-0}
BIN=${SHARDWIRE_BIN:-build/shardwire} PROXY_PORT=${PROXY_PORT:-6045}
export SW_CLUSTER_DIR=${SW_CLUSTER_DIR:-$PWD/var/cluster} SW_CLUSTER_PORT=${SW_CLUSTER_PORT:-3307}
DB_PORT=$SW_CLUSTER_PORT PY=/usr/bin/python3
# one descriptor per client on both ends (the proxy raises its soft limit itself)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $((CLIENTS + 100)) ] ||
  { echo "idle_connections: ulimit -n $(ulimit -n) is too low for $CLIENTS clients" >&2; exit 1; }

bash scripts/cluster.sh up >/dev/null
tmp=$(mktemp -d)
cleanup() {
  [ -n "${holder_pid:-}" ] && kill "$holder_pid" 2>/dev/null
  [ -n "${proxy_pid:-}" ] && kill "$proxy_pid" 2>/dev/null
  wait 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
db() { mariadb -h127.0.0.1 -P"$DB_PORT" -uapp -papp -N -B "$@"; }
if ! db sbtest -e "SELECT 1 FROM sbtest1 LIMIT 1" >/dev/null 2>&1; then
  echo "preparing sbtest (1 table x 1000 rows)..."
  db -e "CREATE DATABASE IF NOT EXISTS sbtest"
  sysbench oltp_point_select --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$DB_PORT" --mysql-user=app \
    --mysql-password=app --mysql-db=sbtest --tables=1 --table-size=1000 prepare >/dev/null
fi

cat >"$tmp/bench.json" <<JSON
{ "listen": "127.0.0.1:$PROXY_PORT", "workers": $WORKERS, "log": {"level": "warn"},
  "max_client_connections": $((CLIENTS + 100)),
  "users": [{"name": "app", "password": "app"}],
  "backend_defaults": {"user": "app", "password": "app"},
  "data_sources": {"ds0": {"primary": "127.0.0.1:$DB_PORT"}},
  "default_data_source": "ds0" }
JSON
"$BIN" --config "$tmp/bench.json" 2>"$tmp/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PROXY_PORT) 2>/dev/null && break; sleep 0.1; done

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mem_used_kb() { db -e "SHOW GLOBAL STATUS LIKE 'Memory_used'" | awk '{printf "%d", $2 / 1024}'; }
app_conns() {  # the app account's connections on p0, this probe excluded
  db -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app' AND ID <> CONNECTION_ID()"
}
# hold N clients on PORT; runs MEASURE while they are open. Sets took, or fails.
hold() {
  local port=$1 n=$2 fifo="$tmp/in.$1"
  mkfifo "$fifo"
  "$PY" bench/idle_clients.py "$port" "$n" <"$fifo" >"$tmp/out.$port" &
  holder_pid=$!
  exec 7>"$fifo"
  for _ in $(seq 600); do [ -s "$tmp/out.$port" ] && break; sleep 0.2; done
  read -r status took <"$tmp/out.$port" || true
  [ "$status" = ready ] || { echo "idle_connections: clients via port $port: $(cat "$tmp/out.$port")" >&2; exit 1; }
}
release() { echo >&7; exec 7>&-; wait "$holder_pid"; holder_pid=; }

# --- through the proxy ---
"$PY" bench/idle_clients.py "$PROXY_PORT" 20 </dev/null >/dev/null  # warm: pools, allocator arenas
sleep 1
proxy_before=$(rss_kb "$proxy_pid") backends_before=$(app_conns)
hold "$PROXY_PORT" "$CLIENTS"
sleep 1
proxy_after=$(rss_kb "$proxy_pid") backends_after=$(app_conns)
proxy_took=$took
release
sleep 1
proxy_released=$(rss_kb "$proxy_pid")

# --- direct to MariaDB (p0) ---
mariadbd_pid=$(cat "$SW_CLUSTER_DIR/p0/mysqld.pid")
direct_before=$(rss_kb "$mariadbd_pid") used_before=$(mem_used_kb)
hold "$DB_PORT" "$DIRECT_CLIENTS"
sleep 1
direct_after=$(rss_kb "$mariadbd_pid") used_after=$(mem_used_kb)
direct_took=$took
release

per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN{printf "%.1f", (b - a) / n}'; }
proxy_per=$(per "$proxy_before" "$proxy_after" "$CLIENTS")
direct_per=$(per "$direct_before" "$direct_after" "$DIRECT_CLIENTS")
used_per=$(per "$used_before" "$used_after" "$DIRECT_CLIENTS")
echo "through shardwire: $CLIENTS idle clients (opened in ${proxy_took}s): proxy RSS ${proxy_before} -> ${proxy_after} KB" \
     "= ${proxy_per} KB per connection; ${proxy_released} KB after they closed"
echo "  backend connections held for them on p0: ${backends_after} (before: ${backends_before})"
echo "direct to MariaDB: $DIRECT_CLIENTS idle clients (opened in ${direct_took}s): Memory_used" \
     "${used_before} -> ${used_after} KB = ${used_per} KB per connection (server-accounted);" \
     "RSS ${direct_before} -> ${direct_after} KB = ${direct_per} KB per connection (lower when memory of earlier" \
     "connections is reused)"
awk -v p="$proxy_per" -v d="$used_per" \
  'BEGIN{ if (p > 0) printf "memory per idle connection, mariadbd (Memory_used) / shardwire (RSS): %.1fx\n", d / p }'
if grep -qi "error" "$tmp/proxy.log"; then echo "proxy log:"; cat "$tmp/proxy.log"; fi
