#!/usr/bin/python3
"""Soak with faults: many concurrent clients on the demo layout through one proxy while
backends are killed, restarted and frozen, then an integrity check on the backends.

    tests/soak/soak.py [--clients N] [--seconds S]      (env: SOAK_CLIENTS, SOAK_SECONDS)

CI runs the short form (ctest soak/short: 200 clients, 120 s); `make soak` the full one
(1,000 clients, 600 s). Clients (each its own thread and connection):
  - workers (most): point reads by user_id and by order_id, inserts, updates,
    cross-shard transactions (two data sources, one COMMIT), merged reads (ORDER BY ...
    LIMIT over shards, COUNT(*) over all 64 tables), server-side prepared statements
    (COM_STMT_PREPARE / EXECUTE: reads and inserts);
  - idle clients (10 %): connect, sit, COM_PING now and then;
  - slow clients (2 %): ask for a large result and stop reading; the proxy must close
    them (client_write_timeout_s) and end their statement on the server.
Faults, at fixed fractions of the run: r0 SIGKILLed and started again; p1 shut down and
started again (a primary restart); p0 SIGSTOPped for 20 s (10 s in the short form).

Passes when:
  - the proxy's RSS stays under the stated bound and does not trend upward after
    warm-up (the last quarter's mean within 15 % + 16 MiB of the second quarter's);
  - no operation takes longer than HUNG_S (every wait in the proxy has a timeout);
  - every error is one a fault explains (its errno is in FAULT_ERRNOS and it happened
    inside a fault's window), or a slow client cut off as it should be;
  - on the primaries every acknowledged insert is present exactly once, in the physical
    table its rule names (node = user_id % 64 -> db_{node/8}.order_info_{node%8}), no
    insert reported failed is present, nothing is there that no client wrote, and every
    order's amount is its last acknowledged update or one whose outcome is unknown.
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import pymysql  # noqa: E402

import stmt_wire  # noqa: E402
import wire  # noqa: E402
from harness import HOST, Proxy, backend, cluster_port, demo_schemas, env, rss_kb, wait_for  # noqa: E402

HUNG_S = 45.0           # no operation may take longer (the proxy's own bounds are far shorter)
WINDOW_GRACE_S = 15.0   # after a fault ends, errors it caused may still surface
# Errors a fault explains: the proxy's backend errors (1429 down / cannot connect, 1430
# lost mid-statement, 1040 pool wait, 1969 statement time, 1180 partial commit), the
# server's own during a restart (1053 shutdown, 1927 killed, 2013/2006 lost), and the
# client library's view of a connection the proxy closed (2013, 2006, 0 / Closed).
FAULT_ERRNOS = {1429, 1430, 1040, 1969, 1180, 1053, 1927, 2006, 2013, 0}
# A write answered with one of these may or may not have happened (the connection went
# away before its answer); any other ERR means it did not.
UNKNOWN_ERRNOS = {0, 2006, 2013, 1430}
DB = "soak"
SLOW_SQL = "SELECT REPEAT('x', 1000) FROM seq_1_to_100000"  # ~100 MB, for the slow clients
PS_SELECT = "SELECT order_id, amount FROM order_info WHERE user_id = ?"
PS_INSERT = ("INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
             "VALUES (?, ?, 1, 'new', ?, NOW())")


def node_of(user_id):
    n = user_id % 64
    return ("p0" if n // 8 < 4 else "p1"), f"db_{n // 8}", f"order_info_{n % 8}"


class Ledger:
    """What every client was told. Per order id: its user, whether the insert was
    acknowledged ('ack'), reported failed ('failed') or unknown (connection lost before
    the answer), and the amounts written with their outcome, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}    # order_id -> [user_id, insert outcome]
        self.updates = {}   # order_id -> [(amount, outcome)], in the order sent

    def insert(self, order_id, user_id, outcome):
        with self.lock:
            self.orders[order_id] = [user_id, outcome]

    def update(self, order_id, amount, outcome):
        with self.lock:
            self.updates.setdefault(order_id, []).append((amount, outcome))


