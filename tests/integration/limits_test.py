#!/usr/bin/python3
"""Budgets and connection limits (README, "limits") against the real cluster, on the
raw wire.

`main`: small memory budgets (max_long_data_size 1 MiB, session_memory_mb 8,
max_memory_mb 12, max_prepared_stmt_count 5). `conn`: user app at most 3 sessions, user few at most 2
backend connections per data source, 5 connections per address, 2 unauthenticated, 3 failed logins in a row block the address
for 2 s. `slow`: client_write_timeout_s 1, user `timed` with max_statement_time_ms 500 (relayed
statements, merged reads over four nodes, cursors), pool timeouts of 1 s. Each refusal must be the server's error for that case, memory must not grow
past the budget, and the refused session and the others keep working.
"""
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stmt_wire as sw  # noqa: E402
import wire  # noqa: E402
from harness import (HOST, Proxy, backend, backend_value, check, check_eq, demo_schemas, main_cases,  # noqa: E402
                     rss_kb, wait_for)

# Under AddressSanitizer, freed memory waits in a 256 MB quarantine and counts in RSS:
# keep it small so RSS still shows what the proxy holds (ignored by Release builds).
os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:strict_string_checks=1:quarantine_size_mb=1"

P = {}
COM_STMT_SEND_LONG_DATA = 0x18
MIB = 1 << 20


def conn():
    return sw.StmtConn(HOST, P["main"].port, db="sw_limits")


def rss_kib(proxy):
    return rss_kb(proxy.proc.pid)


def send_long_data(c, stmt, param, data):
    c.conn.send(wire.packet(struct.pack("<BIH", COM_STMT_SEND_LONG_DATA, stmt.id, param) + data, 0))


def execute_long(c, stmt, ptype=sw.BLOB):
    """COM_STMT_EXECUTE of a 1-parameter statement whose value came as long data."""
    payload = struct.pack("<BIBI", sw.COM_STMT_EXECUTE, stmt.id, 0, 1) + b"\x00\x01" + struct.pack("<H", ptype)
    c.conn.send(wire.packet(payload, 0))
    return c._read_result(binary=True)


def still_works(c):
    r = c.ping()
    check_eq(r.kind, "ok", "ping after the refusal")
    r = c.query("SELECT 1")
    check(r.kind == "rows" and r.rows == [(b"1",)] or r.rows == [("1",)], f"SELECT 1 after the refusal: {r}")


def long_data_over_max_long_data_size():
    with conn() as c:
        s = c.prepare("SELECT LENGTH(?)")
        send_long_data(c, s, 0, b"x" * (600 << 10))
        send_long_data(c, s, 0, b"y" * (600 << 10))  # 1.2 MiB > 1 MiB
        r = execute_long(c, s)
        check_eq((r.kind, r.errno, r.sqlstate), ("err", 1105, "HY000"), "EXECUTE after too much long data")
        check("max_long_data_size" in r.message, r.message)
        # The refused data is gone; within the limit it works again.
        send_long_data(c, s, 0, b"z" * (512 << 10))
        r = execute_long(c, s)
        check_eq(r.kind, "rows", f"EXECUTE with 512 KiB of long data: {r}")
        check_eq(r.rows, [(512 << 10,)], "LENGTH of the long data")
        still_works(c)


def long_data_flood_stays_in_the_session_budget():
    """Many parameters each under max_long_data_size: the session's 8 MiB budget ends it."""
    before = rss_kib(P["main"])
    with conn() as c:
        s = c.prepare("SELECT " + ", ".join(["LENGTH(?)"] * 40))
        for i in range(40):
            send_long_data(c, s, i, b"q" * (1000 << 10))  # 40 x ~1 MiB offered
        payload = struct.pack("<BIBI", sw.COM_STMT_EXECUTE, s.id, 0, 1) + b"\x00" * 5 + b"\x01" + \
            struct.pack("<H", sw.BLOB) * 40
        c.conn.send(wire.packet(payload, 0))
        r = c._read_result(binary=True)
        check_eq((r.kind, r.errno), ("err", 1041), f"EXECUTE after 40 MiB of long data: {r}")
        check("session_memory_mb" in r.message, r.message)
        grown = (rss_kib(P["main"]) - before) / 1024
        print(f"    RSS grew by {grown:.1f} MiB while 40 MiB of long data were offered")
        check(grown < 24, f"RSS grew by {grown:.0f} MiB")
        still_works(c)


