"""Sessions over multiplexed backend connections (docs/sessions.md):

  1. multiplexing: 300 client sessions through a pool of 4 connections per data source
     all work, idle ones hold none (the backends' processlist), and each session keeps
     its own SET variables, user variables, NAMES and database while sharing them;
  2. per-statement state: LAST_INSERT_ID(), ROW_COUNT(), FOUND_ROWS() (also after
     SQL_CALC_FOUND_ROWS) and SHOW WARNINGS mean the session's previous statement even
     when other sessions used the connection in between;
  3. pins: a temporary table, LOCK TABLES and GET_LOCK keep the session's connection;
  4. transactions across data sources: ROLLBACK undoes both shards, COMMIT keeps both,
     SAVEPOINT / ROLLBACK TO span them, autocommit=0 likewise, START TRANSACTION READ
     ONLY refuses writes, and a COMMIT that fails on the second data source after the
     first committed gets ERR 1180 naming both;
  5. SQL-level PREPARE / EXECUTE / DEALLOCATE on a sharded table, routed per EXECUTE;
  6. backend prepared statements stay within pool.prepared_statement_cache per
     connection (Prepared_stmt_count on the backend).

Layout: logical database `stest`, table `t` sharded by user_id (`mod` 4) over
stest_${0..3}.t: stest_0/1 on ds0 (p0), stest_2/3 on ds1 (p1); an unsharded table
`stest.plain` with AUTO_INCREMENT on ds0. Runs alone (it reads the processlists).
"""
import os
import struct
import sys
import threading

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, backend_value, check, check_eq, expect_error, main_cases  # noqa: E402

LOGICAL = "stest"
SCHEMAS = {
    LOGICAL: {
        "default_data_source": "ds0",
        "databases": {"stest_${0..1}": "ds0", "stest_${2..3}": "ds1"},
        "tables": {"t": {"data_nodes": "stest_${0..3}.t", "sharding": {"column": "user_id", "algorithm": "mod",
                                                                       "modulus": 4}}},
    }
}
POOL = 4
proxy = None


def conn(**kw):
    return proxy.connect(db=LOGICAL, autocommit=True, **kw)


