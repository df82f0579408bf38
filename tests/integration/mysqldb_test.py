#!/usr/bin/python3
"""MySQLdb (mysqlclient on libmariadb: no CLIENT_DEPRECATE_EOF) through the proxy."""
import os
import sys

import MySQLdb
import MySQLdb.cursors
from MySQLdb.constants import CLIENT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, backend_value, check, check_eq, expect_error, main_cases  # noqa: E402

DB = "sw_mysqldb"
proxy = None


def connect(**kw):
    kw.setdefault("user", "app")
    kw.setdefault("password", "app")
    kw.setdefault("connect_timeout", 10)
    kw.setdefault("charset", "utf8mb4")
    kw.setdefault("autocommit", True)
    return MySQLdb.connect(host=HOST, port=proxy.port, **kw)


def q(conn, sql, args=None):
    c = conn.cursor()
    try:
        c.execute(sql, args)
        return c.fetchall()
    finally:
        c.close()


def setup():
    conn = backend()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, name VARCHAR(64), amount DECIMAL(10,2), d DATE)")
    conn.close()


def test_connect():
    conn = connect(database=DB)
    check_eq(q(conn, "SELECT DATABASE(), @@port"), ((DB, int(os.environ["SW_CLUSTER_PORT"])),), "session")
    check(conn.get_server_info().startswith("10.11") or "MariaDB" in conn.get_server_info(),
          f"server info {conn.get_server_info()}")
    # thread_id() is the proxy's session id (from its greeting), not the backend's CONNECTION_ID()
    check(conn.thread_id() > 0, "connection id in the greeting")
    conn.ping()
    check("Uptime" in conn.stat(), "COM_STATISTICS")
    conn.select_db("sbtest")
    check_eq(q(conn, "SELECT DATABASE()"), (("sbtest",),), "select_db")
    conn.close()


def test_auth_errors():
    e = expect_error(1045, connect, password="nope")
    check("Access denied for user 'app'@'127.0.0.1' (using password: YES)" in e.args[1], e)
    expect_error(1045, connect, user="nobody")
    expect_error(1049, connect, database="sw_no_such_db")


def test_crud():
    import datetime
    import decimal
    conn = connect(database=DB)
    c = conn.cursor()
    check_eq(c.execute("INSERT INTO t VALUES (%s, %s, %s, %s)", (1, "ünï", decimal.Decimal("12.34"),
                                                                  datetime.date(2024, 2, 29))), 1, "INSERT")
    check_eq(c.executemany("INSERT INTO t VALUES (%s, %s, %s, %s)",
                           [(i, f"n{i}", i, None) for i in range(2, 102)]), 100, "executemany")
    check_eq(c.execute("UPDATE t SET amount = amount * 2 WHERE id <= %s", (10,)), 10, "UPDATE")
    c.execute("SELECT name, amount, d FROM t WHERE id = %s", (1,))
    check_eq(c.fetchall(), (("ünï", decimal.Decimal("24.68"), datetime.date(2024, 2, 29)),), "typed row")
    check_eq(c.execute("DELETE FROM t WHERE id > %s", (50,)), 51, "DELETE")
    c.close()
    check_eq(backend_value(f"SELECT COUNT(*), SUM(amount) FROM {DB}.t"), 50, "rows on p0")
    check_eq(str(backend_value(f"SELECT amount FROM {DB}.t WHERE id = 1")), "24.68", "p0 value")
    conn.close()


def test_multi_statements():
    conn = connect(database=DB, client_flag=CLIENT.MULTI_STATEMENTS | CLIENT.MULTI_RESULTS)
    c = conn.cursor()
    c.execute("SELECT 1; SELECT 'two', 2; UPDATE t SET name = 'm' WHERE id = 1; SELECT name FROM t WHERE id = 1")
    sets = [c.fetchall()]
    while c.nextset():
        sets.append(c.fetchall())
    check_eq(sets, [((1,),), (("two", 2),), (), (("m",),)], "result sets")
    c.close()
    e = expect_error(1064, q, conn, "SELECT 1; SELEC 2")
    check_eq(q(conn, "SELECT 'ok'"), (("ok",),), f"usable after {e}")
    conn.close()


def test_error_codes():
    conn = connect(database=DB)
    for sql, code in (("SELEC 1", 1064), ("SELECT * FROM nope", 1146), ("SELECT nope FROM t", 1054),
                      ("INSERT INTO t (id) VALUES (1)", 1062), ("SELECT * FROM sw_no_db.t", 1146),
                      ("USE sw_no_such_db", 1049), ("DROP TABLE sw_no_such_db.x", 1051)):
        e = expect_error(code, q, conn, sql)
        check_eq(q(conn, "SELECT 1"), ((1,),), f"after {e}")
    conn.close()


def test_transactions_and_sscursor():
    conn = connect(database=DB, autocommit=False)
    q(conn, "UPDATE t SET name = 'tx' WHERE id = 2")
    check_eq(backend_value(f"SELECT name FROM {DB}.t WHERE id = 2"), "n2", "uncommitted")
    conn.rollback()
    q(conn, "UPDATE t SET name = 'tx2' WHERE id = 2")
    conn.commit()
    check_eq(backend_value(f"SELECT name FROM {DB}.t WHERE id = 2"), "tx2", "committed")
    conn.close()
    conn = connect(database=DB, cursorclass=MySQLdb.cursors.SSCursor)
    c = conn.cursor()
    c.execute("SELECT seq FROM seq_1_to_100000")
    n = total = 0
    for (seq,) in c:
        n += 1
        total += seq
    c.close()
    check_eq((n, total), (100000, 5000050000), "mysql_use_result stream")
    conn.close()


def test_large_value():
    conn = connect(database=DB)
    q(conn, "CREATE TABLE big (v LONGTEXT)")
    value = "v" * (17 << 20)  # one byte over a single 16 MiB packet
    c = conn.cursor()
    c.execute("INSERT INTO big VALUES (%s)", (value,))
    c.execute("SELECT v FROM big")
    got = c.fetchone()[0]
    c.close()
    check(got == value, f"17 MiB value round trip ({len(got)} bytes)")
    conn.close()


def main():
    def start():
        global proxy
        setup()
        proxy = Proxy("mysqldb-proxy").start()
        return [proxy]

    main_cases([test_connect, test_auth_errors, test_crud, test_multi_statements, test_error_codes,
                test_transactions_and_sscursor, test_large_value], start)


if __name__ == "__main__":
    main()
