#!/usr/bin/python3
"""PyMySQL (pure-Python driver, no CLIENT_DEPRECATE_EOF) through the proxy."""
import hashlib
import os
import sys
import time

import pymysql
from pymysql.constants import CLIENT, COMMAND, SERVER_STATUS
from pymysql.cursors import SSCursor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HASH_PASSWORD, HASH_USER, Proxy, backend, backend_value, check, check_eq,  # noqa: E402
                     expect_error, main_cases, wait_for)

DB = "sw_pymysql"
proxy = None


def q(conn, sql, args=None):
    with conn.cursor() as c:
        c.execute(sql, args)
        return c.fetchall()


def setup():
    conn = backend()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, name VARCHAR(64), v DOUBLE)")
        c.execute(f"CREATE TABLE {DB}.big (id INT PRIMARY KEY, v LONGBLOB)")
        c.execute(f"CREATE TABLE {DB}.auto (id INT AUTO_INCREMENT PRIMARY KEY, s VARCHAR(16))")
        c.execute(f"CREATE TABLE {DB}.tx (id INT PRIMARY KEY) ENGINE=InnoDB")
        c.execute(f"CREATE PROCEDURE {DB}.two_sets(IN n INT) BEGIN "
                  f"SELECT n AS a; SELECT 'x' AS b, n * 2 AS c UNION ALL SELECT 'y', n * 3; END")
    conn.close()


def test_connect_and_auth():
    conn = proxy.connect()
    check(not conn.client_flag & (1 << 24), "pymysql does not ask for CLIENT_DEPRECATE_EOF (EOF path covered)")
    direct = backend()
    check_eq(conn.get_server_info(), direct.get_server_info(), "server version presented to clients (p0's)")
    direct.close()
    check_eq(q(conn, "SELECT @@port")[0][0], int(os.environ["SW_CLUSTER_PORT"]), "routed to p0")
    check_eq(q(conn, "SELECT CURRENT_USER()")[0][0].split("@")[0], "app", "backend user")
    conn.close()
    expect_error(1045, proxy.connect, password="bad", text="Access denied for user 'app'@'127.0.0.1'")
    expect_error(1045, proxy.connect, user="ghost", password="app")


def test_password_hash_user():
    conn = proxy.connect(user=HASH_USER, password=HASH_PASSWORD, db=DB)
    check_eq(q(conn, "SELECT DATABASE()")[0][0], DB, "hash user session")
    conn.close()
    expect_error(1045, proxy.connect, user=HASH_USER, password="app")
    expect_error(1045, proxy.connect, user=HASH_USER, password="")


def test_crud_with_parameters():
    conn = proxy.connect(db=DB)
    with conn.cursor() as c:
        check_eq(c.execute("INSERT INTO t VALUES (%s, %s, %s)", (1, "o'neil \\ \"q\" 😀", 1.5)), 1, "rowcount")
        check_eq(c.execute("UPDATE t SET v = v * %s WHERE id = %s", (4, 1)), 1, "UPDATE rowcount")
        c.execute("SELECT name, v FROM t WHERE id = %s", (1,))
        check_eq(c.fetchall(), (("o'neil \\ \"q\" 😀", 6.0),), "read back via proxy")
        c.execute("INSERT INTO auto (s) VALUES (%s)", ("a",))
        first = c.lastrowid
        c.execute("INSERT INTO auto (s) VALUES (%s)", ("b",))
        check_eq(c.lastrowid, first + 1, "last_insert_id travels in the OK packet")
        c.execute("INSERT INTO t VALUES (2, 'x', 0) ON DUPLICATE KEY UPDATE v = 1")
        c.execute("SELECT CAST('abc' AS INT)")
        check_eq(len(q(conn, "SHOW WARNINGS")), 1, "one warning")
    check_eq(backend_value(f"SELECT CONCAT(name, '|', v) FROM {DB}.t WHERE id = 1"), "o'neil \\ \"q\" 😀|6",
             "row on p0")
    with conn.cursor() as c:
        check_eq(c.execute("DELETE FROM t WHERE id IN (%s, %s)", (1, 2)), 2, "DELETE rowcount")
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.t"), 0, "p0 after DELETE")
    conn.close()


def test_executemany():
    conn = proxy.connect(db=DB)
    rows = [(i, f"name-{i}", i / 2) for i in range(1000)]
    with conn.cursor() as c:
        check_eq(c.executemany("INSERT INTO t (id, name, v) VALUES (%s, %s, %s)", rows), 1000, "bulk insert")
        check_eq(c.executemany("UPDATE t SET v = %s WHERE id = %s", [(-1, i) for i in range(0, 1000, 10)]), 100,
                 "executemany UPDATE (one statement each)")
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.t"), 1000, "p0 rows")
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.t WHERE v = -1"), 100, "p0 updated rows")
    q(conn, "DELETE FROM t")
    conn.close()


