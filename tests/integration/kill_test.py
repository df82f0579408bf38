#!/usr/bin/python3
"""KILL through the proxy: ids are the proxy's connection ids, translated to backend
thread ids; ownership is checked; forms that cannot be translated are refused so that
no KILL ever reaches a backend with a number that means another thread there."""
import signal
import subprocess
import threading
import time

import pymysql

import itertools

from harness import HASH_PASSWORD, HASH_USER, Proxy, backend, check, check_eq, expect_error, main_cases, wait_for

proxy = None


def sleeper(conn, seconds, out):
    try:
        with conn.cursor() as c:
            c.execute(f"SELECT SLEEP({seconds})")
            out.append(("ok", c.fetchone()[0]))
    except pymysql.MySQLError as e:
        out.append(("error", e.args[0]))


SLEEPS = itertools.count(1)


def running_on_backend(sql):
    with backend() as b, b.cursor() as c:
        c.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = %s", (sql,))
        return c.fetchone()[0] > 0


def start_sleeping(seconds=10):
    """A session running SELECT SLEEP(...) on the backend (waited for there, not guessed)."""
    victim = proxy.connect()
    out = []
    seconds = f"{seconds}.{next(SLEEPS):03d}"  # this call's own statement text
    t = threading.Thread(target=sleeper, args=(victim, seconds, out))
    t.start()
    wait_for("the SLEEP running on the backend", lambda: running_on_backend(f"SELECT SLEEP({seconds})"))
    return victim, t, out


def test_kill_query_interrupts_only_that_statement():
    victim, t, out = start_sleeping()
    killer = proxy.connect()
    t0 = time.monotonic()
    with killer.cursor() as c:
        c.execute(f"KILL QUERY {victim.thread_id()}")
    t.join(5)
    check(time.monotonic() - t0 < 3, "KILL QUERY took effect promptly")
    # SLEEP() returns 1 when interrupted by KILL QUERY in MariaDB, or the statement fails 1317
    check(out in ([("ok", 1)], [("error", 1317)]), f"victim saw {out}")
    with victim.cursor() as c:
        c.execute("SELECT 1")
        check_eq(c.fetchone()[0], 1, "victim session still usable")
    victim.close()
    killer.close()


def test_kill_connection_ends_the_victim_session():
    victim, t, out = start_sleeping()
    killer = proxy.connect()
    with killer.cursor() as c:
        c.execute(f"KILL CONNECTION {victim.thread_id()}")
    t.join(5)
    check(out and out[0][0] == "error", f"victim's statement failed: {out}")
    try:
        victim.cursor().execute("SELECT 1")
        check(False, "victim connection must be closed")
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
        pass
    with killer.cursor() as c:
        c.execute("SELECT 2")
        check_eq(c.fetchone()[0], 2, "killer unaffected")
    killer.close()


def test_com_process_kill():
    victim, t, out = start_sleeping()
    killer = proxy.connect()
    killer.kill(victim.thread_id())  # COM_PROCESS_KILL
    t.join(5)
    check(out and out[0][0] == "error", f"victim's statement failed: {out}")
    killer.close()


def test_unknown_and_foreign_ids():
    conn = proxy.connect()
    # A real backend thread whose number a client could type: never touched.
    direct = backend("p0")
    with direct.cursor() as c:
        c.execute("SELECT CONNECTION_ID()")
        backend_id = c.fetchone()[0]
    expect_error(1094, conn.cursor().execute, f"KILL {backend_id}")
    expect_error(1094, conn.cursor().execute, f"KILL QUERY {backend_id}")
    with direct.cursor() as c:
        c.execute("SELECT 3")
        check_eq(c.fetchone()[0], 3, "backend thread with that number still alive")
    direct.close()
    # Another proxy user's session: not yours.
    other = proxy.connect(user=HASH_USER, password=HASH_PASSWORD)
    expect_error(1095, conn.cursor().execute, f"KILL {other.thread_id()}")
    other.cursor().execute("SELECT 1")
    other.close()
    conn.close()


def test_untranslatable_forms_are_refused():
    conn = proxy.connect()
    me = conn.thread_id()
    for sql in ["KILL USER app", "KILL QUERY ID 5", "KILL 2+3", f"KILL {me}; SELECT 1"]:
        expect_error(1235, conn.cursor().execute, sql)
    with conn.cursor() as c:
        c.execute("SELECT 4")
        check_eq(c.fetchone()[0], 4, "session still usable after refused KILLs")
    conn.close()


def test_kill_self():
    conn = proxy.connect()
    expect_error(1927, conn.cursor().execute, f"KILL {conn.thread_id()}")


def test_cli_ctrl_c_cancels_its_own_query():
    cli = subprocess.Popen(["mariadb", "-h127.0.0.1", f"-P{proxy.port}", "-uapp", "-papp", "-e", "SELECT SLEEP(10.5)"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for("the CLI's SLEEP running on the backend", lambda: running_on_backend("SELECT SLEEP(10.5)"))
    t0 = time.monotonic()
    cli.send_signal(signal.SIGINT)
    out, err = cli.communicate(timeout=10)
    check(time.monotonic() - t0 < 4, "Ctrl-C took effect promptly")
    check(b"interrupted" in err or b"killed" in out + err, f"CLI output: {out!r} {err!r}")


def start():
    global proxy
    proxy = Proxy("kill").start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_kill_query_interrupts_only_that_statement, test_kill_connection_ends_the_victim_session,
                test_com_process_kill, test_unknown_and_foreign_ids, test_untranslatable_forms_are_refused,
                test_kill_self, test_cli_ctrl_c_cancels_its_own_query], start)
