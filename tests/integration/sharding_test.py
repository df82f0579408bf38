#!/usr/bin/python3
"""Sharding end to end: a proxy with the demo's "schemas" section (conf/demo.json) in
front of the test cluster (ds0 = p0, ds1 = p1). The layout is created as a user would
(scripts/demo-schema.sh through the proxy); every routed statement is then checked
twice: SHARDWIRE EXPLAIN names the expected physical tables, and its effects are
verified DIRECTLY on the backends (row placement, checksums of every physical table)."""
import collections
import os
import re
import subprocess

import pymysql

from harness import Proxy, backend, check, check_eq, demo_schemas, env, expect_error, main_cases

proxy = None
DIRECT = {}   # "p0"/"p1" -> a direct backend session
KINDS = ("order_info", "order_item")
SAMPLES = []  # demo users with orders: some on ds0, some on ds1
TEST_USER = 1_000_000  # % 64 == 0: TEST_USER + s is a fresh user of slot s


def where(slot):
    """slot -> (data source, backend node, physical database, table suffix)."""
    return ("ds0", "p0") if slot < 32 else ("ds1", "p1"), f"db_{slot // 8}", slot % 8


def phys(slot, kind="order_info"):
    _, db, t = where(slot)
    return f"{db}.{kind}_{t}"


def direct(sql, node="p0", args=None):
    with DIRECT[node].cursor() as c:
        c.execute(sql, args)
        return list(c.fetchall())


def on_slot(slot, sql, args=None):
    """sql with {} = the slot's physical database, run directly on its backend."""
    (_, node), db, t = where(slot)
    return direct(sql.format(db=db, t=t), node, args)


def conn(db="orders"):
    return proxy.connect(db=db)


LAST_ROWID = [None]  # cursor.lastrowid (the OK packet's insert id) of the last q()


