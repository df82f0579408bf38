"""Shared by xa_test.py, xa_crash_test.py and bench/xa_bench.py: the demo's order tables
under the logical database sw_xa (physical sw_xa_${0..7}.order_info_${0..7} and
order_item_${0..7}; users with user_id % 64 < 32 live on ds0 = p0, the others on
ds1 = p1), the admin API, and what the primaries hold.
"""
import http.client
import json

from harness import HOST, backend, demo_schemas

LOGICAL = "sw_xa"
USER_DS0 = 1    # user_id % 64 = 1  -> sw_xa_0 on ds0 (p0)
USER_DS1 = 40   # user_id % 64 = 40 -> sw_xa_5 on ds1 (p1)


def schemas(mode=None):
    demo = demo_schemas()["orders"]
    s = {"default_data_source": demo["default_data_source"],
         "databases": {k.replace("db_", f"{LOGICAL}_"): v for k, v in demo["databases"].items()},
         "tables": {t: dict(demo["tables"][t]) for t in ("order_info", "order_item")},
         "binding_groups": [["order_info", "order_item"]]}
    for t in ("order_info", "order_item"):
        s["tables"][t]["data_nodes"] = f"{LOGICAL}_${{0..7}}.{t}_${{0..7}}"
    # Sharded on one column, no gene key: its rows may move (an UPDATE of user_id in xa).
    s["tables"]["account"] = {"data_nodes": f"{LOGICAL}_${{0..7}}.account_${{0..7}}",
                              "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 64},
                              "key_generator": {"column": "account_id", "type": "snowflake"}}
    if mode:
        s["transaction_mode"] = mode
    return {LOGICAL: s}


def create_tables(proxy):
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {LOGICAL}")
        cur.execute(f"DROP TABLE IF EXISTS {LOGICAL}.order_info")
        cur.execute(f"DROP TABLE IF EXISTS {LOGICAL}.order_item")
        cur.execute(f"DROP TABLE IF EXISTS {LOGICAL}.account")
        cur.execute(f"CREATE TABLE {LOGICAL}.account (account_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, "
                    "balance DECIMAL(20,6) NOT NULL, ratio DOUBLE NULL, name VARCHAR(40) CHARACTER SET latin1 NULL, "
                    "blob_col VARBINARY(16) NULL, born DATETIME(6) NULL, flags BIT(5) NULL, doc JSON NULL, "
                    "upper_name VARCHAR(40) AS (UPPER(name)) VIRTUAL, KEY (user_id)) DEFAULT CHARSET=utf8mb4")
        cur.execute(f"CREATE TABLE {LOGICAL}.order_info (order_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, "
                    "amount DECIMAL(12,2) NULL, note VARCHAR(64) NULL, KEY (user_id)) ENGINE=InnoDB")
        cur.execute(f"CREATE TABLE {LOGICAL}.order_item (item_id BIGINT NOT NULL PRIMARY KEY, order_id BIGINT NOT NULL, "
                    "user_id BIGINT NOT NULL, sku VARCHAR(32) NULL, KEY (user_id)) ENGINE=InnoDB")


def physical(user, table="order_info"):
    slot = user % 64
    return ("p0" if slot < 32 else "p1"), f"{LOGICAL}_{slot // 8}.{table}_{slot % 8}"


def notes_on_backend(user, note_prefix):
    """Notes of `user`'s order_info rows starting with note_prefix, read on its primary."""
    node, table = physical(user)
    with backend(node) as b, b.cursor() as c:
        c.execute(f"SELECT note FROM {table} WHERE user_id = %s AND note LIKE %s ORDER BY note", (user, note_prefix + "%"))
        return [r[0] for r in c.fetchall()]


def prepared_branches(node):
    """shardwire's prepared XA branches on a primary: [(gtrid, bqual)]."""
    with backend(node) as b, b.cursor() as c:
        c.execute("XA RECOVER")
        out = []
        for fmt, glen, blen, data in c.fetchall():
            if fmt == 21335:
                data = data if isinstance(data, bytes) else data.encode()
                out.append((data[:glen].decode(), data[glen:glen + blen].decode()))
        return out


def clear_branches():
    """Rolls back prepared shardwire branches an earlier failed run left on the primaries
    (they hold row and metadata locks)."""
    for node in ("p0", "p1"):
        for gtrid, bqual in prepared_branches(node):
            with backend(node) as b, b.cursor() as c:
                c.execute(f"XA ROLLBACK '{gtrid}','{bqual}',21335")


def admin(port, method, path, body=None):
    c = http.client.HTTPConnection(HOST, port, timeout=60)
    c.request(method, path, body=None if body is None else json.dumps(body))
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, json.loads(text) if text.strip().startswith(("{", "[")) else text


def metrics(port, prefix="shardwire_xa_"):
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    c.request("GET", "/metrics")
    body = c.getresponse().read().decode()
    c.close()
    out = {}
    for line in body.splitlines():
        if line.startswith(prefix):
            name, value = line.rsplit(" ", 1)
            out[name[len(prefix):]] = float(value)
    return out