def prepared_statement_count():
    with conn() as c:
        stmts = [c.prepare(f"SELECT {i}") for i in range(5)]
        try:
            c.prepare("SELECT 6")
            raise AssertionError("a 6th prepared statement was accepted with max_prepared_stmt_count 5")
        except sw.ServerError as e:
            check_eq((e.errno, e.sqlstate), (1461, "42000"), f"6th prepare: {e}")
        c.close_stmt(stmts[0])
        c.prepare("SELECT 7")  # a closed statement frees its place
        r = c.query("PREPARE named FROM 'SELECT * FROM orders.order_info WHERE user_id = ?'")
        check_eq((r.kind, r.errno), ("err", 1461), f"SQL PREPARE over the count: {r}")
        still_works(c)


def cursor_rows_over_the_session_budget():
    with conn() as c:
        s = c.prepare("SELECT REPEAT('x', 1000) FROM seq_1_to_20000")  # ~20 MiB of rows
        r = c.execute(s, flags=1)  # CURSOR_TYPE_READ_ONLY: the proxy materializes the rows
        check_eq((r.kind, r.errno), ("err", 1041), f"cursor over 8 MiB: {r}")
        still_works(c)


def global_budget_refuses_the_next_session():
    """Two sessions, each within its 8 MiB, together over the proxy's 12 MiB."""
    with conn() as a, conn() as b:
        sa = a.prepare("SELECT LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?)")
        for i in range(7):
            send_long_data(a, sa, i, b"a" * (1000 << 10))  # A holds ~7 MiB
        a.ping()  # A's long data has been taken in
        sb = b.prepare("SELECT LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?)")
        for i in range(7):
            send_long_data(b, sb, i, b"b" * (1000 << 10))
        payload = struct.pack("<BIBI", sw.COM_STMT_EXECUTE, sb.id, 0, 1) + b"\x00" + b"\x01" + \
            struct.pack("<H", sw.BLOB) * 7
        b.conn.send(wire.packet(payload, 0))
        r = b._read_result(binary=True)
        check_eq((r.kind, r.errno), ("err", 1041), f"B's EXECUTE with the proxy's budget used up: {r}")
        check("max_memory_mb" in r.message, r.message)
        still_works(b)
        # With A at ~7 MiB and B at ~5 MiB, under 1 MiB is left: new clients are refused.
        sb5 = b.prepare("SELECT LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?), LENGTH(?)")
        for i in range(5):
            send_long_data(b, sb5, i, b"b" * (1000 << 10))
        b.ping()
        with wire.Conn(HOST, P["main"].port) as raw:  # refused before the greeting, as MariaDB does
            _, p = raw.read_packet()
            check(p[:1] == b"\xff", f"new client got {p[:16]!r}, not an ERR")
            check_eq(wire.parse_err(p)[:2], (1040, "08004"), "new client's error")
        b.close_stmt(sb5)
        a.close_stmt(sa)  # A's memory goes back: B gets on
        a.ping()  # COM_STMT_CLOSE has no answer: the ping's says A's close was taken
        b.ping()
        conn().close()
        for i in range(7):
            send_long_data(b, sb, i, b"b" * (1000 << 10))
        b.conn.send(wire.packet(payload, 0))
        r = b._read_result(binary=True)
        check_eq(r.kind, "rows", f"B's EXECUTE after A freed its memory: {r}")
        check_eq(r.rows, [tuple([1000 << 10] * 7)], "B's lengths")


def login(user="app", password="app"):
    return sw.StmtConn(HOST, P["conn"].port, user=user, password=password)


def refused_before_greeting():
    """The errno of an ERR the proxy sends instead of its greeting, or None if it greets."""
    with wire.Conn(HOST, P["conn"].port) as raw:
        _, p = raw.read_packet()
        return wire.parse_err(p)[:2] if p[:1] == b"\xff" else None


def user_max_connections():
    sessions = [login() for _ in range(3)]
    try:
        try:
            login().close()
            raise AssertionError("a 4th session of app was accepted with max_connections 3")
        except sw.ServerError as e:
            check_eq((e.errno, e.sqlstate), (1203, "42000"), f"4th app session: {e}")
        with login("u2", "u2") as other:  # other users are not affected
            check_eq(other.ping().kind, "ok", "u2's ping")
        check_eq(sessions[0].ping().kind, "ok", "app's first session")
        sessions.pop().close()
        wait_for("app may log in again", lambda: try_login())
    finally:
        for c in sessions:
            c.close()