def q(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        LAST_ROWID[0] = cur.lastrowid
        return list(cur.fetchall()) if cur.description else cur.rowcount


def explain(c, sql, args=None):
    return q(c, "SHARDWIRE EXPLAIN " + sql, args)


def check_explain_one(c, sql, slot, kind="order_info", args=None):
    rows = explain(c, sql, args)
    check_eq(len(rows), 1, f"SHARDWIRE EXPLAIN targets of {sql}")
    (ds, _), db, t = where(slot)
    check_eq(rows[0][:2], (ds, db), f"data source/database of {sql}")
    check(re.search(rf"`?{db}`?\.`?{kind}_{t}`?(\W|$)", rows[0][2]), f"{rows[0][2]!r} names {db}.{kind}_{t}")


def checksums():
    """Checksum of every order_info/order_item physical table, read directly."""
    out = {}
    for node, dbs in (("p0", range(4)), ("p1", range(4, 8))):
        names = [f"db_{d}.{k}_{t}" for d in dbs for k in KINDS for t in range(8)]
        out.update(direct("CHECKSUM TABLE " + ", ".join(names), node))
    return out


def changed_by(c, sql, args=None):
    """Runs sql through the proxy; returns (affected rows, physical tables whose checksum changed)."""
    before = checksums()
    n = q(c, sql, args)
    after = checksums()
    return n, {t for t in before if before[t] != after[t]}


def all_rows(kind, cols, where_sql=""):
    return collections.Counter(r for s in range(64) for r in on_slot(s, f"SELECT {cols} FROM {phys(s, kind)} {where_sql}"))


def demo_schema():
    r = subprocess.run(["bash", os.path.join(env("SHARDWIRE_SOURCE_DIR"), "scripts", "demo-schema.sh")],
                       env={**{k: v for k, v in os.environ.items() if k not in ("ORDERS", "USERS", "PROXY_HOST")},
                            "PROXY_PORT": str(proxy.port)}, capture_output=True, text=True, timeout=180)
    check_eq(r.returncode, 0, f"demo-schema.sh exit code (stderr: {r.stderr[-2000:]})")
    return r.stdout


# --- 1. layout ------------------------------------------------------------------------
def test_demo_schema_creates_the_layout():
    for node in ("p0", "p1"):
        for db in ["orders"] + [f"db_{i}" for i in range(8)]:
            direct(f"DROP DATABASE IF EXISTS `{db}`", node)
    check("loading 2000 orders" in demo_schema(), "first run loads the sample orders")
    for node, dbs in (("p0", range(4)), ("p1", range(4, 8))):
        expected = {(f"db_{d}", f"{k}_{t}") for d in dbs for k in KINDS for t in range(8)}
        expected |= {(f"db_{d}", "region") for d in dbs}
        if node == "p0":
            # the unsharded merchant, and the (empty) metadata shadows of the logical tables
            expected |= {("orders", "merchant"), ("orders", "order_info"), ("orders", "order_item"), ("orders", "region")}
        # Only the demo's databases: other tests' layouts (sw_<client>_N) share the cluster.
        got = set(direct("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'orders' "
                         "OR table_schema REGEXP '^db_[0-9]+$'", node))
        check_eq(got, expected, f"physical tables on {node}")
    check("already has data" in demo_schema(), "second run is a no-op")
    check_eq(direct("SELECT COUNT(*) FROM orders.merchant")[0][0], 3, "merchants on p0")
    for t in ("order_info", "order_item", "region"):
        check_eq(direct(f"SELECT COUNT(*) FROM orders.{t}")[0][0], 0, f"metadata shadow orders.{t} stays empty")


# --- 2. placement ---------------------------------------------------------------------
def test_rows_are_placed_by_the_gene_rule():
    for kind in KINDS:
        total = 0
        for s in range(64):
            rows = on_slot(s, f"SELECT order_id, user_id FROM {phys(s, kind)}")
            total += len(rows)
            bad = [r for r in rows if r[0] % 64 != s or r[1] % 64 != s]
            check(not bad, f"{phys(s, kind)} holds rows of other slots: {bad[:5]}")
        check_eq(total, 2000, f"{kind} rows over all physical tables")
    items = all_rows("order_item", "item_id")
    check(min(items) > (0,) and max(items.values()) == 1, "generated item_ids are positive and unique")
    for d in range(8):
        check_eq(on_slot(d * 8, "SELECT id, name FROM {db}.region ORDER BY id"),
                 [(1, "north"), (2, "south"), (3, "east"), (4, "west")], f"db_{d}.region")
    users = collections.defaultdict(int)
    for (u,) in all_rows("order_info", "user_id").elements():
        users[u] += 1
    for lo, hi in ((0, 32), (32, 64)):  # two users with 2+ orders on each data source
        SAMPLES.extend(sorted(u for u in users if lo <= u % 64 < hi and users[u] >= 2)[:2])
    check_eq(len(SAMPLES), 4, "sample users")


# --- 3. point statements ----------------------------------------------------------------
def test_point_statements_touch_one_table():
    c = conn()
    check(SAMPLES, "sample users (picked by the placement case)")
    for u in SAMPLES:
        s = u % 64
        cols = "order_id, user_id, status, amount, created_at"
        mine = sorted(on_slot(s, f"SELECT {cols} FROM {phys(s)} WHERE user_id = %s", (u,)))
        check_eq(sorted(q(c, f"SELECT {cols} FROM order_info WHERE user_id = %s", (u,))), mine, f"user {u}'s orders")
        oid = mine[0][0]
        check_eq(q(c, f"SELECT {cols} FROM order_info WHERE order_id = %s", (oid,)), [mine[0]], f"order {oid}")
        for key, v in (("user_id", u), ("order_id", oid)):
            for stmt in ("SELECT * FROM order_info", "UPDATE order_info SET status = 'x'", "DELETE FROM order_info"):
                check_explain_one(c, f"{stmt} WHERE {key} = %s", s, args=(v,))
        n, changed = changed_by(c, "UPDATE order_info SET status = %s WHERE user_id = %s", (f"u{u}", u))
        check_eq((n, changed), (len(mine), {phys(s)}), f"UPDATE by user_id {u}: rows, tables changed")
        check_eq(on_slot(s, f"SELECT DISTINCT status FROM {phys(s)} WHERE user_id = %s", (u,)), [(f"u{u}",)], "updated")
        n, changed = changed_by(c, "UPDATE order_info SET amount = amount + 1 WHERE order_id = %s", (oid,))
        check_eq((n, changed), (1, {phys(s)}), f"UPDATE by order_id {oid}: rows, tables changed")
        check_eq(on_slot(s, f"SELECT amount FROM {phys(s)} WHERE order_id = %s", (oid,))[0][0], mine[0][3] + 1, "amount")


def test_insert_generates_order_id_on_the_users_shard():
    c = conn()
    for s in (5, 37):
        u = TEST_USER + s
        n, changed = changed_by(c, "INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) "
                                   "VALUES (%s, 1, 'gen', 9.99, NOW())", (u,))
        check_eq((n, changed), (1, {phys(s)}), f"INSERT without order_id for user {u}")
        rows = on_slot(s, f"SELECT order_id FROM {phys(s)} WHERE user_id = %s", (u,))
        check_eq(len(rows), 1, f"user {u}'s generated order in {phys(s)}")
        oid = rows[0][0]
        # the generated key is the statement's insert id, as AUTO_INCREMENT would report it
        check_eq(LAST_ROWID[0], oid, "insert id in the OK packet (cursor.lastrowid)")
        check_eq(q(c, "SELECT LAST_INSERT_ID()"), [(oid,)], "LAST_INSERT_ID() after the INSERT")
        check(oid > 0 and oid % 64 == s, f"generated order_id {oid} carries the gene {s}")
        check_explain_one(c, "SELECT * FROM order_info WHERE order_id = %s", s, args=(oid,))
        check_eq(q(c, "SELECT user_id, status FROM order_info WHERE order_id = %s", (oid,)), [(u, "gen")], "read back")
        n, changed = changed_by(c, "DELETE FROM order_info WHERE order_id = %s", (oid,))
        check_eq((n, changed), (1, {phys(s)}), f"DELETE by order_id {oid}")
        check_eq(on_slot(s, f"SELECT COUNT(*) FROM {phys(s)} WHERE user_id = %s", (u,))[0][0], 0, "deleted")
    # several rows over both data sources: the insert id is the first row's key
    u1, u2 = TEST_USER + 40, TEST_USER + 3
    n = q(c, "INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) "
             "VALUES (%s, 1, 'gen2', 1.00, NOW()), (%s, 1, 'gen2', 2.00, NOW())", (u1, u2))
    check_eq(n, 2, "two generated rows")
    first = on_slot(40, f"SELECT order_id FROM {phys(40)} WHERE user_id = %s", (u1,))[0][0]
    check_eq(LAST_ROWID[0], first, "multi-node INSERT: insert id = first row's generated key")
    check_eq(q(c, "SELECT LAST_INSERT_ID()"), [(first,)], "LAST_INSERT_ID() after a multi-node INSERT")
    q(c, "DELETE FROM order_info WHERE status = 'gen2'")


def test_multi_row_insert_spans_shards():
    c = conn()
    slots = (0, 9, 31, 32, 45, 63)
    values = ", ".join(f"({(30000 + s) * 64 + s}, {TEST_USER + s}, 2, 'multi', 1.50, '2026-01-01')" for s in slots)
    n, changed = changed_by(c, "INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
                               "VALUES " + values)
    check_eq((n, changed), (len(slots), {phys(s) for s in slots}), "multi-row INSERT: rows, tables changed")
    for s in slots:
        check_eq(on_slot(s, f"SELECT order_id, user_id FROM {phys(s)} WHERE status = 'multi'"),
                 [((30000 + s) * 64 + s, TEST_USER + s)], f"row of slot {s}")
    # generated ids, two users on different data sources in one statement
    n, changed = changed_by(c, "INSERT INTO order_item (order_id, user_id, product_id, quantity, price) VALUES "
                               f"({30000 * 64 + 9}, {TEST_USER + 9}, 7, 1, 2.00), "
                               f"({30045 * 64 + 45}, {TEST_USER + 45}, 7, 2, 3.00)")
    check_eq((n, changed), (2, {phys(9, "order_item"), phys(45, "order_item")}), "order_item INSERT")
    n, changed = changed_by(c, "DELETE FROM order_item WHERE user_id = %s", (TEST_USER + 45,))
    check_eq((n, changed), (1, {phys(45, "order_item")}), "DELETE by user_id")


# --- 4. multi-shard reads --------------------------------------------------------------------
def test_multi_shard_reads_return_every_row():
    c = conn()
    cols = "order_id, user_id, status, amount, created_at"
    users = tuple(SAMPLES)
    expected = collections.Counter(r for u in users for r in
                                   on_slot(u % 64, f"SELECT {cols} FROM {phys(u % 64)} WHERE user_id = %s", (u,)))
    got = q(c, f"SELECT {cols} FROM order_info WHERE user_id IN %s", (users,))
    check_eq(collections.Counter(got), expected, "rows of user_id IN (...)")
    check_eq(len(explain(c, "SELECT * FROM order_info WHERE user_id IN %s", (users,))), len({u % 64 for u in users}),
             "IN list targets")
    for kind, kcols in (("order_info", cols), ("order_item", "item_id, order_id, user_id, product_id, price")):
        check_eq(collections.Counter(q(c, f"SELECT {kcols} FROM {kind}")), all_rows(kind, kcols),
                 f"{kind} without a key: the union of all physical tables")
    check_eq(len(explain(c, "SELECT * FROM order_info")), 64, "targets without a key")


# --- 5. joins ---------------------------------------------------------------------------
def test_joins_run_on_the_shard():
    c = conn()
    for u in SAMPLES:
        s = u % 64
        shard = on_slot(s, "SELECT i.order_id, it.item_id, it.quantity FROM {db}.order_info_{t} i JOIN "
                        "{db}.order_item_{t} it ON it.order_id = i.order_id WHERE i.user_id = %s", (u,))
        check(shard, f"user {u} has order items")
        sql = ("SELECT i.order_id, it.item_id, it.quantity FROM order_info i JOIN order_item it "
               "ON it.order_id = i.order_id WHERE i.user_id = %s")
        check_eq(sorted(q(c, sql, (u,))), sorted(shard), f"aliased join for user {u}")
        check_explain_one(c, sql, s, args=(u,))
        sql = ("SELECT order_info.order_id, order_item.item_id, order_item.quantity FROM order_info JOIN order_item "
               "ON order_item.order_id = order_info.order_id WHERE order_info.user_id = %s")
        check_eq(sorted(q(c, sql, (u,))), sorted(shard), f"unaliased join for user {u}")
        shard = on_slot(s, "SELECT i.order_id, r.name FROM {db}.order_info_{t} i JOIN {db}.region r "
                        "ON r.id = i.region_id WHERE i.user_id = %s", (u,))
        check_eq(sorted(q(c, "SELECT i.order_id, r.name FROM order_info i JOIN region r ON r.id = i.region_id "
                             "WHERE i.user_id = %s", (u,))), sorted(shard), f"join with region for user {u}")
    sql = "SELECT i.order_id, it.item_id FROM order_info i JOIN order_item it ON it.order_id = i.order_id"
    expected = collections.Counter(r for s in range(64) for r in on_slot(
        s, "SELECT i.order_id, it.item_id FROM {db}.order_info_{t} i JOIN {db}.order_item_{t} it ON it.order_id = i.order_id"))
    check_eq(collections.Counter(q(c, sql)), expected, "join without a key, node by node")


# --- 6. broadcast ------------------------------------------------------------------------
def regions():
    return [on_slot(d * 8, "SELECT id, name FROM {db}.region ORDER BY id") for d in range(8)]


def test_broadcast_writes_reach_every_copy():
    c = conn()
    check_eq(q(c, "INSERT INTO region (id, name) VALUES (5, 'center')"), 8, "INSERT affected rows summed over copies")
    check(all(r[-1] == (5, "center") for r in regions()), f"INSERT in every copy: {regions()}")
    q(c, "UPDATE region SET name = 'middle' WHERE id = 5")
    check(all(r[-1] == (5, "middle") for r in regions()), "UPDATE in every copy")
    check_eq(q(c, "SELECT name FROM region WHERE id = 5"), [("middle",)], "read from one copy")
    direct("DROP TABLE db_6.region", "p1")
    try:
        for sql in ("UPDATE region SET name = 'half' WHERE id = 5", "INSERT INTO region (id, name) VALUES (6, 'x')"):
            e = expect_error(1146, q, c, sql)
            msg = e.args[1]
            check("failed on 1 of 8 nodes (ds1:db_6)" in msg, f"failed node named: {msg}")
            ok = msg.split("succeeded on:")[-1]
            check(all(f"ds{d // 4}:db_{d}" in ok for d in range(8) if d != 6), f"succeeded nodes named: {msg}")
        check_eq(q(c, "SELECT 1"), [(1,)], "session usable after a partial write")
    finally:
        direct("CREATE TABLE db_6.region LIKE db_5.region", "p1")
        direct("INSERT INTO db_6.region SELECT * FROM db_5.region", "p1")
    check_eq(q(c, "DELETE FROM region WHERE id >= 5"), 16, "DELETE from every copy")
    base = [(1, "north"), (2, "south"), (3, "east"), (4, "west")]
    check_eq(regions(), [base] * 8, "copies restored")


# --- 7. DDL fan-out ---------------------------------------------------------------------
def note_columns(kind="order_info"):
    sql = ("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema LIKE 'db\\_%%' "
           "AND table_name LIKE %s AND column_name = 'note'")
    return [direct(sql, node, (kind + "\\_%",))[0][0] for node in ("p0", "p1")]


def shadow_columns(kind="order_info"):
    return [r[0] for r in direct("SELECT COLUMN_NAME FROM information_schema.columns WHERE table_schema = 'orders' "
                                 "AND table_name = %s ORDER BY ORDINAL_POSITION", "p0", (kind,))]


def test_ddl_reaches_every_node():
    c = conn()
    q(c, "ALTER TABLE order_info ADD COLUMN note VARCHAR(20)")
    check_eq(note_columns(), [32, 32], "order_info tables with note on p0, p1")
    check_eq(shadow_columns()[-1], "note", "the metadata shadow orders.order_info has note too")
    check_eq([r[0] for r in q(c, "SHOW COLUMNS FROM order_info")][-1], "note", "SHOW COLUMNS (the shadow)")
    check_eq(note_columns("order_item"), [0, 0], "order_item untouched")
    q(c, "ALTER TABLE order_info DROP COLUMN note")
    check_eq(note_columns(), [0, 0], "note dropped everywhere")
    check("note" not in shadow_columns(), "note dropped from the shadow")


# --- 8. errors and pass-through ---------------------------------------------------------
def test_refused_statements_change_nothing():
    c = conn()
    u = SAMPLES[0]
    before = checksums()
    e = expect_error(1235, q, c, "UPDATE order_info SET user_id = %s WHERE user_id = %s", (u + 1, u))
    check("sharding column" in e.args[1], e.args[1])
    expect_error(1235, q, c, "INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
                             f"VALUES ({40000 * 64 + 1}, {TEST_USER + 2}, 1, 'bad', 1, NOW())")
    e = expect_error(1235, q, c, "SELECT * FROM order_info WHERE user_id = = 1")
    check("cannot parse" in e.args[1] and "order_info" in e.args[1], e.args[1])
    check_eq(checksums(), before, "nothing changed by refused statements")


def test_unsharded_tables_and_use():
    c = conn()
    check_eq(q(c, "SELECT name FROM merchant WHERE id = 2"), [("globex",)], "unsharded read")
    check_eq(q(c, "INSERT INTO orders.merchant (id, name) VALUES (9, 'umbrella')"), 1, "unsharded write")
    check_eq(direct("SELECT name FROM orders.merchant WHERE id = 9"), [("umbrella",)], "merchant on p0")
    check_eq(q(c, "DELETE FROM merchant WHERE id = 9"), 1, "unsharded delete")
    bare = conn(db=None)
    expect_error(1046, q, bare, "SELECT * FROM order_info WHERE user_id = 1")
    q(bare, "USE orders")
    u = SAMPLES[-1]
    check_eq(sorted(q(bare, "SELECT order_id FROM order_info WHERE user_id = %s", (u,))),
             sorted(on_slot(u % 64, f"SELECT order_id FROM {phys(u % 64)} WHERE user_id = %s", (u,))),
             "unqualified names route after USE")
    check_explain_one(bare, "SELECT * FROM order_info WHERE user_id = %s", u % 64, args=(u,))


def test_show_lists_logical_names():
    c = conn()
    # migrated_orders: the demo's migration target (scripts/demo-legacy.sh makes it), configured.
    check_eq(q(c, "SHOW TABLES"), [("merchant",), ("migrated_orders",), ("order_info",), ("order_item",), ("region",)],
             "SHOW TABLES: logical tables next to unsharded ones, each once (the shadows are tables of orders)")
    (name, create), = q(c, "SHOW CREATE TABLE order_info")
    check(name == "order_info" and create.startswith("CREATE TABLE `order_info` ("), f"SHOW CREATE TABLE: {create}")
    check_eq(q(c, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'orders' ORDER BY 1"),
             [("merchant",), ("order_info",), ("order_item",), ("region",)], "information_schema.TABLES of orders")
    check_eq(q(c, "SHOW FULL TABLES FROM orders LIKE 'order%'"),
             [("order_info", "BASE TABLE"), ("order_item", "BASE TABLE")], "SHOW FULL TABLES LIKE")
    with c.cursor() as cur:
        cur.execute("SHOW TABLES LIKE 'm%'")
        check_eq([d[0] for d in cur.description], ["Tables_in_orders (m%)"], "column title as the server's")
    dbs = [r[0] for r in q(c, "SHOW DATABASES")]
    check("orders" in dbs and not any(d.startswith("db_") for d in dbs), f"SHOW DATABASES: {dbs}")
    check_eq(q(c, "SHOW DATABASES LIKE 'ord%'"), [("orders",)], "SHOW DATABASES LIKE")


# --- 9. the CLI -------------------------------------------------------------------------
def test_cli_shardwire_explain():
    r = subprocess.run(["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{proxy.port}", "-uapp", "-papp", "-t", "orders",
                        "-e", "SHARDWIRE EXPLAIN SELECT * FROM order_info WHERE user_id = 42"],
                       capture_output=True, text=True, timeout=30)
    check_eq(r.returncode, 0, f"CLI exit code ({r.stderr})")
    check(re.search(r"\|\s*data_source\s*\|\s*database\s*\|\s*sql\s*\|", r.stdout), r.stdout)
    check(re.search(r"\|\s*ds1\s*\|\s*db_5\s*\|\s*SELECT \* FROM `?db_5`?\.`?order_info_2`? WHERE user_id = 42\s*\|",
                    r.stdout), r.stdout)


def start():
    global proxy
    proxy = Proxy("sharding", config={"schemas": demo_schemas()}).start()
    for node in ("p0", "p1"):
        DIRECT[node] = backend(node)
    return [proxy]


if __name__ == "__main__":
    main_cases([test_demo_schema_creates_the_layout, test_rows_are_placed_by_the_gene_rule,
                test_point_statements_touch_one_table, test_insert_generates_order_id_on_the_users_shard,
                test_multi_row_insert_spans_shards, test_multi_shard_reads_return_every_row, test_joins_run_on_the_shard,
                test_broadcast_writes_reach_every_copy, test_ddl_reaches_every_node,
                test_refused_statements_change_nothing, test_unsharded_tables_and_use, test_show_lists_logical_names,
                test_cli_shardwire_explain], start)