def test_20mb_value():
    value = os.urandom(20 * 1024 * 1024)
    conn = proxy.connect(db=DB, max_allowed_packet=64 << 20, read_timeout=120)
    with conn.cursor() as c:
        c.execute("INSERT INTO big VALUES (%s, %s)", (1, value))
    check_eq(backend_value(f"SELECT CONCAT(LENGTH(v), ':', MD5(v)) FROM {DB}.big WHERE id = 1"),
             f"{len(value)}:{hashlib.md5(value).hexdigest()}", "20 MB blob on p0")
    got = q(conn, "SELECT v, 'after' FROM big WHERE id = 1")
    check(got[0][0] == value and got[0][1] == "after", f"20 MB blob read back ({len(got[0][0])} bytes)")
    check_eq(q(conn, "SELECT 1"), ((1,),), "session usable after 20 MB both ways")
    conn.close()


def test_multi_statements():
    conn = proxy.connect(db=DB, client_flag=CLIENT.MULTI_STATEMENTS)
    sets = []
    with conn.cursor() as c:
        c.execute("SELECT 1; SELECT 2, 3 UNION ALL SELECT 4, 5; INSERT INTO t VALUES (7, 'm', 0); SELECT 'end'")
        while True:
            sets.append((c.fetchall(), c.rowcount))
            if not c.nextset():
                break
    check_eq(sets, [(((1,),), 1), (((2, 3), (4, 5)), 2), ((), 1), ((("end",),), 1)], "all result sets")
    try:  # an error mid-batch ends it; the session stays usable
        with conn.cursor() as c:
            c.execute("SELECT 'a'; SELEC 'b'; SELECT 'c'")
            check_eq(c.fetchall(), (("a",),), "first set before the error")
            c.nextset()
            raise AssertionError("the second statement should fail")
    except pymysql.err.ProgrammingError as e:
        check_eq(e.args[0], 1064, "errno of the failing statement")
    check_eq(q(conn, "SELECT 'usable'"), (("usable",),), "after a failed batch")
    q(conn, "DELETE FROM t")
    conn.close()


def test_multi_statements_flag_per_session():
    # Pooled backend connections move between clients with and without
    # CLIENT_MULTI_STATEMENTS: the proxy must switch the option each time.
    for _ in range(4):
        multi = proxy.connect(client_flag=CLIENT.MULTI_STATEMENTS)
        with multi.cursor() as c:
            c.execute("SELECT 1; SELECT 2")
            check(c.nextset(), "second result set")
        multi.close()
        single = proxy.connect()
        expect_error(1064, q, single, "SELECT 1; SELECT 2")
        check_eq(q(single, "SELECT 3"), ((3,),), "single-statement session")
        single.close()


def test_stored_procedure_two_result_sets():
    conn = proxy.connect(db=DB)
    with conn.cursor() as c:
        c.callproc("two_sets", (5,))
        check_eq(c.fetchall(), ((5,),), "first result set")
        check(c.nextset(), "second result set present")
        check_eq(c.fetchall(), (("x", 10), ("y", 15)), "second result set")
        check_eq([d[0] for d in c.description], ["b", "c"], "column names")
        check(c.nextset(), "the CALL's own OK")
        check_eq(c.description, None, "final OK has no columns")
        check(not c.nextset(), "nothing after the final OK")
    check_eq(q(conn, "SELECT 'after call'"), (("after call",),), "session usable after CALL")
    conn.close()


def test_errors_keep_connection_usable():
    conn = proxy.connect(db=DB)
    for sql, code in (("SELEC 1", 1064), ("SELECT nope FROM t", 1054), ("SELECT * FROM missing", 1146),
                      ("INSERT INTO t VALUES (1, 'a', 0), (1, 'b', 0)", 1062), ("SIGNAL SQLSTATE '45000'", 1644),
                      ("SELECT 1 FROM DUAL WHERE (SELECT 1 UNION SELECT 2)", 1242)):
        e = expect_error(code, q, conn, sql)
        check_eq(q(conn, "SELECT 1"), ((1,),), f"SELECT 1 after {code} ({e})")
    q(conn, "DELETE FROM t")
    conn.close()


def test_transactions():
    conn = proxy.connect(db=DB, autocommit=False)
    q(conn, "DELETE FROM tx")
    conn.commit()
    q(conn, "INSERT INTO tx VALUES (1)")
    check(conn.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS, "IN_TRANS status flag relayed")
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.tx"), 0, "uncommitted row invisible on p0")
    conn.commit()
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.tx"), 1, "committed row on p0")
    q(conn, "INSERT INTO tx VALUES (2)")
    conn.rollback()
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.tx"), 1, "rolled back row absent on p0")
    check_eq(q(conn, "SELECT COUNT(*) FROM tx"), ((1,),), "rolled back row absent in session")
    conn.begin()
    q(conn, "INSERT INTO tx VALUES (3)")
    conn.close()  # closing with an open transaction: the pool's reset rolls it back
    # The uncommitted row is invisible to others anyway: wait for the transaction itself to
    # end. Only transactions that wrote: a read view another session left open (a
    # connection the garbage collector has not closed yet) is not this one.
    wait_for("the pool's reset ended the abandoned transaction",
             lambda: backend_value("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_rows_modified > 0") == 0)
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.tx"), 1, "abandoned transaction rolled back")


