#!/usr/bin/python3
"""Read/write splitting on the real replication of the test cluster (docs/replicas.md).

The proxy here has ds0 = p0 + replica r0 and ds1 = p1 + replica r1, a 200 ms monitor and
max_replica_lag_ms 500. Which server answered is read from @@port. Cases:
  - reads outside transactions reach the replica; writes, FOR UPDATE, LOCK IN SHARE MODE,
    the /* shardwire:primary */ hint, transactions and autocommit=0 reach the primary;
  - STOP SLAVE SQL_THREAD: reads move to the primary within a few monitor rounds, and back
    to the replica after START SLAVE SQL_THREAD;
  - MASTER_DELAY: while the replica lags behind a write, reads go to the primary; after it
    caught up, to the replica again;
  - read-your-writes under a 3 s MASTER_DELAY: an INSERT then an immediate SELECT in the
    same session always sees the row (causal_reads "gtid" and "primary");
  - a read_only primary: writes get ERR 1290 from the proxy, reads go on;
  - a replica killed with SIGKILL: reads keep succeeding; the failed statements are counted
    and must stay within the detection window; the replica is started again and serves.
Each case restores replication (START SLAVE, MASTER_DELAY=0, read_only=0) before it ends."""
import os
import signal
import subprocess
import threading
import time

import pymysql

from harness import Proxy, backend, check, check_eq, cluster_port, env, expect_error, free_port, main_cases, wait_for

MONITOR_MS = 200
MAX_LAG_MS = 500
proxy = None


def replicas_config(causal="gtid"):
    p = cluster_port
    return {
        "backend_defaults": {"reads": {"max_replica_lag_ms": MAX_LAG_MS, "causal_reads": causal,
                                       "causal_timeout_ms": 1000, "causal_window_ms": 4000}},
        "data_sources": {
            "ds0": {"primary": f"127.0.0.1:{p('p0')}", "replicas": [f"127.0.0.1:{p('r0')}"]},
            "ds1": {"primary": f"127.0.0.1:{p('p1')}", "replicas": [f"127.0.0.1:{p('r1')}"]},
        },
        "monitor": {"interval_ms": MONITOR_MS, "timeout_ms": 1000, "down_after": 1, "up_after": 2},
    }


def root(node, sql):
    with backend(node, root=True) as c, c.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def port_of(conn, sql="SELECT @@port"):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def reads_reach(port):
    """True once a new session's plain read is answered by `port`."""
    with proxy.connect() as c:
        return port_of(c) == port


def restore_replication():
    root("r0", "STOP SLAVE")
    root("r0", "CHANGE MASTER TO MASTER_DELAY = 0")
    root("r0", "START SLAVE")
    root("p0", "SET GLOBAL read_only = 0")
    wait_for("r0 back as a replica", lambda: reads_reach(cluster_port("r0")))


def test_setup():
    with backend("p0") as c, c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS swrepl")
        cur.execute("CREATE TABLE IF NOT EXISTS swrepl.t (id INT PRIMARY KEY, v VARCHAR(20))")
        cur.execute("DELETE FROM swrepl.t")
    wait_for("reads on r0 after the first monitor rounds", lambda: reads_reach(cluster_port("r0")))


def test_reads_to_replica_writes_to_primary():
    p0, r0 = cluster_port("p0"), cluster_port("r0")
    with proxy.connect(db="swrepl") as c:
        check_eq(port_of(c), r0, "plain read")
        check_eq(port_of(c, "SELECT @@port FROM DUAL FOR UPDATE"), p0, "FOR UPDATE")
        check_eq(port_of(c, "SELECT @@port FROM DUAL LOCK IN SHARE MODE"), p0, "LOCK IN SHARE MODE")
        check_eq(port_of(c, "/* shardwire:primary */ SELECT @@port"), p0, "hint")
        check_eq(port_of(c, "SELECT @@port + 0 * GET_LOCK('swrepl', 0)"), p0, "GET_LOCK pins: primary")
        check_eq(port_of(c, "SELECT @@port FROM DUAL WHERE RELEASE_LOCK('swrepl') IS NOT NULL"), p0,
                 "pinned session: primary")
        with c.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (1, 'one') RETURNING @@port")
            check_eq(cur.fetchone()[0], p0, "INSERT ... RETURNING runs on the primary")
            cur.execute("BEGIN")
        check_eq(port_of(c), p0, "read inside BEGIN")
        with c.cursor() as cur:
            cur.execute("COMMIT")
            cur.execute("SET autocommit = 0")
        check_eq(port_of(c), p0, "read with autocommit=0")
        with c.cursor() as cur:
            cur.execute("COMMIT")
            cur.execute("SET autocommit = 1")


