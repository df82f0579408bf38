#!/usr/bin/env bash
# Creates the demo's logical database `orders` THROUGH THE PROXY (so DDL fans out to
# db_0..db_7 x order_info_0..7 / order_item_0..7 and every copy of `region`), then
# loads sample orders when the tables are empty. Idempotent: safe to run again.
# Env: PROXY_HOST (127.0.0.1), PROXY_PORT (6033), ORDERS (2000), USERS (500).
set -euo pipefail
HOST=${PROXY_HOST:-127.0.0.1} PORT=${PROXY_PORT:-6033} ORDERS=${ORDERS:-2000} USERS=${USERS:-500}
sql() { mariadb --no-defaults -h"$HOST" -P"$PORT" -uapp -papp "$@"; }

sql -e "CREATE DATABASE IF NOT EXISTS orders"
sql orders <<'SQL'
CREATE TABLE IF NOT EXISTS order_info (
  order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  merchant_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  region_id INT NULL,
  created_at DATETIME NOT NULL,
  KEY idx_user (user_id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS order_item (
  item_id BIGINT NOT NULL PRIMARY KEY,
  order_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  quantity INT NOT NULL,
  price DECIMAL(12,2) NOT NULL,
  KEY idx_order (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS region (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS merchant (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
SQL

if [ -n "$(sql -N orders -e 'SELECT order_id FROM order_info LIMIT 1')" ]; then
  echo "demo-schema: orders already has data; nothing loaded"
  exit 0
fi

echo "demo-schema: loading $ORDERS orders for $USERS users"
# Deterministic sample data. order_id = n*64 + user_id%64, so it lands on its user's
# shard as the gene rule requires; order_item ids come from the proxy's generator.
awk -v orders="$ORDERS" -v users="$USERS" 'BEGIN {
  srand(42);
  statuses[0]="new"; statuses[1]="paid"; statuses[2]="shipped"; statuses[3]="cancelled";
  print "INSERT INTO region (id, name) VALUES (1,'\''north'\''), (2,'\''south'\''), (3,'\''east'\''), (4,'\''west'\'');";
  print "INSERT INTO merchant (id, name) VALUES (1,'\''acme'\''), (2,'\''globex'\''), (3,'\''initech'\'');";
  for (n = 1; n <= orders; n++) {
    u = 1 + int(rand() * users);
    id = n * 64 + (u % 64);
    if ((n - 1) % 100 == 0) { if (n > 1) print ";"; printf "INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, region_id, created_at) VALUES "; sep = "" }
    printf "%s(%d, %d, %d, '\''%s'\'', %.2f, %d, '\''2026-%02d-%02d %02d:%02d:00'\'')", sep, id, u, 1 + int(rand() * 3), statuses[int(rand() * 4)], 1 + rand() * 500, 1 + int(rand() * 4), 1 + int(rand() * 10), 1 + int(rand() * 28), int(rand() * 24), int(rand() * 60);
    sep = ", ";
    items[n] = sprintf("%d %d", id, u);
  }
  print ";";
  for (n = 1; n <= orders; n++) {
    split(items[n], f, " ");
    if ((n - 1) % 100 == 0) { if (n > 1) print ";"; printf "INSERT INTO order_item (order_id, user_id, product_id, quantity, price) VALUES "; sep = "" }
    printf "%s(%d, %d, %d, %d, %.2f)", sep, f[1], f[2], 100 + int(rand() * 50), 1 + int(rand() * 3), 1 + rand() * 100;
    sep = ", ";
  }
  print ";";
}' | sql orders
echo "demo-schema: done"
