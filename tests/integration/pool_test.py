#!/usr/bin/python3
"""Backend connection pool: limits, waiting, session-state isolation, backend down.

Runs serially (ctest RUN_SERIAL): it counts connections on p0. The proxy logs in to
p0 as a dedicated backend user, sw_pool, so its connections are told apart from the
test's own (user app) and from other proxies'.
"""
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, expect_error, free_port, run_cases, wait_for  # noqa: E402

POOL_USER = "sw_pool"
DB = "sw_pool"


def setup():
    root = backend(root=True)
    with root.cursor() as c:
        c.execute("SET SESSION sql_log_bin = 0")
        for h in ("127.0.0.1", "localhost"):
            c.execute(f"CREATE USER IF NOT EXISTS '{POOL_USER}'@'{h}' IDENTIFIED BY '{POOL_USER}'")
            c.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{POOL_USER}'@'{h}'")
        c.execute("SET SESSION sql_log_bin = 1")
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY) ENGINE=InnoDB")
    root.close()


def pool_proxy(name, max_connections, workers, **extra):
    admin_port = free_port()
    cfg = {"workers": workers,
           "backend_defaults": {"user": POOL_USER, "password": POOL_USER,
                                "pool": {"max_connections": max_connections, "connect_timeout_ms": 3000}},
           "admin": {"enabled": True, "listen": f"127.0.0.1:{admin_port}"}}
    cfg.update(extra)
    proxy = Proxy(name, cfg)
    proxy.admin_port = admin_port
    return proxy.start()


def settled(proxy):
    """Waits until every connection sessions gave back is reset and parked (the pool's
    own count, /v1/backends), instead of sleeping on a guess."""
    def idle():
        c = http.client.HTTPConnection("127.0.0.1", proxy.admin_port, timeout=5)
        c.request("GET", "/v1/backends")
        doc = json.loads(c.getresponse().read())
        c.close()
        return all(s["pool"]["leased"] == 0 and s["pool"]["resetting"] == 0
                   for g in doc["groups"] for s in g["servers"])
    wait_for("the pool's connections reset and parked", idle)


def backend_sessions(conn):
    with conn.cursor() as c:
        c.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s", (POOL_USER,))
        return c.fetchone()[0]


class Sampler:
    """Polls p0's processlist in the background, remembering the peak count."""

    def __init__(self):
        self.conn = backend(root=True)
        self.peak = 0
        self.samples = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_flag.is_set():
            self.peak = max(self.peak, backend_sessions(self.conn))
            self.samples += 1
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()
        self.conn.close()


def wait_backend_sessions(expected_max, timeout=5.0):
    conn = backend(root=True)
    deadline = time.monotonic() + timeout
    n = backend_sessions(conn)
    while n > expected_max and time.monotonic() < deadline:
        time.sleep(0.1)
        n = backend_sessions(conn)
    conn.close()
    return n


def concurrent_sessions(proxy, n, sql):
    results, errors = [None] * n, []
    barrier = threading.Barrier(n)

    def client(i):
        try:
            barrier.wait(5)
            conn = proxy.connect(read_timeout=30)
            with conn.cursor() as c:
                c.execute(sql)
                results[i] = c.fetchall()
            conn.close()
        except Exception as e:  # noqa: BLE001
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors, time.monotonic() - t0


def run_limit_case(workers, max_distinct):
    check_eq(wait_backend_sessions(0), 0, f"{POOL_USER} sessions on p0 before the test")
    with pool_proxy(f"pool-limit-w{workers}", 4, workers) as proxy:
        for rnd in range(3):
            with Sampler() as s:
                results, errors, took = concurrent_sessions(proxy, 12, "SELECT SLEEP(0.2), @@pseudo_thread_id")
            check(not errors, f"round {rnd}: all 12 sessions must succeed by waiting: {errors}")
            check(all(r and r[0][0] == 0 for r in results), f"round {rnd}: results {results}")
            check(s.samples > 10, "sampler ran")
            check(s.peak <= 4, f"round {rnd}: {s.peak} backend connections on p0, pool.max_connections is 4")
            ids = {r[0][1] for r in results}
            check(len(ids) <= max_distinct,
                  f"round {rnd}: {len(ids)} distinct backend connections used: {sorted(ids)}")
            check(took > 0.55, f"12 sessions x 0.2 s over 4 connections took only {took:.2f}s")
    check_eq(wait_backend_sessions(0), 0, "backend connections closed after the proxy stopped")


def test_limit_one_worker():
    # One worker: waiting sessions take returned connections straight from the pool.
    run_limit_case(workers=1, max_distinct=4)


def test_limit_two_workers():
    # Connections are capped over all workers together but parked per worker: a worker
    # whose sessions wait gets slots by the others closing returned or idle connections,
    # so some reconnects are expected, never more than 4 at once, and nobody starves.
    run_limit_case(workers=2, max_distinct=12)


def cid(conn):
    """The backend connection serving the session (CONNECTION_ID() is the proxy's session id)."""
    with conn.cursor() as c:
        c.execute("SELECT @@pseudo_thread_id")
        return c.fetchone()[0]


def one(conn, sql):
    with conn.cursor() as c:
        c.execute(sql)
        return c.fetchone()


