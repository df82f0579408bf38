#!/usr/bin/env bash
# The benchmark table (`make bench`): every path, direct to MariaDB and through shardwire,
# side by side in one run with the two sides alternating round by round, so both see the
# same machine load. For each path: the QPS ratio (proxy/direct), the proxy's CPU per
# statement (user and kernel, from /proc/PID/stat over the proxy's runs, divided by the
# statements it served) and the p99 latency of each side. Medians over ROUNDS. Printed
# as a Markdown table for bench/README.md. Measurements only: never an exit status.
#
# Paths (sysbench 1.0, 8 threads):
#   text / prepared point select on an unsharded table (oltp_point_select on sbtest);
#   the same over TLS (text);
#   routed point select by user_id and by order_id, text and prepared, through the proxy
#   on the logical order table vs the same statement on the physical table directly
#   (bench/lua/routed_select.lua);
#   a cross-shard ORDER BY ... LIMIT 10 page over 64 tables vs the same query on an
#   unsharded reference table with the same rows (bench/lua/merge_limit.lua, data of
#   bench/merge.sh);
#   oltp_read_write on sbtest (transactions of 18 statements);
#   and the 1M-row merge stream of bench/merge.sh (rows/s ratio, run first; MERGE=0 skips it).
#
# Env: ROUNDS (3), DURATION (10 s per side per round), THREADS (8), PATHS (all, or a
#      space-separated subset of the names printed), WORKERS (0 = one per core),
#      MERGE (1), SHARDWIRE_BIN, SW_CLUSTER_DIR, SW_CLUSTER_PORT, PROXY_PORT (6046).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} THREADS=${THREADS:-8} WORKERS=${WORKERS:-0}
MERGE=${MERGE:-1} BIN=${SHARDWIRE_BIN:-build/shardwire}
export SW_CLUSTER_DIR=${SW_CLUSTER_DIR:-$PWD/var/cluster} SW_CLUSTER_PORT=${SW_CLUSTER_PORT:-3307}
P0=$SW_CLUSTER_PORT P1=$((SW_CLUSTER_PORT + 2)) PROXY_PORT=${PROXY_PORT:-6046}
ALL_PATHS="text ps tls user_text user_ps order_text order_ps merge_limit read_write"
PATHS=${PATHS:-$ALL_PATHS}
LUA=$PWD/bench/lua
[ -x "$BIN" ] || { echo "bench.sh: no proxy binary at $BIN (make build, or set SHARDWIRE_BIN)" >&2; exit 2; }

bash scripts/cluster.sh up >/dev/null
tmp=$(mktemp -d)
proxy_pid=
trap '[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
sql() { local port=$1; shift; mariadb --no-defaults -h127.0.0.1 -P"$port" -uapp -papp -N -B "$@"; }

# ---- the 1M-row merge stream (bench/merge.sh also loads the mbench data used below) --
merge_line=""
if [ "$MERGE" = 1 ]; then
  echo "== bench/merge.sh (stream ORDER BY order_id, 1M rows) =="
  ORDER_KEYS=order_id RUNS=3 STREAM_RUNS=3 SHARDWIRE_BIN=$BIN bash bench/merge.sh | tee "$tmp/merge.out" | grep -E "^(stream|data:)" || true
  merge_line=$(grep "^stream ORDER BY order_id" "$tmp/merge.out" || true)
fi

