#!/usr/bin/env bash
# Multi-shard SELECT benchmark: the same queries through shardwire over 64 physical
# tables and directly on MariaDB against an unsharded reference table holding the same
# rows, side by side in one run. Prints measurements and ratios; the only verdict is
# the proxy's peak RSS growth against RSS_TARGET_MB (PASS/FAIL, printed, never an exit
# status). No timed assertions.
#
#  1. Stream: SELECT <all columns> FROM orders ORDER BY <key> (ROWS rows, no LIMIT),
#     consumed by `mariadb --quick -N -B` (C client, row by row, not buffered) into a
#     file on tmpfs. Rows/s through the proxy vs the reference; the proxy's peak RSS
#     growth during the query (VmHWM reset through /proc/PID/clear_refs before the query,
#     read after it, minus VmRSS before it; VmRSS also sampled every 20 ms as a
#     cross-check); rows received; whether the output is byte-identical to the
#     reference's (every key is unique, so a correct merge gives exactly the same bytes).
#  2. Offset page: SELECT ... ORDER BY <key> LIMIT OFFSET, COUNT, RUNS times in one
#     session (pymysql, /usr/bin/python3): median latency through the proxy vs the
#     reference, and bytes the backends sent per query: SHOW GLOBAL STATUS 'Bytes_sent'
#     on both primaries before/after the RUNS queries, minus the status queries' own
#     bytes (median delta of back-to-back status reads with nothing in between), / RUNS.
#
# Data: logical database mbench, table orders sharded by user_id (mod 64) over
# mbench_${0..7}.orders_${0..7} (mbench_0..3 on ds0 = p0, mbench_4..7 on ds1 = p1),
# schema created THROUGH the proxy; rows loaded directly into the physical tables with
# MariaDB's Sequence engine (row n goes to node n % 64 and has user_id ≡ n mod 64, so
# placement follows the rule; verified on the backends and by point lookups through the
# proxy). Reference: mbench_ref.orders on p0, the same rows. Loading is skipped when
# both already hold ROWS rows, so reruns start at once.
#
# Env: ROWS (1000000), RUNS (10: offset-page queries per side), STREAM_RUNS (3: 1M-row
#      streams per side, median), ORDER_KEYS ("order_id created_at"; order_id is the
#      primary key, created_at a secondary index, note an unindexed string, e.g.
#      ORDER_KEYS="order_id created_at note"), OFFSET (10000), COUNT (10),
#      RSS_TARGET_MB (64), WORKERS (proxy worker threads, 0 = one per core),
#      MERGE_MAX_CONNS (sets "merge": {"max_connections_per_data_source": N} when the
#      binary accepts it; unset: proxy default), SHARDWIRE_BIN (build/shardwire),
#      PROXY_PORT (6045), SW_CLUSTER_DIR, SW_CLUSTER_PORT (as scripts/cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000} RUNS=${RUNS:-10} STREAM_RUNS=${STREAM_RUNS:-3}
ORDER_KEYS=${ORDER_KEYS:-"order_id created_at"} OFFSET=${OFFSET:-10000} COUNT=${COUNT:-10}
RSS_TARGET_MB=${RSS_TARGET_MB:-64} WORKERS=${WORKERS:-0} BIN=${SHARDWIRE_BIN:-build/shardwire}
MERGE_MAX_CONNS=${MERGE_MAX_CONNS:-}
export SW_CLUSTER_DIR=${SW_CLUSTER_DIR:-$PWD/var/cluster} SW_CLUSTER_PORT=${SW_CLUSTER_PORT:-3307}
P0=$SW_CLUSTER_PORT R0=$((SW_CLUSTER_PORT + 1)) P1=$((SW_CLUSTER_PORT + 2)) R1=$((SW_CLUSTER_PORT + 3))
PROXY_PORT=${PROXY_PORT:-6045}
PY=/usr/bin/python3
COLS="order_id, user_id, status, amount, created_at, note"

for k in $ORDER_KEYS; do
  case $k in order_id|user_id|status|amount|created_at|note) ;; *) echo "merge.sh: unknown ORDER_KEYS entry '$k'" >&2; exit 2 ;; esac