class Run:
    def __init__(self, clients, seconds):
        self.clients = clients
        self.seconds = seconds
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors = []        # (time, errno, message, op)
        self.slow_cut = []      # seconds until the proxy closed a slow client
        self.slow_failed = []
        self.hung = []          # (op, seconds)
        self.ops = 0
        self.windows = []       # (start, end) of each fault, end None while it lasts
        self.rss = []           # (time, kib)
        self.t0 = time.monotonic()

    def error(self, errno, message, op):
        with self.lock:
            self.errors.append((time.monotonic(), errno, str(message)[:200], op))

    def explained(self, t, errno):
        if errno not in FAULT_ERRNOS:
            return False
        for start, end in self.windows:
            if start <= t <= (end if end is not None else float("inf")) + WINDOW_GRACE_S:
                return True
        return False


def errno_of(e):
    if isinstance(e, pymysql.MySQLError) and e.args and isinstance(e.args[0], int):
        return e.args[0]
    if isinstance(e, stmt_wire.ServerError):
        return e.errno
    return 0  # the connection closed under the client (socket error, wire.Closed)


# --- workers ------------------------------------------------------------------------
class Worker:
    def __init__(self, run, proxy, index):
        self.run = run
        self.proxy = proxy
        self.rng = random.Random(index)
        self.index = index
        self.users = [index * 100 + k for k in range(16)]  # its own users: its updates are ordered
        self.seq = 0
        self.mine = []   # order ids it inserted (acknowledged)
        self.conn = None
        self.stmts = None   # (StmtConn, select stmt, insert stmt)

    def next_order(self, user_id):
        self.seq += 1
        return (self.index * 1_000_000 + self.seq) * 64 + user_id % 64  # gene: lands on the user's node

    def connection(self):
        if self.conn is None:
            self.conn = self.proxy.connect(db=DB, read_timeout=HUNG_S, write_timeout=HUNG_S)
        return self.conn

    def drop(self):
        for c in (self.conn, self.stmts[0] if self.stmts else None):
            if c is not None:
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
        self.conn = None
        self.stmts = None

    def loop(self):
        think = max(0.02, self.run.clients / 700.0)  # about 700 operations a second in all
        while not self.run.stop.is_set():
            op = self.rng.choices(["read_user", "read_order", "insert", "update", "txn", "merge", "ps"],
                                  [30, 15, 20, 10, 10, 8, 7])[0]
            started = time.monotonic()
            try:
                getattr(self, op)()
            except Exception as e:  # noqa: BLE001
                self.run.error(errno_of(e), e, op)
                self.drop()
            took = time.monotonic() - started
            with self.run.lock:
                self.run.ops += 1
                if took > HUNG_S:
                    self.run.hung.append((op, took))
            self.run.stop.wait(self.rng.uniform(0.5, 1.5) * think)
        self.drop()

    def query(self, sql, args=None):
        with self.connection().cursor() as c:
            c.execute(sql, args)
            return c.fetchall()

    def read_user(self):
        self.query("SELECT order_id, amount FROM order_info WHERE user_id = %s", (self.rng.choice(self.users),))

    def read_order(self):
        if self.mine:
            self.query("SELECT user_id, amount FROM order_info WHERE order_id = %s", (self.rng.choice(self.mine),))

    def insert(self):
        user = self.rng.choice(self.users)
        oid = self.next_order(user)
        self.write(oid, user, lambda: self.query(
            "INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
            "VALUES (%s, %s, 1, 'new', 0, NOW())", (oid, user)))

    def write(self, oid, user, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            # An answer (an ERR) means it did not happen; no answer means we cannot know.
            self.run.ledger.insert(oid, user, "unknown" if errno_of(e) in UNKNOWN_ERRNOS else "failed")
            raise
        self.run.ledger.insert(oid, user, "ack")
        self.mine.append(oid)

    def update(self):
        if not self.mine:
            return
        oid = self.rng.choice(self.mine)
        self.seq += 1
        amount = self.seq
        try:
            self.query("UPDATE order_info SET amount = %s WHERE order_id = %s", (amount, oid))
        except Exception as e:  # noqa: BLE001
            self.run.ledger.update(oid, amount, "unknown" if errno_of(e) in UNKNOWN_ERRNOS else "failed")
            raise
        self.run.ledger.update(oid, amount, "ack")

    def txn(self):
        # Two users on different data sources: node < 32 on p0, >= 32 on p1.
        a = self.rng.choice([u for u in self.users if u % 64 < 32] or self.users)
        b = self.rng.choice([u for u in self.users if u % 64 >= 32] or self.users)
        oa, ob = self.next_order(a), self.next_order(b)
        c = self.connection()
        try:
            c.begin()
            self.query("INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
                       "VALUES (%s, %s, 2, 'txn', 0, NOW())", (oa, a))
            self.query("INSERT INTO order_info (order_id, user_id, merchant_id, status, amount, created_at) "
                       "VALUES (%s, %s, 2, 'txn', 0, NOW())", (ob, b))
        except Exception:
            # Before COMMIT nothing is committed, whatever happened: the connection is
            # dropped below and the proxy (or the server) rolls the transaction back.
            for oid, user in ((oa, a), (ob, b)):
                self.run.ledger.insert(oid, user, "failed")
            raise
        try:
            c.commit()
        except Exception:
            # A failed COMMIT across data sources may have committed one of them (1180
            # names which); either way the outcome of each row is not known here.
            for oid, user in ((oa, a), (ob, b)):
                self.run.ledger.insert(oid, user, "unknown")
            raise
        for oid, user in ((oa, a), (ob, b)):
            self.run.ledger.insert(oid, user, "ack")
            self.mine.append(oid)

    def merge(self):
        if self.rng.random() < 0.1:
            self.query("SELECT COUNT(*) FROM order_info")
        else:
            users = self.rng.sample(self.users, 4)
            self.query("SELECT order_id, user_id, amount FROM order_info WHERE user_id IN (%s, %s, %s, %s) "
                       "ORDER BY order_id DESC LIMIT 10", users)

    def ps_conn(self):
        if self.stmts is None:
            c = stmt_wire.StmtConn(HOST, self.proxy.port, db=DB, timeout=HUNG_S)
            self.stmts = (c, c.prepare(PS_SELECT), c.prepare(PS_INSERT))
        return self.stmts

    def ps(self):
        c, sel, ins = self.ps_conn()
        user = self.rng.choice(self.users)
        if self.rng.random() < 0.5:
            r = c.execute(sel, [stmt_wire.p_int(stmt_wire.LONGLONG, user)])
            if r.kind == "err":
                raise stmt_wire.ServerError(r.errno, r.sqlstate, r.message, what="ps select")
            return
        oid = self.next_order(user)

        def run():
            r = c.execute(ins, [stmt_wire.p_int(stmt_wire.LONGLONG, oid), stmt_wire.p_int(stmt_wire.LONGLONG, user),
                                stmt_wire.p_int(stmt_wire.LONGLONG, 0)])
            if r.kind == "err":
                raise stmt_wire.ServerError(r.errno, r.sqlstate, r.message, what="ps insert")
        self.write(oid, user, run)


def idle_client(run, proxy, index):
    rng = random.Random(10_000 + index)
    conn = None
    while not run.stop.is_set():
        started = time.monotonic()
        try:
            if conn is None:
                conn = proxy.connect(db=DB, read_timeout=HUNG_S)
            conn.ping(reconnect=False)
        except Exception as e:  # noqa: BLE001
            run.error(errno_of(e), e, "idle")
            conn = None
        if time.monotonic() - started > HUNG_S:
            with run.lock:
                run.hung.append(("idle ping", time.monotonic() - started))
        run.stop.wait(rng.uniform(5, 20))
    if conn is not None:
        conn.close()


def slow_client(run, proxy, index, write_timeout_s):
    """Asks for ~100 MB and stops reading: the proxy must close it (client_write_timeout_s)."""
    rng = random.Random(20_000 + index)
    run.stop.wait(rng.uniform(0, 10))
    while not run.stop.is_set():
        started = time.monotonic()
        c = None
        try:
            c = wire.Conn(HOST, proxy.port, timeout=HUNG_S)
            c.login(db=DB)
            c.command(wire.COM_QUERY, SLOW_SQL.encode())
            if run.stop.wait(write_timeout_s * 2 + 5):  # reads nothing meanwhile
                break  # the run ended before the proxy had to act: nothing to judge
            # Now read what is buffered: a closed connection ends in EOF or a reset.
            c.sock.settimeout(5)
            closed = False
            while time.monotonic() - started < HUNG_S:
                try:
                    if not c.sock.recv(1 << 20):
                        closed = True
                        break
                except socket.timeout:
                    break  # open, and nothing more comes
                except OSError:
                    closed = True
                    break
            took = time.monotonic() - started
            with run.lock:
                (run.slow_cut if closed else run.slow_failed).append(round(took, 1))
        except Exception as e:  # noqa: BLE001
            run.error(errno_of(e), e, "slow")
        finally:
            if c is not None:
                c.close()
        run.stop.wait(rng.uniform(2, 8))


# --- faults ----------------------------------------------------------------------------
def pid_of(node):
    with open(os.path.join(env("SW_CLUSTER_DIR"), node, "mysqld.pid")) as f:
        return int(f.read().strip())


def cluster_up():
    subprocess.run([os.path.join(env("SHARDWIRE_SOURCE_DIR"), "scripts", "cluster.sh"), "up"], check=True,
                   stdout=subprocess.DEVNULL)


def wait_gone(pid, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"pid {pid} still running after {timeout}s")


def faults(run, stop_s):
    plan = [(0.20, "kill r0"), (0.40, "restart p1"), (0.60, f"stop p0 {stop_s}s")]
    for at, what in plan:
        if run.stop.wait(max(0.0, run.t0 + at * run.seconds - time.monotonic())):
            return
        start = time.monotonic()
        with run.lock:
            run.windows.append((start, None))
        print(f"  fault at {start - run.t0:5.1f}s: {what}", flush=True)
        if what == "kill r0":
            pid = pid_of("r0")
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid)
            time.sleep(5)
            cluster_up()
        elif what == "restart p1":
            pid = pid_of("p1")
            os.kill(pid, signal.SIGTERM)
            wait_gone(pid)
            cluster_up()
        else:
            pid = pid_of("p0")
            os.kill(pid, signal.SIGSTOP)
            try:
                time.sleep(stop_s)
            finally:
                os.kill(pid, signal.SIGCONT)
        with run.lock:
            run.windows[-1] = (start, time.monotonic())
        print(f"  fault over at {time.monotonic() - run.t0:5.1f}s", flush=True)