# ---- proxy -------------------------------------------------------------------------
tls_dir=$SW_CLUSTER_DIR/tls
cat >"$tmp/bench.json" <<JSON
{ "listen": "127.0.0.1:$PROXY_PORT", "workers": $WORKERS, "log": {"level": "warn"},
  "users": [{"name": "app", "password": "app"}],
  "tls": {"cert_file": "$tls_dir/server-cert.pem", "key_file": "$tls_dir/server-key.pem"},
  "backend_defaults": {"user": "app", "password": "app"},
  "data_sources": {"ds0": {"primary": "127.0.0.1:$P0"}, "ds1": {"primary": "127.0.0.1:$P1"}},
  "default_data_source": "ds0",
  "schemas": {
    "rbench": {
      "default_data_source": "ds0",
      "databases": { "rbench_\${0..3}": "ds0", "rbench_\${4..7}": "ds1" },
      "tables": { "order_info": {
        "data_nodes": "rbench_\${0..7}.order_info_\${0..7}",
        "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 } } }
    },
    "mbench": {
      "default_data_source": "ds0",
      "databases": { "mbench_\${0..3}": "ds0", "mbench_\${4..7}": "ds1" },
      "tables": { "orders": {
        "data_nodes": "mbench_\${0..7}.orders_\${0..7}",
        "sharding": { "algorithm": "mod", "column": "user_id", "modulus": 64 } } }
    }
  } }
JSON
"$BIN" --check-config "$tmp/bench.json" >/dev/null
"$BIN" --config "$tmp/bench.json" 2>"$tmp/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PROXY_PORT) 2>/dev/null && break; sleep 0.1; done
kill -0 "$proxy_pid" 2>/dev/null || { echo "bench.sh: proxy did not start:" >&2; cat "$tmp/proxy.log" >&2; exit 1; }

# ---- data ----------------------------------------------------------------------------
PER_NODE=2000
sb_common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-password=app --mysql-db=sbtest
           --threads="$THREADS" --report-interval=0 --percentile=99)
sbtest=(--tables=4 --table-size=10000)
if ! sql "$P0" sbtest -e "SELECT 1 FROM sbtest4 LIMIT 1" >/dev/null 2>&1; then
  echo "data: preparing sbtest (4 tables x 10000 rows)"
  sql "$P0" -e "CREATE DATABASE IF NOT EXISTS sbtest"
  sysbench oltp_point_select "${sb_common[@]}" "${sbtest[@]}" --mysql-port="$P0" prepare >/dev/null
fi
sql "$PROXY_PORT" -e "CREATE DATABASE IF NOT EXISTS rbench"
sql "$PROXY_PORT" rbench -e "CREATE TABLE IF NOT EXISTS order_info (order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL, amount DECIMAL(12,2) NOT NULL, created_at DATETIME NOT NULL,
  KEY idx_user (user_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
if [ "$(sql "$P0" -e "SELECT COUNT(*) FROM rbench_3.order_info_7")" != "$PER_NODE" ]; then
  echo "data: loading $PER_NODE rows into each of rbench_{0..3}.order_info_{0..7} (nodes 0..31, on ds0)"
  for n in $(seq 0 31); do
    echo "TRUNCATE rbench_$((n / 8)).order_info_$((n % 8));
          INSERT INTO rbench_$((n / 8)).order_info_$((n % 8)) SELECT (seq + 1000000) * 64 + $n, seq * 64 + $n,
            ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq % 1000, '2026-01-01' + INTERVAL seq MINUTE
          FROM seq_0_to_$((PER_NODE - 1));"
  done | sql "$P0" rbench_0
fi
# Placement check: each key through the proxy finds its row (the rule puts node n's keys there).
for v in 0 1 31 $((64 * 1999 + 17)); do
  got=$(sql "$PROXY_PORT" -e "SELECT COUNT(*) FROM rbench.order_info WHERE user_id = $v")
  [ "$got" = 1 ] || { echo "bench.sh: user_id $v found $got times through the proxy" >&2; exit 1; }
done
if [ "$MERGE" != 1 ] && [[ " $PATHS " == *" merge_limit "* ]] &&
   [ "$(sql "$P0" -e "SELECT COUNT(*) > 0 FROM mbench_ref.orders" 2>/dev/null || echo 0)" != 1 ]; then
  echo "bench.sh: merge_limit needs the mbench data of bench/merge.sh (run with MERGE=1 once)" >&2; exit 2
fi

# sysbench 1.0 --mysql-ssl=on loads client-key.pem, client-cert.pem and cacert.pem from
# its working directory: a client certificate from the cluster's CA, made here.
if [[ " $PATHS " == *" tls "* ]]; then
  mkdir -p "$tmp/ssl"
  cp "$tls_dir/ca.pem" "$tmp/ssl/cacert.pem"
  openssl req -newkey rsa:2048 -nodes -keyout "$tmp/ssl/client-key.pem" -subj "/CN=bench-client" \
    -out "$tmp/ssl/client.csr" 2>/dev/null
  openssl x509 -req -in "$tmp/ssl/client.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca-key.pem" -CAcreateserial \
    -days 2 -out "$tmp/ssl/client-cert.pem" 2>/dev/null
fi

# ---- runs ------------------------------------------------------------------------------
# run PATH SIDE -> "qps p99_ms queries" (SIDE: direct | proxy)
run() {
  local path=$1 side=$2 port=$P0 args=() test
  [ "$side" = proxy ] && port=$PROXY_PORT
  case $path in
    text) test=oltp_point_select args=("${sbtest[@]}" --db-ps-mode=disable) ;;
    ps) test=oltp_point_select args=("${sbtest[@]}" --db-ps-mode=auto) ;;
    tls) test=oltp_point_select args=("${sbtest[@]}" --db-ps-mode=disable --mysql-ssl=on) ;;
    user_text|user_ps|order_text|order_ps)
      test=$LUA/routed_select.lua
      args=(--key="${path%_*}_id" --ps=$([ "${path#*_}" = ps ] && echo on || echo off) --per_node=$PER_NODE --db=rbench
            --target=$([ "$side" = proxy ] && echo logical || echo physical)) ;;
    merge_limit) test=$LUA/merge_limit.lua args=(--db=$([ "$side" = proxy ] && echo mbench || echo mbench_ref)) ;;
    read_write) test=oltp_read_write args=("${sbtest[@]}" --db-ps-mode=disable) ;;
  esac
  local dir=$PWD
  [ "$path" = tls ] && dir=$tmp/ssl
  (cd "$dir" && sysbench "$test" "${sb_common[@]}" --mysql-port="$port" --time="$DURATION" "${args[@]}" run) >"$tmp/out" 2>&1 || {
    echo "bench.sh: sysbench $path $side failed:" >&2; tail -5 "$tmp/out" >&2; echo "0 0 0"; return; }
  local qps p99 queries
  qps=$(sed -n 's/.*queries:.*(\([0-9.]*\) per sec.*/\1/p' "$tmp/out" | head -1)
  queries=$(sed -n 's/^ *queries: *\([0-9]*\).*/\1/p' "$tmp/out" | head -1)
  p99=$(sed -n 's/^ *99th percentile: *\([0-9.]*\).*/\1/p' "$tmp/out" | head -1)
  echo "${qps:-0} ${p99:-0} ${queries:-0}"
}
ticks() { awk '{print $14, $15}' "/proc/$proxy_pid/stat"; }
hz=$(getconf CLK_TCK)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