done
[ "$ROWS" -ge 64 ] || { echo "merge.sh: ROWS must be >= 64" >&2; exit 2; }
[ -x "$BIN" ] || { echo "merge.sh: no proxy binary at $BIN (make build, or set SHARDWIRE_BIN)" >&2; exit 2; }
"$PY" -c 'import pymysql' 2>/dev/null || { echo "merge.sh: $PY needs pymysql (apt-get install python3-pymysql)" >&2; exit 2; }

now() { echo "${EPOCHREALTIME/,/.}"; }
sql() {  # sql PORT [mariadb args...]
  local port=$1; shift
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uapp -papp -N -B "$@"
}
proxy_sql() { sql "$PROXY_PORT" mbench "$@"; }

bash scripts/cluster.sh up >/dev/null
if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmp=$(mktemp -d /dev/shm/shardwire-merge.XXXXXX); else tmp=$(mktemp -d); fi
proxy_pid=
trap '[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# ---- proxy -----------------------------------------------------------------------
write_config() {  # write_config FILE [merge-section]
  cat >"$1" <<JSON
{ "listen": "127.0.0.1:$PROXY_PORT", "workers": $WORKERS, "log": {"level": "warn"},
  "users": [{"name": "app", "password": "app"}],
  "backend_defaults": {"user": "app", "password": "app"},
  "data_sources": {"ds0": {"primary": "127.0.0.1:$P0"}, "ds1": {"primary": "127.0.0.1:$P1"}},
  "default_data_source": "ds0",${2:+
  $2,}
  "schemas": {
    "mbench": {
      "default_data_source": "ds0",
      "databases": { "mbench_\${0..3}": "ds0", "mbench_\${4..7}": "ds1" },
      "tables": {
        "orders": {
          "data_nodes": "mbench_\${0..7}.orders_\${0..7}",
          "sharding": { "algorithm": "mod", "column": "user_id", "modulus": 64 }
        }
      }
    }
  } }
JSON
}
merge_note="proxy default"
if [ -n "$MERGE_MAX_CONNS" ]; then
  write_config "$tmp/bench.json" "\"merge\": {\"max_connections_per_data_source\": $MERGE_MAX_CONNS}"
  if "$BIN" --check-config "$tmp/bench.json" >/dev/null 2>&1; then
    merge_note="merge.max_connections_per_data_source=$MERGE_MAX_CONNS"
  else
    echo "note: $BIN rejects the \"merge\" config key; running without it"
    write_config "$tmp/bench.json"
  fi
else
  write_config "$tmp/bench.json"
fi
"$BIN" --check-config "$tmp/bench.json" >/dev/null
"$BIN" --config "$tmp/bench.json" 2>"$tmp/proxy.log" &
proxy_pid=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$PROXY_PORT") 2>/dev/null && break; sleep 0.1; done
kill -0 "$proxy_pid" 2>/dev/null || { echo "merge.sh: proxy did not start:" >&2; cat "$tmp/proxy.log" >&2; exit 1; }

