#!/usr/bin/python3
"""The `make demo` migration walk-through stays true: scripts/demo-legacy.sh and
scripts/demo-migration.sh (docs/migrations.md) run against a proxy with the demo layout
(conf/demo.json's schemas) and the admin API, and leave legacy.legacy_orders migrated
into orders.migrated_orders: every legacy row (and the walk-through's own writes) on its
shard, none lost or twice, the source kept as legacy.legacy_orders_old, its old name
served by the 8 x 8 layout. Drops and recreates `orders`, db_0..db_7 and `legacy`.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, demo_schemas, env, free_port, main_cases  # noqa: E402

admin_port = free_port()
proxy = Proxy("demo-migration", config={"schemas": demo_schemas(),
                                        "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"}})
COLUMNS = "order_id, user_id, merchant_id, status, amount, region_id, created_at"


def script(name, **extra):
    e = {k: v for k, v in os.environ.items() if k not in ("ORDERS", "USERS", "PROXY_HOST", "JOB", "ADMIN")}
    e.update({"PROXY_PORT": str(proxy.port), "ADMIN": f"{HOST}:{admin_port}", **extra})
    r = subprocess.run(["bash", os.path.join(env("SHARDWIRE_SOURCE_DIR"), "scripts", name)], env=e,
                       capture_output=True, text=True, timeout=300)
    print(r.stdout[-3000:], flush=True)
    check_eq(r.returncode, 0, f"{name} exit code (stderr: {r.stderr[-2000:]})")
    return r.stdout


def drop_everything():
    for node in ("p0", "p1"):
        with backend(node) as b, b.cursor() as c:
            for db in ["orders", "legacy"] + [f"db_{i}" for i in range(8)]:
                c.execute(f"DROP DATABASE IF EXISTS `{db}`")


def test_setup():
    drop_everything()
    proxy.start()
    script("demo-schema.sh", ORDERS="300")
    script("demo-legacy.sh", LEGACY_ORDERS="3000")


def test_the_walk_through():
    out = script("demo-migration.sh")
    check("== 7. cleanup" in out and "rows kept in legacy.legacy_orders_old" in out, "every step printed")


def test_nothing_lost_or_twice():
    with backend("p0") as b, b.cursor() as c:
        c.execute(f"SELECT {COLUMNS} FROM legacy.legacy_orders_old")
        source = {r[0]: r for r in c.fetchall()}
        c.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE '\\\\_sw\\\\_%'")
        check_eq(c.fetchone()[0], 0, "no migration trigger left")
    target, twice = {}, 0
    for node, dbs in (("p0", range(4)), ("p1", range(4, 8))):
        with backend(node) as b, b.cursor() as c:
            for d in dbs:
                for t in range(8):
                    c.execute(f"SELECT {COLUMNS} FROM db_{d}.migrated_orders_{t}")
                    for r in c.fetchall():
                        twice += r[0] in target
                        check_eq(r[1] % 64, d * 8 + t, f"order {r[0]} on its user's shard")
                        target[r[0]] = r
    check_eq(twice, 0, "rows on two shards")
    check_eq(sorted(source), sorted(target), "the same orders on both sides")
    check_eq([k for k in source if source[k] != target[k]], [], "orders that differ")
    check(len(source) >= 3000, f"the legacy orders and the walk-through's writes: {len(source)}")
    with proxy.connect(db="legacy") as conn, conn.cursor() as c:
        c.execute("SELECT COUNT(*) FROM legacy_orders")  # the old name, served by the 8 x 8 layout
        check_eq(c.fetchone()[0], len(target), "rows through the old name")


def test_cleanup():
    drop_everything()


if __name__ == "__main__":
    main_cases([test_setup, test_the_walk_through, test_nothing_lost_or_twice, test_cleanup], lambda: [proxy])