def rows(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(c, sql, args=None):
    r = rows(c, sql, args)
    return r[0][0] if r else None


def app_threads(node):
    """Backend connections of the proxy's account on `node` (excluding this probe)."""
    return backend_value("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app' AND ID <> CONNECTION_ID()",
                         node)


def test_setup():
    for node in ("p0", "p1"):
        with backend(node) as b, b.cursor() as c:
            for d in [LOGICAL] + [f"{LOGICAL}_{i}" for i in range(4)]:
                c.execute(f"DROP DATABASE IF EXISTS `{d}`")
    c = proxy.connect(autocommit=True)
    rows(c, f"CREATE DATABASE {LOGICAL}")
    rows(c, f"USE {LOGICAL}")
    rows(c, "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, v VARCHAR(32)) ENGINE=InnoDB")
    rows(c, "CREATE TABLE plain (id BIGINT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB")
    c.close()


def test_many_sessions_share_few_connections():
    sessions = [conn() for _ in range(300)]
    try:
        for i, s in enumerate(sessions):
            check_eq(one(s, "SELECT 1 + %s", (i,)), 1 + i, "each session answers")
        # Idle sessions hold no backend connection: the pool holds at most POOL per worker.
        check(app_threads("p0") <= 2 * POOL, f"p0 connections with 300 idle sessions: {app_threads('p0')}")
        # Each keeps its own state through shared connections.
        for i, s in enumerate(sessions[:60]):
            rows(s, f"SET @mine = {i}, time_zone = '+0{i % 10}:00', sql_mode = '{'ANSI' if i % 2 else ''}'")
            if i % 3 == 0:
                rows(s, "SET NAMES latin1")
        for i, s in enumerate(sessions[:60]):
            r = rows(s, "SELECT @mine, @@time_zone, @@sql_mode LIKE '%ANSI%', @@character_set_client, DATABASE()")[0]
            check_eq(r[0], i, f"session {i} user variable")
            check_eq(r[1], f"+0{i % 10}:00", f"session {i} time_zone")
            check_eq(bool(r[2]), bool(i % 2), f"session {i} sql_mode")
            check_eq(r[3], "latin1" if i % 3 == 0 else "utf8mb4", f"session {i} NAMES")
            check_eq(r[4], LOGICAL, f"session {i} database")
    finally:
        for s in sessions:
            s.close()


def test_previous_statement_functions():
    a, others = conn(), [conn() for _ in range(8)]
    try:
        rows(a, "INSERT INTO plain (v) VALUES ('x')")
        first = one(a, "SELECT MAX(id) FROM plain")
        for o in others:  # other sessions take and return the connections meanwhile
            rows(o, "INSERT INTO plain (v) VALUES ('other')")
        check_eq(one(a, "SELECT LAST_INSERT_ID()"), first, "LAST_INSERT_ID() after others inserted")
        rows(a, "UPDATE plain SET v = 'y' WHERE id <= %s", (first,))
        for o in others:
            rows(o, "SELECT 1")
        check(one(a, "SELECT ROW_COUNT()") >= 1, "ROW_COUNT() of the session's UPDATE")
        rows(a, "SELECT id FROM plain LIMIT 3")
        for o in others:
            rows(o, "SELECT id FROM plain")
        check_eq(one(a, "SELECT FOUND_ROWS()"), 3, "FOUND_ROWS() of the session's SELECT")
        total = one(a, "SELECT COUNT(*) FROM plain")
        rows(a, "SELECT SQL_CALC_FOUND_ROWS id FROM plain LIMIT 1")
        for o in others:
            rows(o, "SELECT 1")
        check_eq(one(a, "SELECT FOUND_ROWS()"), total, "FOUND_ROWS() after SQL_CALC_FOUND_ROWS")
        rows(a, "SELECT CAST('x' AS SIGNED)")
        for o in others:
            rows(o, "SELECT 1")
        check(len(rows(a, "SHOW WARNINGS")) == 1, "SHOW WARNINGS of the session's statement")
    finally:
        for s in [a, *others]:
            s.close()


def test_insert_returning_over_several_nodes():
    # One INSERT per node, their RETURNING rows streamed as one result set.
    c = conn()
    try:
        got = rows(c, "INSERT INTO t (id, user_id, v) VALUES (901, 1, 'r1'), (902, 2, 'r2'), (903, 3, 'r3'), "
                      "(904, 5, 'r5') RETURNING id, v")
        check_eq(sorted(got), [(901, "r1"), (902, "r2"), (903, "r3"), (904, "r5")], "RETURNING rows of 3 nodes")
        check_eq(one(c, "SELECT COUNT(*) FROM t WHERE id BETWEEN 901 AND 904"), 4, "rows inserted")
        check_eq(one(c, "SELECT 1"), 1, "the session goes on")
        rows(c, "DELETE FROM t WHERE id BETWEEN 901 AND 904")
    finally:
        c.close()


def test_pinned_state_survives():
    a, b = conn(), conn()
    try:
        rows(a, "CREATE TEMPORARY TABLE tmp (x INT)")
        rows(a, "INSERT INTO tmp VALUES (7)")
        for _ in range(20):
            rows(b, "SELECT 1")
        check_eq(one(a, "SELECT x FROM tmp"), 7, "temporary table still there")
        check_eq(one(a, "SELECT GET_LOCK('sw_session_test', 0)"), 1, "named lock taken")
        check_eq(one(b, "SELECT IS_FREE_LOCK('sw_session_test')"), 0, "held by the session")
        check_eq(one(a, "SELECT RELEASE_LOCK('sw_session_test')"), 1, "released on its own connection")
        check_eq(one(a, "SELECT CONNECTION_ID()"), a.thread_id(), "CONNECTION_ID() is the session's id (KILL's)")
    finally:
        a.close()
        b.close()


def shard_rows(user):
    node, db = ("p0", f"{LOGICAL}_{user % 4}") if user % 4 < 2 else ("p1", f"{LOGICAL}_{user % 4}")
    return backend_value(f"SELECT COUNT(*) FROM `{db}`.t WHERE user_id = {user}", node)


def test_transaction_across_data_sources():
    c = conn()
    try:
        rows(c, "BEGIN")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (1, 100, 'a'), (2, 102, 'b')")  # ds0 and ds1
        check_eq(one(c, "SELECT COUNT(*) FROM t WHERE user_id IN (100, 102)"), 2, "own rows visible inside")
        rows(c, "ROLLBACK")
        check_eq((shard_rows(100), shard_rows(102)), (0, 0), "ROLLBACK undid both data sources")
        rows(c, "START TRANSACTION")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (1, 100, 'a')")
        rows(c, "SAVEPOINT s1")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (2, 102, 'b'), (3, 104, 'c')")
        rows(c, "ROLLBACK TO SAVEPOINT s1")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (4, 106, 'd')")
        rows(c, "COMMIT")
        check_eq((shard_rows(100), shard_rows(102), shard_rows(104), shard_rows(106)), (1, 0, 0, 1),
                 "savepoint rolled back the later rows on both data sources")
        rows(c, "SET autocommit = 0")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (5, 108, 'e'), (6, 110, 'f')")
        rows(c, "ROLLBACK")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (7, 112, 'g'), (8, 114, 'h')")
        rows(c, "COMMIT")
        rows(c, "SET autocommit = 1")
        check_eq((shard_rows(108), shard_rows(110), shard_rows(112), shard_rows(114)), (0, 0, 1, 1),
                 "autocommit=0 transactions on both data sources")
        rows(c, "START TRANSACTION READ ONLY")
        expect_error(1792, rows, c, "INSERT INTO t (id, user_id, v) VALUES (9, 116, 'x')")
        rows(c, "ROLLBACK")
    finally:
        c.close()


def test_commit_failing_after_another_committed_is_1180():
    c = conn()
    try:
        rows(c, "BEGIN")
        rows(c, "INSERT INTO t (id, user_id, v) VALUES (20, 120, 'p0'), (21, 122, 'p1')")
        # Kill the session's connection on p1 (ds1 commits second) behind its back.
        victims = rows(backend("p1"), "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app' "
                                      "AND ID <> CONNECTION_ID()")
        with backend("p1", root=True) as root, root.cursor() as cur:
            for (vid,) in victims:
                try:
                    cur.execute(f"KILL {vid}")
                except pymysql.MySQLError:
                    pass
        try:
            rows(c, "COMMIT")
            raise AssertionError("COMMIT succeeded although ds1's connection was killed")
        except pymysql.MySQLError as e:
            check_eq(e.args[0], 1180, "errno")
            check("committed on: ds0" in e.args[1] and "ds1" in e.args[1].split("not committed")[1], e.args[1])
        check_eq((shard_rows(120), shard_rows(122)), (1, 0), "ds0 committed, ds1 did not")
    finally:
        c.close()
    c = conn()  # the proxy and other sessions carry on
    check_eq(one(c, "SELECT COUNT(*) FROM t WHERE user_id = 120"), 1, "new session after the failure")
    c.close()


def test_sql_prepare_routes_per_execute():
    c = conn()
    try:
        rows(c, "PREPARE p FROM 'SELECT v FROM t WHERE user_id = ?'")
        rows(c, "SET @u = 100")
        check_eq(rows(c, "EXECUTE p USING @u"), (("a",),), "EXECUTE on ds0's shard")
        rows(c, "SET @u = 106")
        check_eq(rows(c, "EXECUTE p USING @u"), (("d",),), "EXECUTE on ds1's shard")
        rows(c, "DEALLOCATE PREPARE p")
        expect_error(1243, rows, c, "EXECUTE p USING @u")
    finally:
        c.close()


def prepare_execute(w, sql):
    w.command(0x16, sql.encode())
    seq, p = w.read_message()
    check(p[0] == 0, f"prepare {sql}: {p!r}")
    sid, ncols, nparams = struct.unpack("<IHH", p[1:9])
    for _ in range(ncols + nparams + (1 if ncols else 0) + (1 if nparams else 0)):
        w.read_message()
    w.command(0x17, struct.pack("<IBI", sid, 0, 1))
    wire.read_response(w)


def test_backend_statement_cache_is_bounded():
    with wire.Conn(HOST, small.port) as w:
        w.login(db=LOGICAL)
        for i in range(40):
            prepare_execute(w, f"SELECT {i} FROM plain LIMIT 1")
        count = int(rows(backend("p0"), "SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")[0][1])
        check(count <= 3 * 2, f"backend prepared statements with a cache of 3: {count}")


def start():
    global proxy, small
    proxy = Proxy("session", config={"schemas": SCHEMAS, "backend_defaults": {"pool": {"max_connections": POOL}}}).start()
    small = Proxy("session_stmt_cache", config={"schemas": SCHEMAS, "workers": 1,
                                                "backend_defaults": {"pool": {"prepared_statement_cache": 3}}}).start()
    return [proxy, small]


if __name__ == "__main__":
    main_cases([test_setup, test_many_sessions_share_few_connections, test_previous_statement_functions,
                test_insert_returning_over_several_nodes,
                test_pinned_state_survives, test_transaction_across_data_sources,
                test_commit_failing_after_another_committed_is_1180, test_sql_prepare_routes_per_execute,
                test_backend_statement_cache_is_bounded], start)
