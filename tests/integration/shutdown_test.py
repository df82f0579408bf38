#!/usr/bin/python3
"""SIGTERM: graceful shutdown of the proxy.

In-flight statements finish (up to shutdown_timeout_ms), idle sessions are closed,
new connections are refused, and the process exits 0.
"""
import os
import socket
import sys
import threading
import time

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, backend_value, check, check_eq, run_cases, wait_for  # noqa: E402

DB = "sw_shutdown"


def run_in_thread(fn):
    out = {}

    def body():
        t0 = time.monotonic()
        try:
            out["result"] = fn()
        except Exception as e:  # noqa: BLE001
            out["error"] = e
        out["elapsed"] = time.monotonic() - t0

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t, out


def wait_running(sql):
    """Until `sql` runs on p0: SIGTERM must find the statement in flight, not on its way."""
    wait_for(f"{sql!r} running on p0", lambda: backend_value(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = %s", args=(sql,)) > 0)


def expect_refused(port):
    try:
        with socket.create_connection((HOST, port), timeout=2) as s:
            s.settimeout(2)
            data = s.recv(64)
    except ConnectionRefusedError:
        return
    except OSError as e:
        raise AssertionError(f"expected ECONNREFUSED, got {e!r}")
    raise AssertionError(f"new connection accepted during shutdown (read {data!r})")


def test_inflight_statement_completes():
    with Proxy("shutdown-graceful", {"shutdown_timeout_ms": 5000}) as proxy:
        idle_py = proxy.connect()
        idle_raw = wire.Conn(HOST, proxy.port).login()
        busy = proxy.connect(read_timeout=30)

        def slow():
            with busy.cursor() as c:
                c.execute("SELECT SLEEP(2), 'done'")
                return c.fetchall()

        t_start = time.monotonic()
        thread, out = run_in_thread(slow)
        wait_running("SELECT SLEEP(2), 'done'")
        t_term = time.monotonic()
        proxy.terminate()

        # idle sessions are closed promptly
        _, waited = idle_raw.read_until_closed(timeout=1.5)
        check(waited < 1.5, f"idle session closed after {waited:.2f}s")
        try:
            idle_py.ping(reconnect=False)
            raise AssertionError("idle pymysql session still answers after SIGTERM")
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            pass
        # the listener is gone
        expect_refused(proxy.port)
        check(proxy.alive(), "proxy must wait for the in-flight statement")

        thread.join(10)
        check(not thread.is_alive(), "in-flight statement did not return")
        check("error" not in out, f"in-flight statement failed: {out.get('error')!r}")
        check_eq(out["result"], ((0, "done"),), "in-flight statement's result")
        check(1.9 < out["elapsed"] < 4.0, f"statement took {out['elapsed']:.2f}s")

        rc = proxy.wait_exit(timeout=6)
        t_exit = time.monotonic()
        check_eq(rc, 0, "exit code")
        check(t_exit - t_start < 4.0, f"exited {t_exit - t_term:.2f}s after SIGTERM, expected soon after the statement")
        try:  # the busy session is closed after its statement, not left to hang
            with busy.cursor() as c:
                c.execute("SELECT 1")
            raise AssertionError("session still usable after the proxy exited")
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            pass
        idle_raw.close()


def test_deadline_cuts_long_statement():
    with Proxy("shutdown-deadline", {"shutdown_timeout_ms": 1000}) as proxy:
        busy = proxy.connect(read_timeout=30)

        def slow():
            with busy.cursor() as c:
                c.execute("SELECT SLEEP(8)")
                return c.fetchall()

        thread, out = run_in_thread(slow)
        wait_running("SELECT SLEEP(8)")
        t_term = time.monotonic()
        proxy.terminate()
        rc = proxy.wait_exit(timeout=5)
        waited = time.monotonic() - t_term
        check_eq(rc, 0, "exit code after the shutdown deadline")
        check(0.8 < waited < 3.0, f"exited {waited:.2f}s after SIGTERM with shutdown_timeout_ms=1000")
        thread.join(5)
        check(not thread.is_alive(), "client still blocked after the proxy exited")
        check("error" in out, f"statement cut by the deadline must fail, got {out}")


def test_idle_transaction_rolled_back():
    conn = backend()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY) ENGINE=InnoDB")
    conn.close()
    with Proxy("shutdown-tx") as proxy:
        s = proxy.connect(db=DB, autocommit=False)
        with s.cursor() as c:
            c.execute("INSERT INTO t VALUES (1)")
        proxy.terminate()
        check_eq(proxy.wait_exit(timeout=5), 0, "exit code")
        deadline = time.monotonic() + 5
        while backend_value(f"SELECT COUNT(*) FROM {DB}.t") != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.t"), 0, "uncommitted row after shutdown")
        s.close()


def test_no_sessions_exits_fast():
    with Proxy("shutdown-empty") as proxy:
        proxy.value("SELECT 1")  # leaves an idle pooled backend connection
        t0 = time.monotonic()
        proxy.terminate()
        check_eq(proxy.wait_exit(timeout=5), 0, "exit code")
        check(time.monotonic() - t0 < 1.5, f"exit took {time.monotonic() - t0:.2f}s")


if __name__ == "__main__":
    ok = run_cases([test_inflight_statement_completes, test_deadline_cuts_long_statement,
                    test_idle_transaction_rolled_back, test_no_sessions_exits_fast])
    sys.exit(0 if ok else 1)