def test_ping_and_select_db():
    conn = proxy.connect()
    conn.ping(reconnect=False)
    check_eq(q(conn, "SELECT DATABASE()"), ((None,),), "no db")
    conn.select_db(DB)
    check_eq(q(conn, "SELECT DATABASE()"), ((DB,),), "COM_INIT_DB")
    expect_error(1049, conn.select_db, "sw_no_such_db")
    check_eq(q(conn, "SELECT DATABASE()"), ((DB,),), "db unchanged after a failed COM_INIT_DB")
    conn.select_db("sbtest")
    conn.ping(reconnect=False)
    check_eq(q(conn, "SELECT DATABASE()"), (("sbtest",),), "second COM_INIT_DB")
    conn.close()


def reset_connection(conn):
    if hasattr(conn, "reset_connection"):
        conn.reset_connection()
    else:  # PyMySQL 1.0 has no API for it: send COM_RESET_CONNECTION (0x1f) by hand
        conn._execute_command(getattr(COMMAND, "COM_RESET_CONNECTION", 0x1F), b"")
        conn._read_ok_packet()


def test_reset_connection():
    conn = proxy.connect(db=DB, client_flag=CLIENT.MULTI_STATEMENTS)
    q(conn, "SET @x = 42")
    q(conn, "CREATE TEMPORARY TABLE tmp_r (i INT)")
    reset_connection(conn)
    check_eq(q(conn, "SELECT @x"), ((None,),), "user variable after reset")
    expect_error(1146, q, conn, "SELECT * FROM tmp_r")
    with conn.cursor() as c:
        c.execute("SELECT 1; SELECT 2")
        check(c.nextset(), "multi statements still on after reset")
    conn.close()


def test_sscursor_200k_rows():
    conn = proxy.connect(db=DB, cursorclass=SSCursor)
    n = total = 0
    with conn.cursor() as c:
        c.execute("SELECT seq, REPEAT('r', 50) FROM seq_1_to_200000")
        for seq, pad in c:
            n += 1
            total += seq
    check_eq((n, total), (200000, 200000 * 200001 // 2), "streamed rows")
    with conn.cursor() as c:  # abandon a stream half way: the driver drains it, the session survives
        c.execute("SELECT seq FROM seq_1_to_200000")
        for _ in range(10):
            c.fetchone()
    check_eq(list(q(conn, "SELECT 'after stream'")), [("after stream",)], "after a drained stream")
    conn.close()


def test_load_data_local_refused():
    path = os.path.join(proxy.dir, "rows.csv")
    with open(path, "w") as f:
        f.write("1,a,0\n2,b,0\n")
    conn = proxy.connect(db=DB, local_infile=True, read_timeout=10)
    t0 = time.monotonic()
    # MariaDB 10.11: ER_LOAD_INFILE_CAPABILITY_DISABLED (4166), older: ER_NOT_ALLOWED_COMMAND (1148)
    try:
        q(conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE t FIELDS TERMINATED BY ','")
        raise AssertionError("LOAD DATA LOCAL INFILE should be refused")
    except pymysql.err.OperationalError as e:
        check(e.args[0] in (4166, 1148), f"errno: {e}")
        check("local infile" in e.args[1] or "not allowed" in e.args[1], f"clear message: {e}")
    check(time.monotonic() - t0 < 5, "refused promptly, not after a timeout")
    check_eq(q(conn, "SELECT COUNT(*) FROM t"), ((0,),), "nothing loaded, session usable")
    conn.close()


def test_charset_and_binary():
    conn = proxy.connect(charset="utf8mb4")
    check_eq(q(conn, "SELECT @@character_set_client, @@character_set_results"), (("utf8mb4", "utf8mb4"),),
             "client charset from the handshake reaches the backend")
    check_eq(q(conn, "SELECT '日本語 😀', X'00FF00'"), (("日本語 😀", b"\x00\xff\x00"),), "utf8mb4 and binary")
    conn.close()
    conn = proxy.connect(charset="latin1")
    check_eq(q(conn, "SELECT @@character_set_client")[0][0], "latin1", "latin1 session")
    conn.close()


def main():
    def start():
        global proxy
        setup()
        proxy = Proxy("pymysql-proxy").start()
        return [proxy]

    main_cases([test_connect_and_auth, test_password_hash_user, test_crud_with_parameters, test_executemany,
                test_20mb_value, test_multi_statements, test_multi_statements_flag_per_session,
                test_stored_procedure_two_result_sets, test_errors_keep_connection_usable, test_transactions,
                test_ping_and_select_db, test_reset_connection, test_sscursor_200k_rows,
                test_load_data_local_refused, test_charset_and_binary], start)


if __name__ == "__main__":
    main()