def restore_cluster():
    """Whatever a fault left: p0 running, every server up, both replicas replicating and
    caught up with their primary (the tests after this one share the cluster)."""
    try:
        os.kill(pid_of("p0"), signal.SIGCONT)
    except (OSError, ValueError):
        pass
    cluster_up()
    for primary, replica in (("p0", "r0"), ("p1", "r1")):
        conn = backend(primary, root=True)
        with conn.cursor() as c:
            c.execute("SELECT @@gtid_binlog_pos")
            pos = c.fetchone()[0]
        conn.close()
        conn = backend(replica, root=True)
        with conn.cursor() as c:
            c.execute("SELECT MASTER_GTID_WAIT(%s, 60)", (pos,))
            caught_up = c.fetchone()[0] == 0
        conn.close()
        if not caught_up:
            raise AssertionError(f"{replica} did not reach {primary}'s position {pos} within 60 s")


def sample_rss(run, pid):
    while not run.stop.wait(1.0):
        run.rss.append((time.monotonic() - run.t0, rss_kb(pid)))


# --- setup and checks ------------------------------------------------------------------
def config(clients, write_timeout_s):
    p = cluster_port
    return {
        "max_client_connections": 2 * clients + 200,  # a worker may hold a text and a prepared-statement connection
        "client_write_timeout_s": write_timeout_s,
        "max_statement_time_ms": 8000,
        "schemas": {DB: demo_schemas()["orders"]},
        "backend_defaults": {
            "pool": {"max_connections": 400, "connect_timeout_ms": 3000, "idle_timeout_s": 60,
                     "command_timeout_ms": 3000},
            "reads": {"max_replica_lag_ms": 2000, "fallback": "primary", "causal_reads": "gtid",
                      "causal_timeout_ms": 1000},
        },
        "data_sources": {
            "ds0": {"primary": f"{HOST}:{p('p0')}", "replicas": [f"{HOST}:{p('r0')}"]},
            "ds1": {"primary": f"{HOST}:{p('p1')}", "replicas": [f"{HOST}:{p('r1')}"]},
        },
        "monitor": {"interval_ms": 500, "timeout_ms": 1000, "down_after": 2, "up_after": 2},
        "limits": {"max_unauthenticated": 2048},
    }