def try_login(user="app", password="app"):
    try:
        login(user, password).close()
        return True
    except (sw.ServerError, AssertionError, wire.Closed, OSError):  # refused at login or before the greeting
        return False


def connections_per_address():
    conns = [login("u2", "u2") for _ in range(5)]
    try:
        check_eq(refused_before_greeting(), (1040, "08004"), "6th connection from 127.0.0.1")
    finally:
        for c in conns:
            c.close()
    wait_for("connections from 127.0.0.1 accepted again", lambda: refused_before_greeting() is None)


def greeted_silently(silent):
    """Opens connections that are greeted and never answer until `silent` holds two;
    False (all closed) while earlier probes the proxy has not yet seen close still count."""
    while len(silent) < 2:
        c = wire.Conn(HOST, P["conn"].port)
        _, p = c.read_packet()
        if p[:1] == b"\xff":
            c.close()
            for s in silent:
                s.close()
            silent.clear()
            return False
        silent.append(c)
    return True


def unauthenticated_connections():
    silent = []
    try:
        wait_for("two connections greeted and left in the handshake", lambda: greeted_silently(silent))
        check_eq(refused_before_greeting(), (1040, "08004"), "a 3rd connection still in the handshake")
    finally:
        for c in silent:
            c.close()
    wait_for("handshakes accepted again", lambda: try_login("u2", "u2"))


def backend_connections_per_user():
    """User `few` may hold 2 backend connections per data source: a third session in a
    transaction (which holds its connection) is refused with 1226; others go on."""
    sessions = [login("few", "few") for _ in range(3)]
    try:
        for c in sessions[:2]:
            c.must("BEGIN")
            c.must("SELECT 1")  # leased and held by the transaction
        c3 = sessions[2]
        c3.must("BEGIN")
        r = c3.query("SELECT 1")
        check_eq((r.kind, r.errno, r.sqlstate), ("err", 1226, "42000"), f"a third held connection: {r}")
        with login("u2", "u2") as other:
            check_eq(other.query("SELECT 1").kind, "rows", "another user")
        sessions[0].must("COMMIT")  # gives its connection back
        check_eq(c3.query("SELECT 1").kind, "rows", "the third session after a COMMIT elsewhere")
        c3.must("COMMIT")
        sessions[1].must("COMMIT")
    finally:
        for c in sessions:
            c.close()


def failed_logins_block_the_address():
    for _ in range(2):
        check(not try_login("app", "wrong"), "a wrong password was accepted")
    check(try_login("u2", "u2"), "a good login after 2 failures")  # resets the run, as the server does
    for _ in range(3):
        check(not try_login("app", "wrong"), "a wrong password was accepted")
    check_eq(refused_before_greeting(), (1129, "HY000"), "after 3 failed logins in a row")
    wait_for("the block ends after connect_errors_block_s", lambda: refused_before_greeting() is None, timeout=10)
    check(try_login(), "app logs in after the block")


def running_on_p0(fragment):
    """Whether a statement containing `fragment` runs on p0 now."""
    return running_on("p0", fragment)


def kill_running_on_p0(fragment):
    with backend("p0", root=True) as b, b.cursor() as cur:
        cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE %s "
                    "AND INFO NOT LIKE '%%PROCESSLIST%%'", (f"%{fragment}%",))
        for (tid,) in cur.fetchall():
            try:
                cur.execute(f"KILL QUERY {int(tid)}")
            except Exception:  # noqa: BLE001 (ended meanwhile)
                pass


def running_on(node, fragment):
    with backend(node) as b, b.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE %s "
                    "AND INFO NOT LIKE '%%PROCESSLIST%%'", (f"%{fragment}%",))
        return cur.fetchone()[0] > 0


def big_query_running():
    return running_on_p0("seq_1_to_200000")


def client_that_stops_reading():
    """A client that asks for 200 MB and reads none of it: closed after
    client_write_timeout_s (1 s), its backend statement ends, other sessions go on."""
    c = wire.Conn(HOST, P["slow"].port, timeout=30)
    c.login()
    c.command(wire.COM_QUERY, b"SELECT REPEAT('x', 1000) FROM mysql.seq_1_to_200000")
    wait_for("the big query running on p0", big_query_running)
    wait_for("the backend statement ended", lambda: not big_query_running(), timeout=15)
    c.read_until_closed(timeout=10)  # what was in flight, then the proxy's close
    c.close()
    with sw.StmtConn(HOST, P["slow"].port) as other:
        check_eq(other.query("SELECT 1").kind, "rows", "another session after the stalled client")