for p in $PATHS; do run "$p" direct >/dev/null; run "$p" proxy >/dev/null; done 2>/dev/null  # warm caches, pools
declare -A R
echo
printf '%-12s %5s %11s %11s %7s %9s %9s %9s %9s\n' path round direct_qps proxy_qps ratio user_us sys_us d_p99ms p_p99ms
for r in $(seq "$ROUNDS"); do
  for p in $PATHS; do
    read -r dq dp _ < <(run "$p" direct)
    read -r u0 s0 < <(ticks)
    read -r pq pp pn < <(run "$p" proxy)
    read -r u1 s1 < <(ticks)
    ratio=$(awk -v a="$pq" -v b="$dq" 'BEGIN{ printf "%.3f", (b > 0 ? a / b : 0) }')
    uus=$(awk -v t=$((u1 - u0)) -v q="$pn" -v hz="$hz" 'BEGIN{ printf "%.1f", (q > 0 ? t * 1e6 / hz / q : 0) }')
    sus=$(awk -v t=$((s1 - s0)) -v q="$pn" -v hz="$hz" 'BEGIN{ printf "%.1f", (q > 0 ? t * 1e6 / hz / q : 0) }')
    printf '%-12s %5s %11s %11s %7s %9s %9s %9s %9s\n' "$p" "$r" "$dq" "$pq" "$ratio" "$uus" "$sus" "$dp" "$pp"
    R[$p.dq]+="$dq " R[$p.pq]+="$pq " R[$p.ratio]+="$ratio " R[$p.u]+="$uus " R[$p.s]+="$sus " R[$p.dp]+="$dp " R[$p.pp]+="$pp "
  done
done

label() {
  case $1 in
    text) echo "point select, unsharded, text" ;;
    ps) echo "point select, unsharded, prepared" ;;
    tls) echo "point select, unsharded, text over TLS" ;;
    user_text) echo "routed point select by user_id, text" ;;
    user_ps) echo "routed point select by user_id, prepared" ;;
    order_text) echo "routed point select by order_id, text" ;;
    order_ps) echo "routed point select by order_id, prepared" ;;
    merge_limit) echo "cross-shard ORDER BY order_id LIMIT 10 (64 tables)" ;;
    read_write) echo "oltp_read_write (statements)" ;;
  esac
}
echo
echo "shardwire $(git rev-parse --short HEAD 2>/dev/null || echo ?) · $(date -u +%Y-%m-%d) · $(nproc) cores," \
     "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) · $THREADS threads," \
     "${DURATION} s x $ROUNDS rounds alternating, medians · proxy workers=$WORKERS"
echo
echo "| path | direct QPS | shardwire QPS | ratio | proxy CPU µs/stmt (user + kernel) | p99 ms direct / shardwire |"
echo "|---|---|---|---|---|---|"
for p in $PATHS; do
  # shellcheck disable=SC2086  # lists of numbers
  printf '| %s | %s | %s | **%s** | %s + %s | %s / %s |\n' "$(label "$p")" "$(median ${R[$p.dq]})" "$(median ${R[$p.pq]})" \
    "$(median ${R[$p.ratio]})" "$(median ${R[$p.u]})" "$(median ${R[$p.s]})" "$(median ${R[$p.dp]})" "$(median ${R[$p.pp]})"
done
if [ -n "$merge_line" ]; then
  echo "| 1M-row merge stream (bench/merge.sh) | ${merge_line#stream ORDER BY order_id: } | | | | |"
fi
echo
if grep -qi "error" "$tmp/proxy.log"; then echo "proxy log:"; cat "$tmp/proxy.log"; fi