def create_schema(proxy):
    # DROP DATABASE of a logical database reaches its default data source only
    # (docs/routing.md): the physical ones go directly.
    for node, dbs in (("p0", [DB] + [f"db_{d}" for d in range(4)]), ("p1", [f"db_{d}" for d in range(4, 8)])):
        conn = backend(node)
        with conn.cursor() as c:
            for d in dbs:
                c.execute(f"DROP DATABASE IF EXISTS `{d}`")
        conn.close()
    conn = proxy.connect()
    with conn.cursor() as c:
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"USE {DB}")
        c.execute("CREATE TABLE order_info (order_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, "
                  "merchant_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL, amount DECIMAL(12,2) NOT NULL, "
                  "region_id INT NULL, created_at DATETIME NOT NULL, KEY idx_user (user_id)) ENGINE=InnoDB")
        # The reference below computes each row's place itself; the proxy must agree.
        for user in (0, 7, 8, 63, 100):
            c.execute(f"SHARDWIRE EXPLAIN SELECT * FROM order_info WHERE user_id = {user}")
            ds, db, sql = c.fetchone()
            node, want_db, want_table = node_of(user)
            assert (ds, db) == ({"p0": "ds0", "p1": "ds1"}[node], want_db) and want_table in sql, \
                f"user {user}: proxy routes to {ds} {db} {sql}, the check expects {node} {want_db}.{want_table}"
    conn.close()