# ---- schema (through the proxy) and data -------------------------------------------
sql "$PROXY_PORT" -e "CREATE DATABASE IF NOT EXISTS mbench"
DDL="CREATE TABLE IF NOT EXISTS orders (
  order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  created_at DATETIME NOT NULL,
  note VARCHAR(32) NOT NULL,
  KEY idx_user (user_id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
proxy_sql -e "$DDL"
sql "$P0" -e "CREATE DATABASE IF NOT EXISTS mbench_ref"
sql "$P0" mbench_ref -e "$DDL"

# Row n (n = seq = order_id) of the data set, a pure function of n, so the sharded copy
# and the reference hold the same rows. user_id ≡ n (mod 64): row n lives on node n % 64.
# created_at is unique for ROWS < 31536000 and note for ROWS <= 1000002 (multiplications
# by primes modulo a larger prime / coprime range), so ORDER BY any of the keys has one
# correct output; note's mixed-case prefixes need the collation to order them.
ROW_EXPRS="seq,
  64 * ((seq DIV 64) * 40503 % 1563) + seq % 64,
  ELT(1 + (seq DIV 64) % 4, 'new', 'paid', 'shipped', 'cancelled'),
  ((seq * 7907) % 100000) / 100,
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL ((seq * 7919) % 31536000) SECOND,
  CONCAT(ELT(1 + (seq DIV 7) % 4, 'alpha', 'Bravo', 'charlie', 'Delta'), '-', LPAD((seq * 7927) % 1000003, 7, '0'))"

expected_sum=$(awk -v n="$ROWS" 'BEGIN { printf "%.0f", n * (n + 1) / 2 }')
sharded_totals() {  # count and sum(order_id) through the proxy (one row per node today, summed)
  proxy_sql -e "SELECT COUNT(*), SUM(order_id) FROM orders" |
    awk '{ c += $1; s += $2 } END { printf "%d %.0f\n", c, s }'
}
ref_totals() { sql "$P0" -e "SELECT COUNT(*), SUM(order_id) FROM mbench_ref.orders"; }

if [ "$(sharded_totals)" = "$ROWS $expected_sum" ] && [ "$(ref_totals | tr '\t' ' ')" = "$ROWS $expected_sum" ]; then
  echo "data: $ROWS rows already loaded (sharded and reference); not reloading"
  load_note="already loaded"
else
  echo "data: loading $ROWS rows into mbench_{0..7}.orders_{0..7} and mbench_ref.orders ..."
  t0=$(now)
  proxy_sql -e "TRUNCATE TABLE orders"
  sql "$P0" -e "TRUNCATE TABLE mbench_ref.orders"
  load_node_sql() {  # node indexes -> INSERT ... SELECT per node
    local k start
    for k in "$@"; do
      start=$k; [ "$k" -eq 0 ] && start=64
      [ "$start" -le "$ROWS" ] || continue
      echo "INSERT INTO mbench_$((k / 8)).orders_$((k % 8)) ($COLS) SELECT $ROW_EXPRS FROM mbench_$((k / 8)).seq_${start}_to_${ROWS}_step_64;"
    done
  }
  load_ref_sql() {
    local a b chunk=100000
    for ((a = 1; a <= ROWS; a += chunk)); do
      b=$((a + chunk - 1)); [ "$b" -le "$ROWS" ] || b=$ROWS
      echo "INSERT INTO mbench_ref.orders ($COLS) SELECT $ROW_EXPRS FROM mbench_ref.seq_${a}_to_${b};"
    done
  }
  load_node_sql $(seq 0 31) | sql "$P0" & l0=$!
  load_node_sql $(seq 32 63) | sql "$P1" & l1=$!
  load_ref_sql | sql "$P0" & l2=$!
  wait "$l0" && wait "$l1" && wait "$l2"
  load_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  # replicas apply the same rows; let them finish so they do not compete with the runs
  for pr in "$P0:$R0" "$P1:$R1"; do
    pos=$(sql "${pr%%:*}" -e "SELECT @@gtid_binlog_pos")
    [ "$(sql "${pr##*:}" -e "SELECT MASTER_GTID_WAIT('$pos', 600)")" = 0 ] ||
      echo "warning: replica on port ${pr##*:} did not catch up within 600 s"
  done
  total_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  load_note="loaded in ${load_s} s (${total_s} s with replicas caught up)"
  echo "data: $load_note"
fi

# Placement: every physical row on node user_id % 64 (checked on the backends), totals
# through the proxy, and point lookups through the proxy against the reference.
misplaced=0
for k in $(seq 0 63); do
  port=$P0; [ "$k" -ge 32 ] && port=$P1
  echo "SELECT COUNT(*) FROM mbench_$((k / 8)).orders_$((k % 8)) WHERE MOD(user_id, 64) <> $k;" >>"$tmp/place.$port"
done
for port in "$P0" "$P1"; do
  misplaced=$((misplaced + $(sql "$port" <"$tmp/place.$port" | awk '{ s += $1 } END { print s + 0 }')))
done
[ "$misplaced" -eq 0 ] || { echo "merge.sh: $misplaced rows are not on node user_id % 64" >&2; exit 1; }
[ "$(sharded_totals)" = "$ROWS $expected_sum" ] || { echo "merge.sh: totals through the proxy: $(sharded_totals), expected $ROWS $expected_sum" >&2; exit 1; }
lookups=0
for uid in $(sql "$P0" -e "SELECT DISTINCT user_id FROM mbench_ref.orders WHERE order_id IN
                           (1, 2, 63, 64, 65, 4097, $((ROWS / 3)), $((ROWS / 2)), $((ROWS - 1)), $ROWS)"); do
  q="SELECT COUNT(*), SUM(order_id) FROM orders WHERE user_id = $uid"
  via=$(proxy_sql -e "$q") ref=$(sql "$P0" mbench_ref -e "$q")
  [ "$via" = "$ref" ] || { echo "merge.sh: user_id $uid: proxy '$via' vs reference '$ref'" >&2; exit 1; }
  lookups=$((lookups + 1))
done
echo "data: placement verified (0 misplaced rows, totals match, $lookups point lookups through the proxy = reference)"

# ---- 1. streaming ORDER BY over every shard -------------------------------------------
status_kb() {  # status_kb FIELD: the proxy's /proc status field in kB
  local k v _
  while read -r k v _; do if [ "$k" = "$1:" ]; then echo "$v"; return 0; fi; done <"/proc/$proxy_pid/status"
  echo 0
}
sampler() {  # max VmRSS every 20 ms until $tmp/stop appears
  local max=0 v
  while [ ! -e "$tmp/stop" ]; do v=$(status_kb VmRSS); [ "${v:-0}" -gt "$max" ] && max=$v; sleep 0.02; done
  echo "$max" >"$tmp/rss_max"
}
stream() {  # stream PORT DB QUERY OUTFILE -> seconds
  local t0 t1
  t0=$(now)
  mariadb --no-defaults --quick -N -B -h127.0.0.1 -P"$1" -uapp -papp "$2" -e "$3" >"$4" || return 1
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

hwm_reset=yes
echo 5 >"/proc/$proxy_pid/clear_refs" 2>/dev/null || hwm_reset=no
declare -A S_REF S_PROXY S_ROWS S_SAME S_RSS S_RSS_SAMPLED S_RSS0
echo
echo "== 1. SELECT $COLS FROM orders ORDER BY <key>: $ROWS rows, client mariadb --quick -N -B (C, unbuffered) > tmpfs, median of $STREAM_RUNS"
printf '%-11s %5s %10s %10s %12s %12s %9s %14s %14s\n' key run ref_s proxy_s ref_rows/s proxy_rows/s proxy/ref proxy_rss0_MB rss_growth_MB
for key in $ORDER_KEYS; do
  refs=() proxies=() growth_max=0 sampled_max=0
  for r in $(seq "$STREAM_RUNS"); do
    ref_s=$(stream "$P0" mbench_ref "SELECT $COLS FROM orders ORDER BY $key" "$tmp/ref.out") ||
      { echo "merge.sh: the reference query failed" >&2; exit 1; }
    rss0=$(status_kb VmRSS)
    [ "$hwm_reset" = yes ] && echo 5 >"/proc/$proxy_pid/clear_refs"
    rm -f "$tmp/stop"; sampler & sp=$!
    proxy_s=$(stream "$PROXY_PORT" mbench "SELECT $COLS FROM orders ORDER BY $key" "$tmp/proxy.out") || proxy_s=failed
    touch "$tmp/stop"; wait "$sp"
    if [ "$proxy_s" = failed ]; then echo "merge.sh: the query through the proxy failed; proxy log:" >&2; cat "$tmp/proxy.log" >&2; exit 1; fi
    hwm=$(status_kb VmHWM) sampled=$(cat "$tmp/rss_max")
    peak=$sampled; [ "$hwm_reset" = yes ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    growth=$((peak - rss0)) sgrowth=$((sampled - rss0))
    [ "$growth" -gt "$growth_max" ] && growth_max=$growth
    [ "$sgrowth" -gt "$sampled_max" ] && sampled_max=$sgrowth
    refs+=("$ref_s") proxies+=("$proxy_s")
    printf '%-11s %5s %10s %10s %12.0f %12.0f %9s %14.1f %14.1f\n' "$key" "$r" "$ref_s" "$proxy_s" \
      "$(awk -v n="$ROWS" -v s="$ref_s" 'BEGIN { print n / s }')" \
      "$(awk -v n="$ROWS" -v s="$proxy_s" 'BEGIN { print n / s }')" \
      "$(ratio "$ref_s" "$proxy_s")" "$(awk -v k="$rss0" 'BEGIN { print k / 1024 }')" \
      "$(awk -v k="$growth" 'BEGIN { print k / 1024 }')"
  done
  S_REF[$key]=$(median "${refs[@]}") S_PROXY[$key]=$(median "${proxies[@]}")
  S_RSS[$key]=$growth_max S_RSS_SAMPLED[$key]=$sampled_max S_RSS0[$key]=$rss0
  S_ROWS[$key]=$(wc -l <"$tmp/proxy.out")
  ref_rows=$(wc -l <"$tmp/ref.out")
  if cmp -s "$tmp/ref.out" "$tmp/proxy.out"; then S_SAME[$key]=yes
  elif [ "$(sort "$tmp/ref.out" | md5sum)" = "$(sort "$tmp/proxy.out" | md5sum)" ]; then S_SAME[$key]="no: same rows, other order"
  else S_SAME[$key]="no: other rows"; fi
  echo "  $key: rows received through the proxy ${S_ROWS[$key]} (reference $ref_rows); output identical to the reference: ${S_SAME[$key]}"
  rm -f "$tmp/ref.out" "$tmp/proxy.out"
done

# ---- 2. ORDER BY ... LIMIT offset, count over every shard --------------------------------
echo
echo "== 2. SELECT $COLS FROM orders ORDER BY <key> LIMIT $OFFSET, $COUNT: $RUNS runs per side in one session (pymysql), median"
# shellcheck disable=SC2086  # ORDER_KEYS: validated words, one argument each
"$PY" - "$PROXY_PORT" "$P0" "$P1" "$RUNS" "$OFFSET" "$COUNT" "$COLS" $ORDER_KEYS >"$tmp/page.out" <<'PY'
import statistics, sys, time
import pymysql
proxy, p0, p1, runs, offset, count = (int(a) for a in sys.argv[1:7])
cols, keys = sys.argv[7], sys.argv[8:]

def conn(port, db=None):
    return pymysql.connect(host="127.0.0.1", port=port, user="app", password="app",
                           database=db, autocommit=True)

monitors = [conn(p0), conn(p1)]
def bytes_sent():
    out = []
    for c in monitors:
        with c.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS LIKE 'Bytes_sent'")
            out.append(int(cur.fetchone()[1]))
    return out

def overhead():  # bytes of one bytes_sent() round as seen by the next one, per backend
    deltas = []
    for _ in range(7):
        a = bytes_sent(); b = bytes_sent()
        deltas.append([y - x for x, y in zip(a, b)])
    return [statistics.median(d[i] for d in deltas) for i in range(2)]

def measure(port, db, q):
    c = conn(port, db)
    with c.cursor() as cur:
        cur.execute(q); rows = cur.fetchall()  # warm-up, also opens the proxy's backend connections
        ov = overhead()
        # A server counts bytes_sent after its write returns, so a status read on another
        # connection right after the client got the last packet can miss that packet:
        # let the counters settle before reading them.
        time.sleep(0.05)
        before = bytes_sent()
        lat = []
        for _ in range(runs):
            t = time.perf_counter()
            cur.execute(q); rows = cur.fetchall()
            lat.append(time.perf_counter() - t)
        time.sleep(0.05)
        after = bytes_sent()
    c.close()
    per = [max(0.0, (after[i] - before[i] - ov[i]) / runs) for i in range(2)]
    return statistics.median(lat) * 1000, per, rows, ov

for key in keys:
    q = f"SELECT {cols} FROM orders ORDER BY {key} LIMIT {offset}, {count}"
    ref_ms, ref_b, ref_rows, ov = measure(p0, "mbench_ref", q)
    px_ms, px_b, px_rows, _ = measure(proxy, "mbench", q)
    same = "yes" if list(px_rows) == list(ref_rows) else "no"
    print(f"{key} {ref_ms:.2f} {px_ms:.2f} {sum(ref_b):.0f} {px_b[0]:.0f} {px_b[1]:.0f} "
          f"{len(ref_rows)} {len(px_rows)} {same} {ov[0]:.0f} {ov[1]:.0f}")
PY
printf '%-11s %10s %10s %7s %12s %14s %14s %7s %9s %9s %6s\n' key ref_ms proxy_ms lat_x ref_B/query proxy_B/q_ds0 proxy_B/q_ds1 bytes_x ref_rows px_rows same
declare -A P_LINE
ovs="?"
while read -r key ref_ms px_ms ref_b b0 b1 ref_rows px_rows same ov0 ov1; do
  px_b=$((b0 + b1)) ovs="ds0 $ov0 B, ds1 $ov1 B"
  printf '%-11s %10s %10s %7s %12s %14s %14s %7s %9s %9s %6s\n' "$key" "$ref_ms" "$px_ms" "$(ratio "$px_ms" "$ref_ms")" \
    "$ref_b" "$b0" "$b1" "$(ratio "$px_b" "$ref_b")" "$ref_rows" "$px_rows" "$same"
  P_LINE[$key]="latency median ${px_ms} ms via proxy vs ${ref_ms} ms direct (x$(ratio "$px_ms" "$ref_ms")); backend bytes/query ${px_b} (ds0 ${b0} + ds1 ${b1}) vs ${ref_b} (x$(ratio "$px_b" "$ref_b")); rows ${px_rows} vs ${ref_rows}, same result: ${same}"
done <"$tmp/page.out"
echo "  (status reads' own bytes subtracted per measurement: $ovs; ratios: latency proxy/direct, bytes proxy(ds0+ds1)/direct)"

# ---- summary -------------------------------------------------------------------------------
worst=0
for key in $ORDER_KEYS; do if [ "${S_RSS[$key]}" -gt "$worst" ]; then worst=${S_RSS[$key]}; fi; done
verdict=PASS; [ "$worst" -lt $((RSS_TARGET_MB * 1024)) ] || verdict=FAIL
bp0=$(sql "$P0" -e "SELECT @@innodb_buffer_pool_size DIV 1048576")
echo
echo "==== summary: bench/merge.sh $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $ROWS rows over 64 tables on 2 primaries vs 1 reference table on p0"
echo "     proxy $BIN, workers=$WORKERS, $merge_note; data $load_note; innodb_buffer_pool ${bp0} MB per instance"
for key in $ORDER_KEYS; do
  echo "stream ORDER BY $key: $(awk -v n="$ROWS" -v s="${S_PROXY[$key]}" 'BEGIN { printf "%.0f", n / s }') rows/s via proxy vs" \
       "$(awk -v n="$ROWS" -v s="${S_REF[$key]}" 'BEGIN { printf "%.0f", n / s }') rows/s direct (ratio $(ratio "${S_REF[$key]}" "${S_PROXY[$key]}"));" \
       "rows received ${S_ROWS[$key]}; identical to reference: ${S_SAME[$key]};" \
       "proxy peak RSS growth $(awk -v k="${S_RSS[$key]}" 'BEGIN { printf "%.1f", k / 1024 }') MB" \
       "(sampled $(awk -v k="${S_RSS_SAMPLED[$key]}" 'BEGIN { printf "%.1f", k / 1024 }') MB, RSS before $(awk -v k="${S_RSS0[$key]}" 'BEGIN { printf "%.1f", k / 1024 }') MB)"
done
for key in $ORDER_KEYS; do echo "LIMIT $OFFSET, $COUNT ORDER BY $key: ${P_LINE[$key]:-(no result)}"; done
echo "peak RSS growth target < $RSS_TARGET_MB MB: $verdict (worst $(awk -v k="$worst" 'BEGIN { printf "%.1f", k / 1024 }') MB, VmHWM reset per query: $hwm_reset)"
if grep -qi "error" "$tmp/proxy.log"; then echo "proxy log:"; cat "$tmp/proxy.log"; fi
