#!/usr/bin/env bash
# The online migration walk-through (docs/migrations.md): legacy.legacy_orders (one
# table on ds0, scripts/demo-legacy.sh) into the demo's 8 x 8 orders.migrated_orders, step by
# step through the admin API, while this script writes to the legacy table through the
# proxy between steps. Run it against `make demo` (or any proxy with the demo layout).
# Env: PROXY_HOST (127.0.0.1), PROXY_PORT (6033), ADMIN (127.0.0.1:6080),
# JOB (legacy_to_8x8), RENAME_TO (legacy_orders_old).
set -euo pipefail
HOST=${PROXY_HOST:-127.0.0.1} PORT=${PROXY_PORT:-6033} ADMIN=${ADMIN:-127.0.0.1:6080}
JOB=${JOB:-legacy_to_8x8} RENAME_TO=${RENAME_TO:-legacy_orders_old}
sql() { mariadb --no-defaults -h"$HOST" -P"$PORT" -uapp -papp legacy "$@"; }
api() {  # METHOD PATH [BODY]: prints the answer, fails on a 4xx/5xx
  curl -sS --fail-with-body -X "$1" "http://$ADMIN$2" ${3:+-H 'Content-Type: application/json' -d "$3"}
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }
job() { api GET "/v1/migrations/$JOB"; }
wait_until() {  # PYTHON-EXPRESSION over the job d, what it waits for
  for _ in $(seq 600); do
    if [ "$(job | python3 -c "import json,sys; d=json.load(sys.stdin); print(bool($1))")" = True ]; then return 0; fi
    sleep 0.2
  done
  echo "demo-migration: $2: not within 120 s; the job: $(job)" >&2
  exit 1
}
step() { printf '\n== %s\n' "$*"; }
write_some() {  # a few writes through the proxy, as the application would
  local paid next
  paid=$(sql -N -e "SELECT MIN(order_id) FROM legacy_orders WHERE status = 'new'")
  next=$(sql -N -e "SELECT MAX(order_id) + 64 FROM legacy_orders WHERE user_id = 42")
  sql -e "UPDATE legacy_orders SET status = 'paid' WHERE order_id = $paid;
          INSERT INTO legacy_orders (order_id, user_id, merchant_id, status, amount, created_at)
            VALUES (${next/NULL/$((2000000 * 64 + 42))}, 42, 1, 'new', 1.00, NOW());"
}

step "1. create the job: legacy.legacy_orders -> orders.migrated_orders (db_0..7 x migrated_orders_0..7)"
if ! api GET "/v1/migrations/$JOB" >/dev/null 2>&1; then
  api POST /v1/migrations "{\"name\": \"$JOB\", \"source\": {\"data_source\": \"ds0\", \"database\": \"legacy\", \"table\": \"legacy_orders\"},
                            \"target\": {\"schema\": \"orders\", \"table\": \"migrated_orders\"}, \"throttle\": {\"rows_per_second\": 2000}}" |
    field "['phase']"
fi
step "2. double-write: triggers on the source log every write; the job applies each to the 64 tables"
api POST "/v1/migrations/$JOB/double_write" >/dev/null
wait_until "d['phase'] != 'created'" "double-write on"
write_some
step "3. backfill: history copied in locked key ranges, 2000 rows/s"
api POST "/v1/migrations/$JOB/backfill" >/dev/null
while [ "$(job | field "['backfill']['done']")" != True ]; do
  job | python3 -c "import json,sys; d=json.load(sys.stdin); b=d['backfill']; p=d['progress']
print(f\"   {b['rows_copied']} of ~{b['rows_total']} rows, {b['rate']:.0f} rows/s, eta {p['eta_seconds'] or 0:.0f} s\")"
  write_some
  sleep 1
done
step "4. verify: checksums of both sides by key range"
api POST "/v1/migrations/$JOB/verify" '{"chunk_rows": 1000}' >/dev/null
wait_until "d['verify']['done']" "verification"
job | field "['verify']['differences']"
step "5. switch reads: SELECTs of legacy_orders now read the 64 tables"
api POST "/v1/migrations/$JOB/switch_reads" | field "['phase']"
sql -e "SHARDWIRE EXPLAIN SELECT COUNT(*) FROM legacy_orders WHERE user_id = 42" | head -3
write_some
step "6. switch writes: the target authoritative, the source kept current as the way back"
api POST "/v1/migrations/$JOB/switch_writes" >/dev/null
wait_until "d['phase'] == 'switch_writes'" "switch of writes"
write_some
sql -e "SHARDWIRE EXPLAIN UPDATE legacy_orders SET status = 'paid' WHERE user_id = 42" | head -3
step "7. cleanup: triggers dropped, the source kept as legacy.$RENAME_TO"
api POST "/v1/migrations/$JOB/cleanup" "{\"rename_source_to\": \"$RENAME_TO\"}" >/dev/null
wait_until "d['phase'] == 'cleaned_up'" "cleanup"
echo "   rows through the old name (the 8 x 8 layout): $(sql -N -e 'SELECT COUNT(*) FROM legacy_orders')"
echo "   rows kept in legacy.$RENAME_TO: $(sql -N -e "SELECT COUNT(*) FROM $RENAME_TO")"
step "done: GET http://$ADMIN/v1/migrations/$JOB has the whole story; /metrics has shardwire_migration_*"