def backend_rows():
    """order_id -> [(table, user_id, amount)] over every physical table on the primaries."""
    rows = {}
    for node, dbs in (("p0", range(0, 4)), ("p1", range(4, 8))):
        conn = backend(node)
        with conn.cursor() as c:
            for d in dbs:
                for t in range(8):
                    c.execute(f"SELECT order_id, user_id, amount FROM db_{d}.order_info_{t}")
                    for oid, user, amount in c.fetchall():
                        rows.setdefault(oid, []).append(((node, f"db_{d}", f"order_info_{t}"), user, int(amount)))
        conn.close()
    return rows


def integrity(ledger):
    rows = backend_rows()
    problems = []
    counts = {"ack": 0, "failed": 0, "unknown": 0}
    for oid, (user, outcome) in ledger.orders.items():
        counts[outcome] += 1
        found = rows.get(oid, [])
        where = node_of(user)
        if outcome == "ack" and len(found) != 1:
            problems.append(f"acknowledged order {oid} found {len(found)} times")
        if outcome == "failed" and found:
            problems.append(f"order {oid} reported failed is on {found[0][0]}")
        if outcome == "unknown" and len(found) > 1:
            problems.append(f"order {oid} (unknown outcome) found {len(found)} times")
        for place, u, _ in found:
            if place != where or u != user:
                problems.append(f"order {oid} of user {user} is on {place}, its rule names {where}")
        if found and oid in ledger.updates:
            amount = found[0][2]
            last_ack = 0
            allowed = set()
            for value, result in ledger.updates[oid]:
                if result == "ack":
                    last_ack, allowed = value, set()
                elif result == "unknown":
                    allowed.add(value)
            if amount != last_ack and amount not in allowed:
                problems.append(f"order {oid}: amount {amount}, last acknowledged {last_ack}, "
                                f"unknown outcomes {sorted(allowed)}")
    strays = [oid for oid in rows if oid not in ledger.orders]
    if strays:
        problems.append(f"{len(strays)} rows no client wrote, e.g. {strays[:5]}")
    return counts, len(rows), problems