def test_stopped_sql_thread_sends_reads_to_primary():
    p0, r0 = cluster_port("p0"), cluster_port("r0")
    try:
        root("r0", "STOP SLAVE SQL_THREAD")
        t0 = time.monotonic()
        wait_for("reads move to p0", lambda: reads_reach(p0))
        # a few monitor rounds; generous for slow (sanitizer) builds on a shared machine
        check(time.monotonic() - t0 < 25 * MONITOR_MS / 1000, f"moved after {time.monotonic() - t0:.1f}s")
        for _ in range(10):
            check(reads_reach(p0), "reads stay on p0 while the SQL thread is stopped")
        root("r0", "START SLAVE SQL_THREAD")
        wait_for("reads back on r0", lambda: reads_reach(r0))
    finally:
        restore_replication()


def test_master_delay_lag():
    p0, r0 = cluster_port("p0"), cluster_port("r0")
    try:
        root("r0", "STOP SLAVE")
        root("r0", "CHANGE MASTER TO MASTER_DELAY = 3")
        root("r0", "START SLAVE")
        with backend("p0", "swrepl") as c, c.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (2, 'delayed')")
        wait_for("reads move to p0 while r0 holds the write back", lambda: reads_reach(p0))
        with proxy.connect(db="swrepl") as c, c.cursor() as cur:
            cur.execute("SELECT v FROM t WHERE id = 2")
            check_eq(cur.fetchall(), (("delayed",),), "a read while r0 lags sees the write (served by p0)")
        wait_for("reads back on r0 after it applied the write", lambda: reads_reach(r0), timeout=20)

        # Lag is measured, not the row: within max_replica_lag_ms r0 may still serve a read
        # that misses it (bounded staleness). Wait for the event itself: r0 serving it.
        def served_by_r0():
            with proxy.connect(db="swrepl") as c, c.cursor() as cur:
                cur.execute("SELECT v, @@port FROM t WHERE id = 2")
                return cur.fetchall() == (("delayed", r0),)
        wait_for("r0 serves the row once it applied it", served_by_r0, timeout=20)
    finally:
        restore_replication()


def read_your_writes(causal):
    p0, r0 = cluster_port("p0"), cluster_port("r0")
    with Proxy(f"replica-ryw-{causal}", config=replicas_config(causal)) as px:
        wait_for("reads on r0", lambda: port_of(px.connect()) == r0)
        try:
            # Replication keeping up: the replica serves the read once it has the write
            # (gtid: MASTER_GTID_WAIT on it; primary: the window sends it to p0).
            with px.connect(db="swrepl") as c, c.cursor() as cur:
                for i in range(20, 30):
                    cur.execute("INSERT INTO t VALUES (%s, %s)", (i, causal))
                    cur.execute("SELECT v FROM t WHERE id = %s", (i,))
                    check_eq(cur.fetchone(), (causal,), f"row {i} read right after its INSERT (no delay)")
                cur.execute("SELECT @@port")
                check_eq(cur.fetchone()[0], r0 if causal == "gtid" else p0, "a plain read after the writes")
            root("r0", "STOP SLAVE")
            root("r0", "CHANGE MASTER TO MASTER_DELAY = 3")
            root("r0", "START SLAVE")
            served = []
            with px.connect(db="swrepl") as c, c.cursor() as cur:
                for i in range(10, 20):
                    cur.execute("INSERT INTO t VALUES (%s, %s)", (i, causal))
                    cur.execute("SELECT v, @@port FROM t WHERE id = %s", (i,))
                    row = cur.fetchone()
                    check(row is not None and row[0] == causal, f"row {i} read right after its INSERT: {row}")
                    served.append(row[1])
            check(set(served) <= {p0, r0}, f"served by {served}")
            print(f"  causal_reads {causal}: 10 of 10 reads saw their write (served by ports {served})")
        finally:
            restore_replication()
            with backend("p0", "swrepl") as c, c.cursor() as cur:
                cur.execute("DELETE FROM t WHERE id BETWEEN 10 AND 29")


def test_read_your_writes_gtid():
    read_your_writes("gtid")


def test_read_your_writes_primary_window():
    read_your_writes("primary")


def monitor_says_read_only(expected):
    """Whether the proxy's monitor has seen p0's read_only as `expected`: a write
    through the proxy is refused with the proxy's own read_only message, or not."""
    with proxy.connect(db="swrepl") as c, c.cursor() as cur:
        try:
            cur.execute("UPDATE t SET id = id WHERE id = -1")  # a write that changes nothing
            refused = False
        except pymysql.MySQLError as e:
            refused = e.args[0] == 1290 and "is read_only" in e.args[1]
        return refused == expected


