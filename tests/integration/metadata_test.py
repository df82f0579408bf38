#!/usr/bin/python3
"""Metadata shadow tables (docs/routing.md, "Metadata"): what drivers and ORMs ask about
a logical table is answered under its logical name by the empty shadow table
`<logical db>.<table>` on the schema's default data source.

Layout (the proxy's "schemas"):
  swmeta     default ds0; swmeta_0/1 on ds0 (p0), swmeta_2/3 on ds1 (p1); `account`
             sharded by user_id (mod 8) over swmeta_${0..3}.account_${0..1}, `account_copy`
             bound to it, `label` broadcast, `note` unsharded.
  swmetafar  default ds0 but every node on ds1 (swmetafar_0/1 on p1): `event` sharded by
             id (mod 4); its shadow on p0 cannot be made with CREATE TABLE ... LIKE.

Checked through the proxy (and directly on the backends): DDL creates/alters/drops the
shadow with the nodes; SHOW CREATE TABLE, DESCRIBE, SHOW [FULL] COLUMNS, SHOW INDEX and
information_schema TABLES/COLUMNS/STATISTICS/KEY_COLUMN_USAGE name the logical table
(once) and never a physical one; SHOW TABLES lists each name once; rows written through
the proxy never reach a shadow; a shadow dropped on the backend is back after a restart
(startup sync, with LIKE on the same server and SHOW CREATE TABLE across servers).
"""
import os
import re
import time

from harness import Proxy, backend, check, check_eq, expect_error, free_port, main_cases