def timed_query(c, sql):
    t0 = time.monotonic()
    r = c.query(sql)
    return r, time.monotonic() - t0


def statement_over_max_statement_time():
    """User `timed` has max_statement_time_ms 500: a long statement is killed on the
    server (KILL QUERY) and the client gets MariaDB's 1969; the session goes on."""
    with sw.StmtConn(HOST, P["slow"].port, user="timed", password="timed") as c:
        r, took = timed_query(c, "SELECT SUM(seq % 7) FROM mysql.seq_1_to_10000000000")
        check_eq((r.kind, r.errno, r.sqlstate), ("err", 1969, "70100"), f"long statement: {r}")
        check(took < 5, f"answered after {took:.1f}s")
        wait_for("the killed statement gone from p0", lambda: not long_count_running())
        check_eq(c.query("SELECT 1").kind, "rows", "the session after the timeout")
    with sw.StmtConn(HOST, P["slow"].port) as other:  # app has no limit
        check_eq(other.query("SELECT COUNT(*) FROM mysql.seq_1_to_1000").kind, "rows", "app's statement")


LONG_SUM = "(SELECT SUM(seq % 7) FROM mysql.seq_1_to_10000000000)"


def merged_read_over_max_statement_time():
    """A read merged over four nodes (ORDER BY) runs past 500 ms on every node: each
    node's statement is killed and the client gets 1969, once; the session goes on."""
    with sw.StmtConn(HOST, P["slow"].port, user="timed", password="timed", db="sw_slow") as c:
        r, took = timed_query(c, f"SELECT user_id, {LONG_SUM} AS s FROM t ORDER BY user_id")
        check_eq((r.kind, r.errno, r.sqlstate), ("err", 1969, "70100"), f"merged read: {r}")
        check(took < 5, f"answered after {took:.1f}s")
        wait_for("the killed statements gone from p0 and p1",
                 lambda: not running_on_p0("seq_1_to_10000000000") and not running_on("p1", "seq_1_to_10000000000"))
        check_eq(c.query("SELECT COUNT(*) FROM t").rows, [(b"4",)], "the session after the timeout")


def table_max_statement_time():
    """Table r has max_statement_time_ms 400 in its rule: app (no limit of its own) gets
    1969 for a long statement on it, on one node and merged."""
    with sw.StmtConn(HOST, P["slow"].port, db="sw_slow") as c:
        for sql in (f"SELECT user_id, {LONG_SUM} AS s FROM r WHERE user_id = 1",
                    f"SELECT user_id, {LONG_SUM} AS s FROM r ORDER BY user_id"):
            r, took = timed_query(c, sql)
            check_eq((r.kind, r.errno, r.sqlstate), ("err", 1969, "70100"), f"{sql}: {r}")
            check(took < 5, f"answered after {took:.1f}s")
        wait_for("the killed statements gone", lambda: not running_on_p0("seq_1_to_10000000000")
                 and not running_on("p1", "seq_1_to_10000000000"))
        check_eq(c.query("SELECT COUNT(*) FROM r").rows, [(b"4",)], "the session after the timeouts")


def cursor_over_max_statement_time():
    """COM_STMT_EXECUTE with a read-only cursor: the proxy reads the whole result before
    answering, under the same limit."""
    with sw.StmtConn(HOST, P["slow"].port, user="timed", password="timed") as c:
        s = c.prepare(f"SELECT {LONG_SUM}")
        t0 = time.monotonic()
        r = c.execute(s, flags=1)  # CURSOR_TYPE_READ_ONLY
        took = time.monotonic() - t0
        check_eq((r.kind, r.errno, r.sqlstate), ("err", 1969, "70100"), f"cursor: {r}")
        check(took < 5, f"answered after {took:.1f}s")
        wait_for("the killed statement gone from p0", lambda: not long_count_running())
        check_eq(c.query("SELECT 1").kind, "rows", "the session after the timeout")


def long_count_running():
    return running_on_p0("seq_1_to_10000000000")