def rss_verdict(run, bound_mb):
    samples = [kib for t, kib in run.rss]
    if len(samples) < 8:
        return [f"only {len(samples)} RSS samples"]
    q = len(samples) // 4
    second, last = samples[q:2 * q], samples[3 * q:]
    mean2, mean4 = sum(second) / len(second), sum(last) / len(last)
    peak = max(samples[q:])
    print(f"  RSS after warm-up: peak {peak / 1024:.1f} MiB, mean second quarter {mean2 / 1024:.1f} MiB, "
          f"last quarter {mean4 / 1024:.1f} MiB (bound {bound_mb} MiB)", flush=True)
    out = []
    if peak > bound_mb * 1024:
        out.append(f"RSS peak {peak / 1024:.1f} MiB over the bound of {bound_mb} MiB")
    if mean4 > mean2 * 1.15 + 16 * 1024:
        out.append(f"RSS trends upward: {mean2 / 1024:.1f} -> {mean4 / 1024:.1f} MiB")
    return out


def leftover_statements(detail=False):
    out = []
    for node in ("p0", "p1", "r0", "r1"):
        conn = backend(node, root=True)
        with conn.cursor() as c:
            c.execute("SELECT ID, TIME, STATE, USER FROM information_schema.PROCESSLIST WHERE INFO = %s",
                      (SLOW_SQL,))
            rows = c.fetchall()
        conn.close()
        if rows:
            out.append(f"{len(rows)} slow clients' statements still running on {node}" + (f": {rows}" if detail else ""))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", 200)))
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 120)))
    args = ap.parse_args()
    clients, seconds = args.clients, args.seconds
    write_timeout_s = 5
    stop_s = 20 if seconds >= 300 else 10
    bound_mb = 64 + clients * 192 // 1024  # stated: 64 MiB + 192 KiB a client
    n_idle, n_slow = clients // 10, max(2, clients // 50)
    n_work = clients - n_idle - n_slow
    print(f"soak: {clients} clients ({n_work} working, {n_idle} idle, {n_slow} slow) for {seconds}s", flush=True)
    threading.stack_size(256 * 1024)
    try:
        soak(clients, seconds, write_timeout_s, stop_s, bound_mb, n_work, n_idle, n_slow)
    finally:
        restore_cluster()


def soak(clients, seconds, write_timeout_s, stop_s, bound_mb, n_work, n_idle, n_slow):
    with Proxy("soak", config=config(clients, write_timeout_s), start_timeout=30) as proxy:
        create_schema(proxy)
        run = Run(clients, seconds)
        threads = [threading.Thread(target=Worker(run, proxy, i).loop, daemon=True) for i in range(n_work)]
        threads += [threading.Thread(target=idle_client, args=(run, proxy, i), daemon=True) for i in range(n_idle)]
        threads += [threading.Thread(target=slow_client, args=(run, proxy, i, write_timeout_s), daemon=True)
                    for i in range(n_slow)]
        for t in threads:
            t.start()
        aux = [threading.Thread(target=faults, args=(run, stop_s), daemon=True),
               threading.Thread(target=sample_rss, args=(run, proxy.proc.pid), daemon=True)]
        for t in aux:
            t.start()
        try:
            watch(run, seconds)
        finally:
            run.stop.set()
        for t in aux:
            t.join(120)
        for t in threads:
            t.join(HUNG_S + 10)
        verdict(run, proxy, threads, bound_mb)