DB, FAR = "swmeta", "swmetafar"
SCHEMAS = {
    DB: {
        "default_data_source": "ds0",
        "databases": {"swmeta_${0..1}": "ds0", "swmeta_${2..3}": "ds1"},
        "tables": {
            "account": {"data_nodes": "swmeta_${0..3}.account_${0..1}",
                        "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 8}},
            "account_copy": {"data_nodes": "swmeta_${0..3}.account_copy_${0..1}",
                             "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 8}},
            "label": {"broadcast": True},
        },
        "binding_groups": [["account", "account_copy"]],
    },
    FAR: {
        "default_data_source": "ds0",
        "databases": {"swmetafar_${0..1}": "ds1"},
        "tables": {"event": {"data_nodes": "swmetafar_${0..1}.event_${0..1}",
                             "sharding": {"column": "id", "algorithm": "mod", "modulus": 4},
                             "key_generator": {"column": "id", "type": "snowflake"}}},
    },
}
ACCOUNT_DDL = ("CREATE TABLE account (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, "
               "name VARCHAR(32) NOT NULL, balance DECIMAL(12,2) NOT NULL DEFAULT 0, "
               "KEY idx_user (user_id), UNIQUE KEY uk_name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
ACCOUNT_NODES = [("p0" if d < 2 else "p1", f"swmeta_{d}", f"account_{t}") for d in range(4) for t in range(2)]
PHYSICAL_RE = re.compile(r"_[0-9]+$")

proxy = None


def direct(node, sql, args=None, db=None):
    c = backend(node, db)
    try:
        with c.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())
    finally:
        c.close()


def q(sql, args=None, db=DB):
    c = proxy.connect(db=db)
    try:
        with c.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall()) if cur.description else cur.rowcount
    finally:
        c.close()


def columns_of(node, db, table):
    return direct(node, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS "
                        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (db, table))


def extra_of(node, db, table, column):
    return direct(node, "SELECT EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
                        "AND COLUMN_NAME = %s", (db, table, column))[0][0]


def check_generated_key_marked():
    """event.id (the key generator's column) is AUTO_INCREMENT in the shadow only: ORMs
    read that to know the database fills it in."""
    check_eq(extra_of("p0", FAR, "event", "id"), "auto_increment", "EXTRA of the shadow's key generator column")
    check_eq(extra_of("p1", "swmetafar_0", "event_0", "id"), "", "EXTRA of a node's id (as written)")
    rows = q("SELECT EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'swmetafar' AND TABLE_NAME = 'event' "
             "AND COLUMN_NAME = 'id'", db=FAR)
    check_eq(rows, [("auto_increment",)], "information_schema.COLUMNS through the proxy")


def shadow_rows(db, table):
    return direct("p0", f"SELECT COUNT(*) FROM `{db}`.`{table}`")[0][0]


def drop_all():
    for node in ("p0", "p1"):
        for db in [DB, FAR] + [f"{DB}_{i}" for i in range(4)] + [f"{FAR}_{i}" for i in range(2)]:
            direct(node, f"DROP DATABASE IF EXISTS `{db}`")


def restart_proxy():
    """Stops the proxy (exit code and log checked) and starts it again on its port."""
    proxy.stop()
    os.makedirs(proxy.dir, exist_ok=True)  # a clean stop removed it
    proxy.start()


# --- DDL keeps the shadow in step ------------------------------------------------------
def test_create_table_makes_the_shadow():
    q(f"CREATE DATABASE {DB}", db=None)
    q(ACCOUNT_DDL)
    q("CREATE TABLE label (id INT NOT NULL PRIMARY KEY, text VARCHAR(20) NOT NULL)")
    q("CREATE TABLE note (id INT NOT NULL PRIMARY KEY, body TEXT)")  # unsharded: passed through
    node = columns_of("p0", "swmeta_0", "account_0")
    check(len(node) == 4, f"node swmeta_0.account_0: {node}")
    check_eq(columns_of("p0", DB, "account"), node, "shadow swmeta.account has the nodes' columns")
    check_eq(columns_of("p0", DB, "label"), columns_of("p1", "swmeta_3", "label"), "shadow swmeta.label")
    for node_name, db, table in ACCOUNT_NODES:
        check_eq(columns_of(node_name, db, table), node, f"node {db}.{table} on {node_name}")
    check_eq(direct("p1", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (DB,))[0][0], 0,
             "no shadow on p1 (swmeta's default data source is ds0)")


def test_show_create_table_and_describe_name_the_logical_table():
    for sql, db in (("SHOW CREATE TABLE account", DB), ("SHOW CREATE TABLE swmeta.account", None),
                    ("SHOW CREATE TABLE `account`", DB)):
        (name, create), = q(sql, db=db)
        check_eq(name, "account", f"{sql}: table name")
        check(create.startswith("CREATE TABLE `account` (") and "account_" not in create, f"{sql}: {create}")
        check("KEY `idx_user` (`user_id`)" in create and "UNIQUE KEY `uk_name`" in create, f"{sql}: {create}")
    (name, create), = q("SHOW CREATE TABLE label")
    check(name == "label" and create.startswith("CREATE TABLE `label` ("), f"broadcast table: {create}")
    want = [r[0] for r in columns_of("p0", DB, "account")]
    for sql, db in (("DESCRIBE account", DB), ("DESC swmeta.account", None), ("EXPLAIN account", DB),
                    ("SHOW COLUMNS FROM account", DB), ("SHOW FULL COLUMNS FROM account FROM swmeta", None),
                    ("SHOW FIELDS IN account IN swmeta", "information_schema"), ("SHOW COLUMNS FROM swmeta.account", None)):
        check_eq([r[0] for r in q(sql, db=db)], want, f"{sql}: columns")
    check_eq([r[0] for r in q("DESC account user_id")], ["user_id"], "DESC t column")
    check_eq([r[0] for r in q("SHOW COLUMNS FROM account LIKE 'b%'")], ["balance"], "SHOW COLUMNS LIKE")


def test_show_index_names_the_logical_table():
    for sql, db in (("SHOW INDEX FROM account", DB), ("SHOW INDEXES IN account FROM swmeta", None),
                    ("SHOW KEYS FROM swmeta.account", None)):
        rows = q(sql, db=db)
        check_eq({r[0] for r in rows}, {"account"}, f"{sql}: Table column")
        check_eq(sorted({r[2] for r in rows}), ["PRIMARY", "idx_user", "uk_name"], f"{sql}: Key_name column")


def test_information_schema_lists_logical_names_once():
    names = [r[0] for r in q("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'swmeta' "
                             "ORDER BY TABLE_NAME")]
    check_eq(names, ["account", "label", "note"], "information_schema.TABLES of swmeta (each once, no physical)")
    check(not any(PHYSICAL_RE.search(n) for n in names), f"no physical table names: {names}")
    cols = q("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'swmeta' "
             "AND TABLE_NAME = 'account' ORDER BY ORDINAL_POSITION")
    check_eq(cols, [("id", "bigint"), ("user_id", "bigint"), ("name", "varchar"), ("balance", "decimal")],
             "information_schema.COLUMNS of account")
    stats = q("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'swmeta' "
              "AND TABLE_NAME = 'account'")
    check_eq(sorted(r[0] for r in stats), ["PRIMARY", "idx_user", "uk_name"], "information_schema.STATISTICS of account")
    keys = q("SELECT CONSTRAINT_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
             "WHERE TABLE_SCHEMA = 'swmeta' AND TABLE_NAME = 'account' ORDER BY CONSTRAINT_NAME")
    check_eq(keys, [("PRIMARY", "id"), ("uk_name", "name")], "information_schema.KEY_COLUMN_USAGE of account")


def test_show_tables_lists_each_name_once():
    check_eq(q("SHOW TABLES"), [("account",), ("account_copy",), ("label",), ("note",)],
             "SHOW TABLES (account_copy: configured, not created yet)")
    check_eq(q("SHOW FULL TABLES FROM swmeta LIKE 'a%'", db=None),
             [("account", "BASE TABLE"), ("account_copy", "BASE TABLE")], "SHOW FULL TABLES FROM LIKE")
    dbs = [r[0] for r in q("SHOW DATABASES")]
    check(DB in dbs and not any(d.startswith("swmeta_") for d in dbs), f"SHOW DATABASES hides physical: {dbs}")


def test_rows_never_reach_the_shadow():
    n = q("INSERT INTO account (id, user_id, name, balance) VALUES " +
          ", ".join(f"({i}, {i}, 'u{i}', {i}.50)" for i in range(1, 17)))
    check_eq(n, 16, "rows inserted through the proxy")
    check_eq(q("UPDATE account SET balance = balance + 1 WHERE user_id < 5"), 4, "UPDATE through the proxy")
    check_eq(q("INSERT INTO label (id, text) VALUES (1, 'one'), (2, 'two')"), 8, "broadcast INSERT (4 copies)")
    check_eq(q("SELECT COUNT(*) FROM account"), [(16,)], "rows through the proxy")
    check_eq(sum(direct(n_, f"SELECT COUNT(*) FROM {d}.{t}")[0][0] for n_, d, t in ACCOUNT_NODES), 16, "rows on nodes")
    check_eq(shadow_rows(DB, "account"), 0, "shadow swmeta.account stays empty")
    check_eq(shadow_rows(DB, "label"), 0, "shadow swmeta.label stays empty")
    check_eq(q("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'swmeta' "
               "AND TABLE_NAME = 'account'"), [(0,)], "information_schema row count is the shadow's (documented)")


def test_create_table_as_select_copies_the_shape_only():
    q("CREATE TABLE account_copy AS SELECT * FROM account")  # node by node (bound tables)
    check_eq(q("SELECT COUNT(*) FROM account_copy"), [(16,)], "rows copied node by node")
    check_eq(shadow_rows(DB, "account_copy"), 0, "shadow of a CREATE ... SELECT is empty")
    check_eq(columns_of("p0", DB, "account_copy"), columns_of("p0", "swmeta_0", "account_copy_0"),
             "shadow made LIKE a node")
    q("DROP TABLE account_copy")
    check_eq(direct("p0", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME LIKE 'account\\_copy%%'")[0][0],
             0, "DROP TABLE removes the nodes on p0 and the shadow")
    check_eq(direct("p1", "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME LIKE 'account\\_copy%%'")[0][0],
             0, "DROP TABLE removes the nodes on p1")


def test_alter_and_index_ddl_reach_nodes_and_shadow():
    q("ALTER TABLE account ADD COLUMN memo VARCHAR(20) NULL")
    for node_name, db, table in ACCOUNT_NODES + [("p0", DB, "account")]:
        check("memo" in [r[0] for r in columns_of(node_name, db, table)], f"memo on {db}.{table} ({node_name})")
    check_eq([r[0] for r in q("SHOW COLUMNS FROM account")][-1], "memo", "SHOW COLUMNS after ALTER")
    q("CREATE INDEX idx_memo ON account (memo)")
    stats = "SELECT COUNT(DISTINCT TABLE_SCHEMA, TABLE_NAME) FROM information_schema.STATISTICS WHERE INDEX_NAME = 'idx_memo' " \
            "AND TABLE_SCHEMA LIKE 'swmeta%%'"
    check_eq([direct(n, stats)[0][0] for n in ("p0", "p1")], [5, 4], "idx_memo on 4+1 tables of p0 (shadow), 4 of p1")
    check("idx_memo" in {r[2] for r in q("SHOW INDEX FROM account")}, "SHOW INDEX after CREATE INDEX")
    q("DROP INDEX idx_memo ON account")
    q("ALTER TABLE account DROP COLUMN memo")
    check_eq([direct(n, stats)[0][0] for n in ("p0", "p1")], [0, 0], "idx_memo dropped everywhere")
    check_eq(columns_of("p0", DB, "account"), columns_of("p1", "swmeta_3", "account_1"), "shadow back to the nodes' shape")
    e = expect_error(1235, q, "ALTER TABLE account RENAME TO account_old")
    check("RENAME" in e.args[1], e.args[1])
    expect_error(1235, q, "RENAME TABLE account TO account_old")
    check_eq(q("TRUNCATE TABLE account"), 0, "TRUNCATE (nodes only)")
    check_eq(q("SELECT COUNT(*) FROM account"), [(0,)], "TRUNCATE emptied the nodes")


def test_shadow_on_another_server_than_the_nodes():
    q(f"CREATE DATABASE {FAR}", db=None)
    q("CREATE TABLE event (id BIGINT NOT NULL PRIMARY KEY, kind VARCHAR(16) NOT NULL, KEY idx_kind (kind))", db=FAR)
    check_eq(columns_of("p0", FAR, "event"), columns_of("p1", "swmetafar_0", "event_0"), "shadow of event on p0")
    e = expect_error(1235, q, "CREATE TABLE IF NOT EXISTS event AS SELECT 1 AS id", db=FAR)
    check("no node on ds0" in e.args[1], e.args[1])
    (name, create), = q("SHOW CREATE TABLE swmetafar.event", db=DB)
    check(name == "event" and "KEY `idx_kind`" in create, create)
    check_generated_key_marked()
    q("INSERT INTO event (kind) VALUES ('gen')", db=FAR)  # generated by the proxy, routed to a node
    check_eq(shadow_rows(FAR, "event"), 0, "the shadow stays empty")
    check_eq(q("SELECT kind FROM event WHERE kind = 'gen'", db=FAR), [("gen",)], "the generated row")


def test_startup_sync_recreates_missing_shadows():
    direct("p0", f"DROP TABLE `{DB}`.account, `{DB}`.label, `{FAR}`.event")
    direct("p0", f"DROP DATABASE `{FAR}`")  # the sync recreates the logical database too
    restart_proxy()
    log = proxy.log()
    for name in ("swmeta.account", "swmeta.label", "swmetafar.event"):
        check(f"metadata shadows: created {name} " in log, f"startup log names {name}:\n{log}")
    check_eq(columns_of("p0", DB, "account"), columns_of("p0", "swmeta_0", "account_0"), "account (LIKE, same server)")
    check_eq(columns_of("p0", DB, "label"), columns_of("p0", "swmeta_0", "label"), "label (LIKE, same server)")
    check_eq(columns_of("p0", FAR, "event"), columns_of("p1", "swmetafar_0", "event_0"),
             "event (SHOW CREATE TABLE from p1)")
    check_eq([r[2] for r in q("SHOW INDEX FROM event", db=FAR)], ["PRIMARY", "idx_kind"], "event's indexes")
    check_generated_key_marked()
    # nothing missing: a restart creates nothing, but marks a shadow's key column again
    direct("p0", f"ALTER TABLE `{FAR}`.event MODIFY id BIGINT NOT NULL")
    restart_proxy()
    check("metadata shadows: created" not in proxy.log(), "second start creates nothing")
    check_generated_key_marked()


def test_unreachable_data_source_is_a_warning():
    # A schema whose default data source is down: its shadows cannot be checked, the
    # proxy says so and serves anyway.
    cfg = {"data_sources": {"dsx": {"primary": f"127.0.0.1:{free_port()}", "pool": {"connect_timeout_ms": 1000}}},
           "schemas": {**SCHEMAS, "swmetax": {"default_data_source": "dsx", "databases": {"swmetax_0": "dsx"},
                                              "tables": {"thing": {"broadcast": True}}}}}
    t0 = time.monotonic()
    with Proxy("metadata-unreachable", config=cfg) as p:
        check(time.monotonic() - t0 < 10, f"start took {time.monotonic() - t0:.1f}s")
        check("warning [proxy] metadata shadows: cannot connect to dsx" in p.log(), p.log())
        check_eq(p.value("SELECT COUNT(*) FROM account", db=DB), 0, "serving")


def test_cleanup():
    drop_all()


def start():
    global proxy
    drop_all()
    proxy = Proxy("metadata", config={"schemas": SCHEMAS}).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_create_table_makes_the_shadow, test_show_create_table_and_describe_name_the_logical_table,
                test_show_index_names_the_logical_table, test_information_schema_lists_logical_names_once,
                test_show_tables_lists_each_name_once, test_rows_never_reach_the_shadow,
                test_create_table_as_select_copies_the_shape_only, test_alter_and_index_ddl_reach_nodes_and_shadow,
                test_shadow_on_another_server_than_the_nodes, test_startup_sync_recreates_missing_shadows,
                test_unreachable_data_source_is_a_warning, test_cleanup], start)