def test_session_state_isolation():
    with pool_proxy("pool-state", 4, 1) as proxy:
        # A: USE, temporary table, user variable, then gone
        a = proxy.connect()
        a_id = cid(a)
        for sql in ("USE sbtest", "CREATE TEMPORARY TABLE tmp_iso (i INT)", "INSERT INTO tmp_iso VALUES (1)",
                    "SET @x = 'leak'"):
            one(a, sql)
        a.close()
        settled(proxy)  # the pool resets and parks the connection
        # B without a database: clean session, no schema (a new connection: there is no "unselect database")
        b = proxy.connect()
        check_eq(one(b, "SELECT @x, DATABASE()"), (None, None), "session after A, connected without a db")
        expect_error(1146, one, b, "SELECT * FROM sbtest.tmp_iso")
        b.close()
        # C with db sbtest: gets A's connection back, reset
        c = proxy.connect(db="sbtest")
        check_eq(cid(c), a_id, "C reuses A's pooled backend connection (same schema)")
        check_eq(one(c, "SELECT @x, DATABASE()"), (None, "sbtest"), "variables reset, schema as requested")
        expect_error(1146, one, c, "SELECT * FROM tmp_iso")
        c.close()
        settled(proxy)

        # D (no db): everything RESET CONNECTION must undo
        d = proxy.connect(autocommit=False)
        d_id = cid(d)
        for sql in (f"CREATE TEMPORARY TABLE {DB}.tmp2 (i INT)", "SET @y = 1", "SET SESSION sql_mode = 'ANSI'",
                    f"INSERT INTO {DB}.t VALUES (99)", "SELECT GET_LOCK('sw_pool_lock', 0)",
                    "PREPARE ps FROM 'SELECT 1'", "SET SESSION wait_timeout = 77"):
            one(d, sql)
        d.close()
        settled(proxy)
        e = proxy.connect()
        check_eq(cid(e), d_id, "E reuses D's pooled backend connection")
        check_eq(one(e, "SELECT @y, DATABASE(), @@autocommit, @@in_transaction, @@wait_timeout = 77"),
                 (None, None, 1, 0, 0), "user variables, autocommit, transaction, session variables reset")
        check("ANSI" not in one(e, "SELECT @@sql_mode")[0], "sql_mode reset")
        check_eq(one(e, "SELECT IS_USED_LOCK('sw_pool_lock')"), (None,), "named lock released")
        check_eq(one(e, f"SELECT COUNT(*) FROM {DB}.t"), (0,), "uncommitted insert rolled back")
        expect_error(1146, one, e, f"SELECT * FROM {DB}.tmp2")
        expect_error(1243, one, e, "EXECUTE ps")
        e.close()


def test_limit_reached_with_other_schema_idle():
    # Only idle connections parked in another schema, and the pool is full: a session
    # without a database must still get a connection (by replacing an idle one).
    with pool_proxy("pool-schema", 1, 1) as proxy:
        s = proxy.connect(db="sbtest")
        one(s, "SELECT 1")
        s.close()
        settled(proxy)
        t0 = time.monotonic()
        s = proxy.connect(connect_timeout=10)
        check_eq(one(s, "SELECT DATABASE()"), (None,), "session without a db")
        s.close()
        check(time.monotonic() - t0 < 1.0, f"took {time.monotonic() - t0:.2f}s")


def test_limit_reached_with_idle_on_other_worker():
    # Connections are capped over all workers together but parked per worker: a
    # session on worker 1 must not starve while worker 0 holds the only, idle, one.
    with pool_proxy("pool-workers", 1, 2) as proxy:
        for i in range(4):  # consecutive sessions are accepted by alternating workers
            t0 = time.monotonic()
            s = proxy.connect(connect_timeout=10)
            check_eq(one(s, "SELECT 1"), (1,), f"session {i}")
            s.close()
            check(time.monotonic() - t0 < 1.0, f"session {i} took {time.monotonic() - t0:.2f}s")
            settled(proxy)


def test_backend_down():
    port = free_port()  # nobody listens here
    cfg = {"data_sources": {"ds0": {"primary": f"{HOST}:{port}", "replicas": None}},
           "backend_defaults": {"pool": {"connect_timeout_ms": 1500}}}
    with Proxy("pool-down", cfg) as proxy:
        for _ in range(2):
            t0 = time.monotonic()
            e = expect_error(1429, proxy.connect)
            took = time.monotonic() - t0
            check(f"ds0 {HOST}:{port}" in e.args[1], f"message names the data source and address: {e.args[1]!r}")
            check("refused" in e.args[1].lower(), f"message says why: {e.args[1]!r}")
            check(took < 1.0, f"refused connect reported after {took:.2f}s")

    # a backend that accepts TCP but never greets: bounded by connect_timeout_ms
    with socket.socket() as mute:
        mute.bind((HOST, 0))
        mute.listen(16)
        cfg["data_sources"]["ds0"]["primary"] = f"{HOST}:{mute.getsockname()[1]}"
        with Proxy("pool-mute", cfg) as proxy:
            t0 = time.monotonic()
            e = expect_error(1429, proxy.connect, connect_timeout=10, read_timeout=10)
            took = time.monotonic() - t0
            check("ds0" in e.args[1] and "timed out" in e.args[1], f"message: {e.args[1]!r}")
            check(1.2 < took < 3.5, f"mute backend reported after {took:.2f}s (connect_timeout_ms=1500)")


CASES = [test_limit_one_worker, test_limit_two_workers, test_session_state_isolation, test_backend_down,
         test_limit_reached_with_other_schema_idle, test_limit_reached_with_idle_on_other_worker]

if __name__ == "__main__":
    # pool_test.py [CASE...]: run only the named cases (ctest registers some apart)
    wanted = sys.argv[1:]
    unknown = set(wanted) - {f.__name__ for f in CASES}
    if unknown:
        raise SystemExit(f"unknown cases: {sorted(unknown)}")
    setup()
    ok = run_cases([f for f in CASES if not wanted or f.__name__ in wanted])
    sys.exit(0 if ok else 1)
