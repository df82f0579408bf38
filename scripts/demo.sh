#!/usr/bin/env bash
# `make demo`: local MariaDB cluster + shardwire on 127.0.0.1:6033 with the demo
# sharding layout (scripts/demo-schema.sh, run through the proxy) and sample orders.
# The proxy stays in the foreground: Ctrl-C stops it (the cluster keeps running; stop
# it with scripts/cluster.sh down).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SHARDWIRE_BIN:-build/shardwire}
CONFIG=${SHARDWIRE_CONFIG:-conf/demo.json}

bash scripts/cluster.sh up
"$BIN" --check-config "$CONFIG"
"$BIN" --config "$CONFIG" &
proxy=$!
trap 'kill -TERM "$proxy" 2>/dev/null; wait "$proxy" 2>/dev/null' INT TERM
for _ in $(seq 100); do
  (echo >/dev/tcp/127.0.0.1/6033) 2>/dev/null && break
  kill -0 "$proxy" 2>/dev/null || { echo "demo: shardwire exited during start" >&2; exit 1; }
  sleep 0.1
done
bash scripts/demo-schema.sh
bash scripts/demo-legacy.sh
CA="$(cd var/cluster/tls && pwd)/ca.pem"
cat <<MSG

shardwire is running on 127.0.0.1:6033 (Ctrl-C stops it). Connect with:

    mariadb -h127.0.0.1 -P6033 -uapp -papp orders

TLS is on, with the local CA in $CA (make-certs.sh); verify the proxy against it
and log in with caching_sha2_password (user sha2, password sha2):

    mariadb -h127.0.0.1 -P6033 -usha2 -psha2 --ssl --ssl-ca=$CA --ssl-verify-server-cert orders

and try:
    SELECT * FROM order_info WHERE user_id = 42;
    SHARDWIRE EXPLAIN SELECT * FROM order_info WHERE user_id = 42;
    INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (42, 1, 'new', 9.99, NOW());
    SELECT status, COUNT(*), AVG(amount) FROM order_info GROUP BY status ORDER BY 2 DESC;  -- merged from 64 tables

orders commits cross-shard transactions with XA (docs/transactions.md): user 1 lives on
ds0, user 40 on ds1, and this commits on both or neither:
    SELECT @@shardwire_transaction_mode;
    SHARDWIRE NEXT ID FOR order_info WITH user_id = 40;  -- an id to insert with (and retry safely)
    BEGIN;
    INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (1, 1, 'new', 5, NOW());
    INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) VALUES (40, 2, 'new', 7, NOW());
    COMMIT;

The admin API (docs/admin.md) listens on 127.0.0.1:6080:

    curl -s 127.0.0.1:6080/v1/backends
    curl -s '127.0.0.1:6080/v1/digests?order_by=count&limit=5'
    curl -s 127.0.0.1:6080/metrics
    curl -s 127.0.0.1:6080/v1/transactions

Online migration (docs/migrations.md): legacy.legacy_orders is one table on ds0, as a
shop starts. This moves it into the 8 x 8 order_info layout while it keeps taking writes,
step by step through the admin API (double-write, backfill, verify, switch reads, switch
writes, cleanup), printing each step:

    bash scripts/demo-migration.sh
    curl -s 127.0.0.1:6080/v1/migrations

MSG
wait "$proxy"
