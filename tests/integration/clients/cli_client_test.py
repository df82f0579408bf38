#!/usr/bin/python3
"""The mariadb command-line client through the proxy on the sharded demo layout (logical
database sw_cli_c): the client scenario of clientlib as SQL scripts (one CLI process, so
one session, per script; the generated key read with LAST_INSERT_ID() in the session of
the INSERT; affected rows from -vvv's "Query OK, N rows affected"), then the rows checked
directly on the backends."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlib  # noqa: E402
from clientlib import CREATED_AT, SEED_SLOTS, oid, seed_rows  # noqa: E402
from harness import check, check_eq, main_cases  # noqa: E402

lay = clientlib.Layout("cli_c")
U = clientlib.USER_BASE
COLS = "order_id, user_id, merchant_id, status, amount, region_id, created_at"


def run(script, verbose=False):
    """Runs script in one mariadb session (-N -B, or -vvv); returns stdout, fails on exit != 0."""
    r = clientlib.mariadb_cli(lay.port, lay.db, script, args=["-vvv"] if verbose else ["-N", "-B"])
    err = [line for line in r.stderr.decode(errors="replace").splitlines() if line.strip("-")]
    err = [line for line in err if line.startswith("ERROR")] + [line for line in err if not line.startswith("ERROR")]
    check(r.returncode == 0, f"mariadb exited {r.returncode}: {' | '.join(err)[:600]} (script: {script[:300]!r})")
    return r.stdout.decode()


def rows(script):
    return [tuple(line.split("\t")) for line in run(script).splitlines()]


def affected(script):
    """'Query OK, N rows affected' counts of the statements of script, in order."""
    return [int(n) for n in re.findall(r"Query OK, (\d+) rows? affected", run(script, verbose=True))]


def lit(v):
    return "NULL" if v is None else (str(v) if isinstance(v, int) else f"'{v}'")


def ids(*slots):
    return rows(f"SELECT user_id - {U}, status, amount FROM order_info WHERE user_id IN "
                f"({', '.join(str(U + s) for s in slots)}) ORDER BY user_id, status, amount")


def test_seed():
    vals = [f"({', '.join(lit(v) for v in r)})" for r in seed_rows(U)]
    check_eq(affected(f"INSERT INTO order_info ({COLS}) VALUES {vals[0]};\n"
                      f"INSERT INTO order_info ({COLS}) VALUES {', '.join(vals[1:])};"), [1, 7],
             "affected rows: one row, then 7 rows over 4 shards on 2 data sources")


def test_multi_shard_read():
    check_eq(rows("SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3"),
             [(str(oid(63, 2)), str(U + 63), "63.20"), (str(oid(63, 1)), str(U + 63), "63.10"),
              (str(oid(40, 2)), str(U + 40), "40.20")], "ORDER BY amount DESC LIMIT 3 over all shards")
    check_eq(rows("SELECT COUNT(*), SUM(amount) FROM order_info"), [("8", "243.20")], "COUNT/SUM over all shards")
    check_eq(rows(f"SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN {U} AND {U + 63} "
                  "ORDER BY user_id DESC"), [(str(U + s),) for s in sorted(SEED_SLOTS, reverse=True)], "DISTINCT")


def test_read_by_user():
    check_eq(rows(f"SELECT {COLS} FROM order_info WHERE user_id = {U + 40} ORDER BY order_id"),
             [(str(oid(40, 1)), str(U + 40), "1", "new", "40.10", "1", CREATED_AT),
              (str(oid(40, 2)), str(U + 40), "1", "new", "40.20", "NULL", CREATED_AT)], "user U+40's orders")


def test_read_by_order():
    check_eq(rows(f"SELECT user_id, status, amount FROM order_info WHERE order_id = {oid(17, 1)}"),
             [(str(U + 17), "new", "17.10")], "order oid(17, 1)")


def test_generated_key():
    out = rows("INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) "
               f"VALUES ({U + 5}, 1, 'gen', 5.00, '{CREATED_AT}');\nSELECT LAST_INSERT_ID();")
    check_eq(len(out), 1, f"one result: {out}")
    key = int(out[0][0])
    check(key > 0 and key % 64 == 5, f"LAST_INSERT_ID() {key}: the generated key with user U+5's gene")
    check_eq(rows(f"SELECT user_id, status FROM order_info WHERE order_id = {key}"), [(str(U + 5), "gen")],
             "the generated row by its key")


def test_update():
    check_eq(affected(f"UPDATE order_info SET status = 'paid', amount = amount + 100 WHERE order_id = {oid(1, 1)};\n"
                      f"UPDATE order_info SET status = 'shipped' WHERE user_id = {U + 17};"), [1, 2], "rows updated")
    check_eq(ids(1, 17), [("1", "new", "1.20"), ("1", "paid", "101.10"), ("17", "shipped", "17.10"),
                          ("17", "shipped", "17.20")], "read back")


def test_delete():
    check_eq(affected(f"DELETE FROM order_info WHERE order_id = {oid(63, 2)};"), [1], "rows deleted")
    check_eq(ids(63), [("63", "new", "63.10")], "user U+63 after the DELETE")


def tx(slots, commit):
    users = ", ".join(str(U + s) for s in slots)
    inserts = "".join(f"INSERT INTO order_info ({COLS}) VALUES ({oid(s, 1)}, {U + s}, 1, 'txi', {s}.00, NULL, "
                      f"'{CREATED_AT}');\n" for s in slots)
    out = rows(f"START TRANSACTION;\n{inserts}SELECT COUNT(*) FROM order_info WHERE user_id IN ({users});\n"
               f"UPDATE order_info SET status = 'tx' WHERE user_id IN ({users});\n"
               f"{'COMMIT' if commit else 'ROLLBACK'};\nSELECT COUNT(*) FROM order_info WHERE user_id IN ({users});")
    check_eq(out, [(str(len(slots)),), (str(len(slots) if commit else 0),)], "rows inside the transaction, after it")
    check_eq(ids(*slots), [(str(s), "tx", f"{s}.00") for s in slots] if commit else [], "seen from a new session")


def test_tx_commit():
    tx([9], True)


def test_tx_rollback():
    tx([10], False)


def test_tx_commit_cross():
    tx([11, 52], True)


def test_tx_rollback_cross():
    tx([12, 53], False)


def test_metadata():
    tables = {r[0] for r in rows("SHOW TABLES")}
    check({"order_info", "order_item", "region"} <= tables, f"SHOW TABLES lists the logical tables: {sorted(tables)}")
    check(not any(re.fullmatch(r"order_i(nfo|tem)_\d+", t) for t in tables), f"no physical tables: {sorted(tables)}")
    check_eq([r[0] for r in rows("DESCRIBE order_info")], [c.strip() for c in COLS.split(",")], "DESCRIBE order_info")


def test_backend_final_state():
    lay.check_final_state()


def start():
    lay.__enter__()
    return lay.proxies()


if __name__ == "__main__":
    main_cases([test_seed, test_multi_shard_read, test_read_by_user, test_read_by_order, test_generated_key,
                test_update, test_delete, test_tx_commit, test_tx_rollback, test_tx_commit_cross,
                test_tx_rollback_cross, test_metadata, test_backend_final_state], start)
