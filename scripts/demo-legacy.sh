#!/usr/bin/env bash
# The tables of the migration walk-through (scripts/demo-migration.sh, docs/migrations.md),
# made THROUGH THE PROXY: the "before sharding" database `legacy` with one table
# `legacy_orders` on the default data source (`legacy` is not a logical database:
# statements pass through as written), and the empty target orders.migrated_orders (its
# DDL fans out to db_0..7.migrated_orders_0..7). Columns as order_info's; legacy order ids
# carry their user's gene (n*64 + user_id%64) as the 8 x 8 layout needs. Idempotent.
# Env: PROXY_HOST (127.0.0.1), PROXY_PORT (6033), LEGACY_ORDERS (5000), USERS (500).
set -euo pipefail
HOST=${PROXY_HOST:-127.0.0.1} PORT=${PROXY_PORT:-6033} ORDERS=${LEGACY_ORDERS:-5000} USERS=${USERS:-500}
sql() { mariadb --no-defaults -h"$HOST" -P"$PORT" -uapp -papp "$@"; }

sql -e "CREATE DATABASE IF NOT EXISTS legacy"
for table in orders.migrated_orders legacy.legacy_orders; do
sql <<SQL
CREATE TABLE IF NOT EXISTS $table (
  order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  merchant_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  region_id INT NULL,
  created_at DATETIME NOT NULL,
  KEY idx_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
SQL
done
if [ -n "$(sql -N legacy -e 'SELECT order_id FROM legacy_orders LIMIT 1')" ]; then
  echo "demo-legacy: legacy.legacy_orders already has data"
  exit 0
fi
echo "demo-legacy: loading $ORDERS legacy orders"
# Ids from n = 1000000 up: never one of demo-schema.sh's sample orders.
awk -v orders="$ORDERS" -v users="$USERS" 'BEGIN {
  srand(7);
  split("new paid shipped cancelled", statuses, " ");
  for (n = 1; n <= orders; n++) {
    u = 1 + int(rand() * users);
    id = (1000000 + n) * 64 + (u % 64);
    if ((n - 1) % 500 == 0) { if (n > 1) print ";"; printf "INSERT INTO legacy_orders VALUES "; sep = "" }
    printf "%s(%d, %d, %d, '\''%s'\'', %.2f, %d, '\''2025-%02d-%02d 12:00:00'\'')", sep, id, u, 1 + int(rand() * 3), statuses[1 + int(rand() * 4)], 1 + rand() * 500, 1 + int(rand() * 4), 1 + int(rand() * 12), 1 + int(rand() * 28);
    sep = ", ";
  }
  print ";";
}' | sql legacy