def watch(run, seconds):
    last = 0
    while time.monotonic() - run.t0 < seconds:
        time.sleep(1)
        if time.monotonic() - run.t0 - last >= 30:
            last = time.monotonic() - run.t0
            with run.lock:
                recent = {}
                for _, errno, msg, _ in run.errors[-200:]:
                    recent.setdefault(errno, msg)
            print(f"  {last:5.0f}s: {run.ops} operations, {len(run.errors)} errors, "
                  f"RSS {run.rss[-1][1] / 1024 if run.rss else 0:.1f} MiB; recent: {recent}", flush=True)


def verdict(run, proxy, threads, bound_mb):
    still = sum(1 for t in threads if t.is_alive())
    problems = []
    if still:
        problems.append(f"{still} client threads still busy {HUNG_S + 10:.0f}s after the end")
    restore_cluster()  # the integrity check reads the primaries
    problems += rss_verdict(run, bound_mb)
    if run.hung:
        problems.append(f"{len(run.hung)} operations over {HUNG_S}s: {run.hung[:5]}")
    unexplained = [e for e in run.errors if not run.explained(e[0], e[1])]
    by_errno = {}
    for _, errno, _, _ in run.errors:
        by_errno[errno] = by_errno.get(errno, 0) + 1
    print(f"  {run.ops} operations, {len(run.errors)} errors by errno {dict(sorted(by_errno.items()))}, "
          f"{len(unexplained)} outside a fault's window or unexplained", flush=True)
    for t, errno, msg, op in unexplained[:10]:
        print(f"    at {t - run.t0:6.1f}s {op}: {errno} {msg}", flush=True)
    if unexplained:
        problems.append(f"{len(unexplained)} errors no fault explains")
    print(f"  slow clients: {len(run.slow_cut)} cut off (in {min(run.slow_cut, default=0):.1f}-"
          f"{max(run.slow_cut, default=0):.1f}s), {len(run.slow_failed)} not", flush=True)
    if run.slow_failed or not run.slow_cut:
        problems.append(f"slow clients not closed in time: {run.slow_failed[:5]} (cut: {len(run.slow_cut)})")
    # The statements of cut-off clients end with their connections. Bounded by 70 s: a
    # server thread blocked writing to a connection nobody reads ends by itself after
    # net_write_timeout (60 s), so longer means the statement is not blocked but running.
    t0 = time.monotonic()
    left = leftover_statements(detail=True)
    try:
        wait_for("slow clients' statements ended", lambda: not leftover_statements(), timeout=70)
    except AssertionError:
        problems += leftover_statements(detail=True)
    if left:
        print(f"  slow clients' statements at the end: {left}; gone after {time.monotonic() - t0:.1f}s", flush=True)
    counts, present, bad = integrity(run.ledger)
    print(f"  integrity: {counts['ack']} acknowledged inserts, {counts['failed']} reported failed, "
          f"{counts['unknown']} unknown; {present} rows on the primaries; {len(bad)} problems", flush=True)
    for p in bad[:10]:
        print(f"    {p}", flush=True)
    if bad:
        problems.append(f"{len(bad)} integrity problems")
    if problems:
        for p in problems:
            print(f"FAIL {p}", flush=True)
        proxy.keep = True
        raise SystemExit(1)
    print("soak: passed", flush=True)


if __name__ == "__main__":
    main()