def test_read_only_primary_refuses_writes():
    p0 = cluster_port("p0")
    try:
        root("p0", "SET GLOBAL read_only = 1")
        wait_for("the monitor sees p0 read_only", lambda: monitor_says_read_only(True))
        with proxy.connect(db="swrepl") as c:
            e = expect_error(1290, lambda: c.cursor().execute("INSERT INTO t VALUES (3, 'no')"))
            check("is read_only" in e.args[1] and str(p0) in e.args[1], e.args[1])
            with c.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM t WHERE id = 3")
                check_eq(cur.fetchone()[0], 0, "reads go on; nothing was written")
        root("p0", "SET GLOBAL read_only = 0")
        wait_for("the monitor sees p0 writable", lambda: monitor_says_read_only(False))
        with proxy.connect(db="swrepl") as c, c.cursor() as cur:
            cur.execute("INSERT INTO t VALUES (3, 'yes')")
    finally:
        root("p0", "SET GLOBAL read_only = 0")


def test_killed_replica_reads_fail_over():
    r0 = cluster_port("r0")
    pid = int(open(os.path.join(env("SW_CLUSTER_DIR"), "r0", "mysqld.pid")).read().strip())
    results, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            t = time.monotonic()
            try:
                with proxy.connect(db="swrepl") as c:
                    results.append((t, port_of(c, "SELECT @@port FROM t LIMIT 1"), None))
            except pymysql.MySQLError as e:
                results.append((t, None, e.args[0]))
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        wait_for("readers under way", lambda: sum(1 for r in results if r[1] is not None) >= 8)
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        # Until reads have gone on for a while past the 1 s detection window, and the
        # last 20 of them succeeded: the event this test is about, not a fixed pause.
        wait_for("reads past the detection window", lambda: len(
            [r for r in results if r[0] > killed_at + 1.5 and r[1] is not None]) >= 20, timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join()
        subprocess.run([os.path.join(env("SHARDWIRE_SOURCE_DIR"), "scripts", "cluster.sh"), "up"], check=True,
                       stdout=subprocess.DEVNULL)
    after = [r for r in results if r[0] >= killed_at]
    failed = [r for r in after if r[1] is None]
    late = [r for r in failed if r[0] > killed_at + 1.0]
    print(f"  {len(after)} reads after SIGKILL, {len(failed)} failed (errors {sorted({r[2] for r in failed})}), "
          f"{len(late)} failed later than 1 s after it")
    check(not late, f"reads failing after the detection window: {late[:5]}")
    check(all(r[1] is not None for r in after[-20:]), "the last reads succeed")
    wait_for("r0 serves again after its restart", lambda: reads_reach(r0), timeout=30)


def test_heartbeat_table_measures_lag():
    cfg = replicas_config()
    cfg["monitor"]["heartbeat_table"] = "swhb.heartbeat"
    cfg["monitor"]["user"] = None  # the app account: the heartbeat needs INSERT and CREATE
    with Proxy("replica-heartbeat", config=cfg) as px:
        r0 = cluster_port("r0")
        wait_for("reads on r0 with the heartbeat", lambda: port_of(px.connect()) == r0)
        # The monitor writes the row on each primary; a replica has it once replication
        # applied it: wait for that event on every server, never check once.
        def fresh_row(node):
            try:
                with backend(node) as c, c.cursor() as cur:
                    cur.execute("SELECT TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)) FROM swhb.heartbeat WHERE id = 1")
                    row = cur.fetchone()
                    return row is not None and row[0] < 5_000_000
            except pymysql.MySQLError:  # the database or table not replicated yet
                return False
        for node in ("p0", "r0", "p1", "r1"):
            wait_for(f"a fresh heartbeat row on {node}", lambda: fresh_row(node))
    with backend("p0") as c, c.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS swhb")
    with backend("p1") as c, c.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS swhb")


def test_down_primary_fails_fast():
    # ds0's primary is a port nobody listens on: the first statement's connect is refused
    # (ERR 1429), the next ones fail at once as backend_down instead of retrying.
    dead = free_port()
    cfg = {"data_sources": {"ds0": {"primary": f"127.0.0.1:{dead}"}},
           "monitor": {"interval_ms": 60000}}
    with Proxy("replica-dead-primary", config=cfg) as px:
        # (the login itself needs the default data source: it fails the same way)
        e = expect_error(1429, px.connect)
        check(str(dead) in e.args[1] and "refused" in e.args[1], e.args[1])
        t0 = time.monotonic()
        e = expect_error(1429, px.connect)
        check("marked down" in e.args[1], e.args[1])
        check(time.monotonic() - t0 < 0.5, f"took {time.monotonic() - t0:.2f}s")



def test_cleanup():
    with backend("p0") as c, c.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS swrepl")


def start():
    global proxy
    proxy = Proxy("replica", config=replicas_config()).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_setup, test_reads_to_replica_writes_to_primary, test_stopped_sql_thread_sends_reads_to_primary,
                test_master_delay_lag, test_read_your_writes_gtid, test_read_your_writes_primary_window,
                test_read_only_primary_refuses_writes, test_killed_replica_reads_fail_over,
                test_heartbeat_table_measures_lag, test_down_primary_fails_fast, test_cleanup], start)