def stalled_backend_gives_an_error_in_bounded_time():
    """p0 stopped with SIGSTOP under a running statement: the kill cannot be delivered,
    so the proxy closes the statement's connection and answers within a few seconds."""
    pid = int(open(backend_value("SELECT @@pid_file")).read().strip())
    with sw.StmtConn(HOST, P["slow"].port, user="timed", password="timed") as c:
        c.conn.command(wire.COM_QUERY, b"SELECT SUM(seq % 7) FROM mysql.seq_1_to_10000000001")
        time.sleep(0.1)  # the statement is on its way to p0
        os.kill(pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            _, p = c.conn.read_packet()
            took = time.monotonic() - t0
            check(p[:1] == b"\xff", f"expected an ERR, got {p[:32]!r}")
            print(f"    error after {took:.1f}s: {wire.parse_err(p)}")
            check(took < 8, f"the client waited {took:.1f}s")
        finally:
            os.kill(pid, signal.SIGCONT)
    wait_for("p0 serving the proxy again", lambda: try_query_slow())
    # The proxy closed the statement's connection, but a statement that sends nothing until
    # it ends (this SUM runs for hours) goes on: end it, or it burns the CPU of every test after.
    kill_running_on_p0("seq_1_to_10000000001")
    wait_for("the abandoned statement gone from p0", lambda: not running_on_p0("seq_1_to_10000000001"))


def try_query_slow():
    try:
        with sw.StmtConn(HOST, P["slow"].port) as c:
            return c.query("SELECT 1").kind == "rows"
    except (sw.ServerError, OSError, AssertionError, wire.Closed):
        return False


# A table on four nodes (two on p0, two on p1) for merged reads.
SLOW_SCHEMAS = {
    "sw_slow": {
        "default_data_source": "ds0",
        "databases": {"sw_slow_${0..1}": "ds0", "sw_slow_${2..3}": "ds1"},
        "tables": {"t": {"data_nodes": "sw_slow_${0..3}.t",
                         "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 4}},
                   # Its own limit, for every user.
                   "r": {"data_nodes": "sw_slow_${0..3}.r", "max_statement_time_ms": 400,
                         "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 4}}},
    }
}


def start():
    P["main"] = Proxy("limits", {"limits": {"max_long_data_size": MIB, "session_memory_mb": 8,
                                            "max_memory_mb": 12, "max_prepared_stmt_count": 5},
                                 "schemas": demo_schemas()}).start()
    P["conn"] = Proxy("limits-conn", {
        "users": [{"name": "app", "password": "app", "max_connections": 3}, {"name": "u2", "password": "u2"},
                  {"name": "few", "password": "few", "max_backend_connections": 2}],
        "limits": {"max_connections_per_address": 5, "max_unauthenticated": 2, "max_connect_errors": 3,
                   "connect_errors_block_s": 2}}).start()
    P["slow"] = Proxy("limits-slow", {
        "client_write_timeout_s": 1,
        "schemas": SLOW_SCHEMAS,
        "users": [{"name": "app", "password": "app"}, {"name": "timed", "password": "timed",
                                                       "max_statement_time_ms": 500}],
        "backend_defaults": {"pool": {"connect_timeout_ms": 1000, "command_timeout_ms": 1000}}}).start()
    c = P["main"].connect()
    with c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS sw_limits")
    c.close()
    c = P["slow"].connect()
    with c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS sw_slow")
        cur.execute("CREATE TABLE IF NOT EXISTS sw_slow.t (user_id INT PRIMARY KEY)")
        cur.execute("REPLACE INTO sw_slow.t (user_id) VALUES (0), (1), (2), (3)")  # one row a node
        cur.execute("CREATE TABLE IF NOT EXISTS sw_slow.r (user_id INT PRIMARY KEY)")
        cur.execute("REPLACE INTO sw_slow.r (user_id) VALUES (0), (1), (2), (3)")
    c.close()
    return list(P.values())


if __name__ == "__main__":
    main_cases([long_data_over_max_long_data_size, long_data_flood_stays_in_the_session_budget,
                prepared_statement_count, cursor_rows_over_the_session_budget,
                global_budget_refuses_the_next_session, user_max_connections, connections_per_address,
                unauthenticated_connections, backend_connections_per_user, failed_logins_block_the_address, client_that_stops_reading,
                statement_over_max_statement_time, merged_read_over_max_statement_time, cursor_over_max_statement_time,
                table_max_statement_time,
                stalled_backend_gives_an_error_in_bounded_time], start)
