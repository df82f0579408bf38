#!/usr/bin/python3
"""Proxy-side behaviour of merged multi-shard reads (merge_diff_test.py covers the
correctness of the merged values; this test covers what the proxy does around them):

  1. merge.memory_limit_mb: a hash aggregation over too many groups gets ERR 1038
     (HY001) naming the setting; the session, other sessions and the proxy carry on;
     the same query under the default budget is right;
  2. streaming: unordered rows of the other nodes reach the client while one node is
     blocked (LOCK TABLES on a backend) or stalled mid-result (SLEEP); ORDER BY waits;
  3. a backend error (missing physical table, a node's query killed mid-stream) reaches
     the client as the backend's error; the session keeps working;
  4. transactions: a merged read inside BEGIN / autocommit=0 sees the session's own
     uncommitted row (only the session's connection is used), ROLLBACK removes it;
  5. connections: merge.max_connections_per_data_source 1 / 3 / 16 give the same results
     and run exactly that many backend statements per data source at once (nodes beyond
     share one as a UNION ALL, seen in the backends' processlist); with a small backend
     pool, concurrent merged reads all finish correctly (no deadlock, the limit held);
  6. hidden columns: SHARDWIRE EXPLAIN shows `__sw_h` and WEIGHT_STRING, clients never
     see them;
  7. refusals (ERR 1235) of what cannot be merged across shards; the session continues.

Layout (the proxies' "schemas"): logical database `mtest`, table `t` sharded by user_id
(`mod` 16) over `mtest_${0..3}.t_${0..3}`: mtest_0/1 on ds0 (p0), mtest_2/3 on ds1 (p1).
It is created and loaded THROUGH the proxy; `mtest_ref.t` on p0 holds the same rows
unsharded (loaded directly) and is the reference every result is compared with.
Runs alone (ctest RUN_SERIAL): it locks tables and reads the backends' processlist.
"""
import os
import re
import sys
import threading
import time
from decimal import Decimal

import pymysql
import pymysql.cursors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, check, check_eq, cluster_port, expect_error, main_cases  # noqa: E402

LOGICAL, REF = "mtest", "mtest_ref"
SHARDS = 16
SCHEMAS = {
    LOGICAL: {
        "default_data_source": "ds0",
        "databases": {"mtest_${0..1}": "ds0", "mtest_${2..3}": "ds1"},
        "tables": {
            "t": {"data_nodes": "mtest_${0..3}.t_${0..3}",
                  "sharding": {"column": "user_id", "algorithm": "mod", "modulus": SHARDS}},
        },
    }
}
DDL = ("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, k INT NOT NULL, "
       "status VARCHAR(16) NOT NULL, x INT NULL, amount DECIMAL(10,2) NOT NULL, pad VARCHAR(255) NOT NULL, "
       "KEY idx_user (user_id)) ENGINE=InnoDB")
N = 5000
STATUSES = ("new", "paid", "shipped", "done")


def row_of(i):
    """Row i (1..N): 97 users (~51 rows each), k in 0..49, x NULL every 7th row, and a
    205-character `pad` unique per row (so GROUP BY pad has N wide groups)."""
    return (i, i % 97, i % 50, STATUSES[i % 4], None if i % 7 == 0 else i % 13,
            Decimal(f"{i * 3 % 1000}.{i % 100:02d}"), "p" * 200 + f"{i:05d}")


ROWS = [row_of(i) for i in range(1, N + 1)]
INSERT = "INSERT INTO t (id, user_id, k, status, x, amount, pad) VALUES "


def node_of(user_id):
    return user_id % SHARDS


def where(node):
    """node index -> (backend, physical database, physical table)."""
    return ("p0" if node < 8 else "p1"), f"mtest_{node // 4}", f"t_{node % 4}"


def phys(node):
    _, db, t = where(node)
    return f"{db}.{t}"


def ids_on(node):
    return sorted(r[0] for r in ROWS if node_of(r[1]) == node)


# The node that the streaming and error cases block / stall / break: node 5 (p0,
# mtest_1.t_1), and another one on ds1 for the missing-table case.
SLOW = 5
BROKEN = 9

main = small = tight = None
wide = {}  # max_connections_per_data_source -> proxy


def direct(node, sql, db=None, args=None):
    conn = backend(node, db)
    try:
        with conn.cursor() as c:
            c.execute(sql, args)
            return list(c.fetchall()) if c.description else c.rowcount
    finally:
        conn.close()


def q(conn, sql, args=None):
    with conn.cursor() as c:
        c.execute(sql, args)
        return list(c.fetchall()) if c.description else c.rowcount


def q_desc(conn, sql):
    """(column names, rows)"""
    with conn.cursor() as c:
        c.execute(sql)
        return [d[0] for d in c.description], list(c.fetchall())


REF_CONN = {}


def ref(sql, unordered=False):
    """The query's rows on the unsharded reference (mtest_ref on p0)."""
    if "c" not in REF_CONN:
        REF_CONN["c"] = backend("p0", REF)
    rows = q(REF_CONN["c"], sql)
    return sorted(rows, key=repr) if unordered else rows


def check_same(conn, sql, unordered=False, what=""):
    got = q(conn, sql)
    if unordered:
        got = sorted(got, key=repr)
    expected = ref(sql, unordered)
    check_eq(len(got), len(expected), f"{what}row count of {sql}")
    check_eq(got, expected, f"{what}rows of {sql}")
    return got


# Queries whose merged result must equal the reference's (ORDER BY ones are total orders).
# (sql, unordered)
COMPARED = [
    ("SELECT id, user_id, amount FROM t ORDER BY amount DESC, id LIMIT 100, 20", False),
    ("SELECT id, status FROM t ORDER BY pad DESC LIMIT 7, 5", False),
    ("SELECT status, COUNT(*), SUM(amount), AVG(amount), MIN(x), MAX(x), COUNT(x) FROM t GROUP BY status "
     "ORDER BY status", False),
    ("SELECT k, COUNT(*), SUM(x) FROM t GROUP BY k ORDER BY SUM(x) DESC, k LIMIT 3, 10", False),
    ("SELECT user_id, COUNT(*), SUM(amount) FROM t GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 5", False),
    ("SELECT COUNT(*), COUNT(DISTINCT k), SUM(amount), MIN(pad), MAX(id) FROM t", False),
    ("SELECT DISTINCT status FROM t ORDER BY status DESC", False),
    ("SELECT k, AVG(x) FROM t WHERE k < 10 GROUP BY k HAVING COUNT(*) > 5", True),
    ("SELECT id, user_id FROM t WHERE k = 3", True),
]


# --- setup --------------------------------------------------------------------------
def test_setup_through_the_proxy():
    for node in ("p0", "p1"):
        for db in [LOGICAL, REF] + [f"mtest_{d}" for d in range(4)]:
            direct(node, f"DROP DATABASE IF EXISTS `{db}`")
    values = [f"({r[0]}, {r[1]}, {r[2]}, '{r[3]}', {'NULL' if r[4] is None else r[4]}, {r[5]}, '{r[6]}')"
              for r in ROWS]
    inserts = [INSERT + ", ".join(values[j:j + 1000]) for j in range(0, N, 1000)]
    c = main.connect()
    with c.cursor() as cur:
        cur.execute(f"CREATE DATABASE {LOGICAL}")
        cur.execute(f"USE {LOGICAL}")
        cur.execute(DDL)
        for stmt in inserts:
            cur.execute(stmt)
    c.close()
    direct("p0", f"CREATE DATABASE {REF}")
    direct("p0", DDL, db=REF)
    for stmt in inserts:
        direct("p0", stmt, db=REF)
    # Every row where the rule puts it, read directly on the backends.
    for node in range(SHARDS):
        be, _, _ = where(node)
        got = [r[0] for r in direct(be, f"SELECT id FROM {phys(node)} ORDER BY id")]
        check_eq(got, ids_on(node), f"ids in {phys(node)} on {be}")
    check_eq(direct("p0", "SELECT COUNT(*) FROM t", db=REF)[0][0], N, "reference rows")


# --- 1. memory budget ---------------------------------------------------------------
# N groups of ~205-byte keys (plus their weight strings): several MB held by the hash
# aggregation that ORDER BY SUM(x) needs; far below the default 64 MB, far above 1 MB.
HASH_GROUPS = "SELECT pad, COUNT(*), SUM(x) FROM t GROUP BY pad ORDER BY SUM(x) DESC, pad LIMIT 10"


def test_memory_budget_exceeded_is_err_1038():
    a = small.connect(db=LOGICAL)
    b = small.connect(db=LOGICAL)
    check_same(b, "SELECT id FROM t ORDER BY id DESC LIMIT 3", what="session B before: ")
    e = expect_error(1038, q, a, HASH_GROUPS, text="merge.memory_limit_mb")
    check("1 MB" in str(e.args[1]), f"the message names the 1 MB limit: {e.args[1]!r}")
    # SQLSTATE, from the raw protocol.
    with wire.Conn(HOST, small.port, timeout=30) as w:
        w.login(db=LOGICAL)
        w.command(wire.COM_QUERY, HASH_GROUPS.encode())
        r = wire.read_response(w)
        check_eq(r["kind"], "err", "raw client: response kind")
        check_eq(r["err"][:2], (1038, "HY001"), "raw client: errno and SQLSTATE")
        check("merge.memory_limit_mb" in r["err"][2], f"raw client: message {r['err'][2]!r}")
        w.command(wire.COM_QUERY, b"SELECT COUNT(*) FROM t")
        r = wire.read_response(w)
        check_eq((r["kind"], r["rows"]), ("rows", [b"\x04" + str(N).encode()]), "raw client: next statement")
    # The failing session goes on: plain reads, and a hash aggregation of few groups
    # (the budget is per statement: nothing of the failed one is still charged).
    check_eq(q(a, "SELECT COUNT(*) FROM t"), [(N,)], "session A after ERR 1038")
    check_same(a, "SELECT id, amount FROM t ORDER BY amount DESC, id LIMIT 5", what="session A after ERR 1038: ")
    check_same(a, "SELECT k, COUNT(*), SUM(x) FROM t GROUP BY k ORDER BY SUM(x) DESC, k LIMIT 5",
               what="session A, few groups: ")
    # The same N groups streamed (ORDER BY the group key) hold one group at a time: fine.
    check_same(a, "SELECT pad, COUNT(*), SUM(x) FROM t GROUP BY pad ORDER BY pad", what="streamed N groups: ")
    expect_error(1038, q, a, HASH_GROUPS, text="merge.memory_limit_mb")  # still refused, still no crash
    # Session B, open all along, is unaffected.
    check_same(b, "SELECT status, COUNT(*), AVG(amount) FROM t GROUP BY status ORDER BY status",
               what="session B after A's ERR 1038: ")
    a.close()
    b.close()
    check(small.alive(), "the proxy with merge.memory_limit_mb 1 is up")
    check_eq(small.value("SELECT COUNT(*) FROM t", db=LOGICAL), N, "a new session on that proxy")


def test_memory_default_budget_succeeds():
    c = main.connect(db=LOGICAL)
    got = check_same(c, HASH_GROUPS, what="default budget: ")
    check_eq(len(got), 10, "rows of the hash aggregation")
    # Cross-check against a computation in Python too: each pad is a group of one row,
    # SUM(x) is that row's x (NULL last under DESC).
    top = sorted(ROWS, key=lambda r: (r[4] is None, -(r[4] or 0), r[6]))[:10]
    check_eq(got, [(r[6], 1, None if r[4] is None else Decimal(r[4])) for r in top], "top 10 groups computed in Python")
    check_same(c, "SELECT COUNT(DISTINCT pad), COUNT(*) FROM t", what="default budget: ")
    c.close()


# --- 2. streaming -----------------------------------------------------------------------
class StreamingRead:
    """Runs sql through a proxy with an unbuffered cursor (pymysql SSCursor) in a
    thread, recording each row as it arrives."""

    def __init__(self, proxy, sql):
        self.conn = proxy.connect(db=LOGICAL, cursorclass=pymysql.cursors.SSCursor, read_timeout=120)
        self.sql = sql
        self.rows = []
        self.header_at = self.end_at = None
        self.error = None
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            with self.conn.cursor() as c:
                c.execute(self.sql)
                self.header_at = time.monotonic() - self.t0
                for r in c:
                    self.rows.append(r)
            self.end_at = time.monotonic() - self.t0
        except Exception as e:  # noqa: BLE001 - checked by the test
            self.error = e
            self.end_at = time.monotonic() - self.t0

    def others(self):
        """ids received so far from nodes other than SLOW"""
        return {r[0] for r in list(self.rows) if node_of(r[1]) != SLOW}

    def wait_others(self, timeout):
        """Waits until every row of the nodes other than SLOW arrived, the read ended,
        or timeout; returns the rows received so far."""
        want = N - len(ids_on(SLOW))
        deadline = time.monotonic() + timeout
        while len(self.others()) < want and self.end_at is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.rows)

    def join(self, timeout=60, close=True):
        self.thread.join(timeout)
        check(not self.thread.is_alive(), f"{self.sql}: still running after {timeout}s")
        if close:
            self.conn.close()


class TableLock:
    """LOCK TABLES <physical table> WRITE, directly on its backend."""

    def __init__(self, node):
        self.be, self.table = where(node)[0], phys(node)
        self.conn = backend(self.be, root=True)

    def __enter__(self):
        q(self.conn, f"LOCK TABLES {self.table} WRITE")
        return self

    def release(self):
        if self.conn:
            q(self.conn, "UNLOCK TABLES")
            self.conn.close()
            self.conn = None

    def __exit__(self, *exc):
        self.release()


def test_unordered_rows_flow_while_a_node_is_locked():
    """While node SLOW's table is write-locked, its SELECT waits before sending anything
    (not even column definitions); an unordered merge must still stream every row of
    the other 15 nodes to the client, then the locked node's after UNLOCK."""
    others = N - len(ids_on(SLOW))
    with TableLock(SLOW) as lock:
        read = StreamingRead(main, "SELECT id, user_id FROM t")
        try:
            during = read.wait_others(timeout=5)
            ended = read.end_at
        finally:
            lock.release()
            read.join()
    check(read.error is None, f"error: {read.error!r}")
    check(ended is None, f"the read ended after {ended}s while {phys(SLOW)} was locked")
    check_eq(len({r[0] for r in during if node_of(r[1]) != SLOW}), others,
             f"rows of the 15 other nodes received within 5 s while {phys(SLOW)} was locked "
             f"({len(during)} rows; the result header reached the client after {read.header_at:.2f}s, "
             f"the end after {read.end_at:.2f}s)")
    check(not [r for r in during if node_of(r[1]) == SLOW], "no row of the locked node before UNLOCK")
    check_eq(sorted(r[0] for r in read.rows), list(range(1, N + 1)), "every row after UNLOCK")


STALLED = 15  # the last node (mtest_3.t_3 on p1): the merge's last source


def test_unordered_rows_flow_while_a_node_stalls_mid_result():
    """Every node's header is through, then one node stalls mid-result: node STALLED
    sleeps 0.3 s on its first row, sends the rest at once (~60 KB, flushed in 16 KB
    packets) and sleeps 2.5 s on its last row; the other 15 nodes trickle their rows
    (3 ms each, ~1 s in all). Every row of the other nodes must reach the client while
    node STALLED sleeps, not after it."""
    mine = ids_on(STALLED)
    others = N - len(mine)
    sql = (f"SELECT id, user_id, pad FROM t WHERE IF(user_id % {SHARDS} = {STALLED}, "
           f"IF(id = {mine[0]}, SLEEP(0.3), IF(id = {mine[-1]}, SLEEP(2.5), 0)), SLEEP(0.003)) = 0")
    read = StreamingRead(main, sql)
    try:
        deadline = time.monotonic() + 2.0
        while (len({r[0] for r in list(read.rows) if node_of(r[1]) != STALLED}) < others and read.end_at is None
               and time.monotonic() < deadline):
            time.sleep(0.01)
        during = list(read.rows)
        at = time.monotonic() - read.t0
        ended = read.end_at
    finally:
        read.join()
    check(read.error is None, f"error: {read.error!r}")
    check(ended is None, f"the read ended after {ended}s although node {STALLED} sleeps 2.8 s")
    got = {}
    for r in during:
        got[node_of(r[1])] = got.get(node_of(r[1]), 0) + 1
    missing = {n: len(ids_on(n)) - got.get(n, 0) for n in range(SHARDS) if n != STALLED and got.get(n, 0) != len(ids_on(n))}
    check(not missing, f"rows of the other nodes not yet received {at:.2f}s after the start, while {phys(STALLED)} "
                       f"sleeps (the others finish in ~1 s; the read ended after {read.end_at:.2f}s): "
                       f"rows missing per node {missing}")
    check(read.end_at >= 2.5, f"the read ended after {read.end_at:.2f}s, before the stalled node")
    check_eq(sorted(r[0] for r in read.rows), list(range(1, N + 1)), "every row after the stall")


def test_ordered_read_waits_for_every_node():
    """The contrast: with ORDER BY the first row needs a row (or the end) of every node."""
    with TableLock(SLOW) as lock:
        read = StreamingRead(main, "SELECT id, user_id FROM t ORDER BY id DESC")
        try:
            time.sleep(1.5)
            during = len(read.rows)
        finally:
            lock.release()
            read.join()
    check(read.error is None, f"error: {read.error!r}")
    check_eq(during, 0, "rows of an ORDER BY read while a node was locked")
    check_eq([r[0] for r in read.rows], list(range(N, 0, -1)), "ORDER BY id DESC after UNLOCK")


# --- 3. backend errors ----------------------------------------------------------------
def test_missing_physical_table_is_the_backends_error():
    be, db, table = where(BROKEN)
    name = f"{db}.{table}"
    conns = {"main": main.connect(db=LOGICAL), "one connection per data source": wide[1].connect(db=LOGICAL)}
    direct(be, f"RENAME TABLE {name} TO {name}_away")
    try:
        for label, c in conns.items():
            for sql in ("SELECT id, user_id FROM t",
                        "SELECT id, amount FROM t ORDER BY amount DESC, id LIMIT 5",
                        "SELECT pad, COUNT(*) FROM t GROUP BY pad ORDER BY COUNT(*) DESC, pad LIMIT 3",
                        "SELECT COUNT(*) FROM t"):
                e = expect_error(1146, q, c, sql)
                check(name in str(e.args[1]), f"[{label}] {sql}: the message names {name}: {e.args[1]!r}")
                # The session goes on: a node that exists, then a merge of the others.
                check_eq(q(c, "SELECT COUNT(*) FROM t WHERE user_id = 3"),
                         [(sum(1 for r in ROWS if r[1] == 3),)], f"[{label}] single-node read after {sql}")
                check_eq(q(c, f"SELECT COUNT(*) FROM t WHERE user_id IN ({', '.join(str(u) for u in range(8))})"),
                         [(sum(1 for r in ROWS if r[1] < 8),)], f"[{label}] multi-node read after {sql}")
    finally:
        direct(be, f"RENAME TABLE {name}_away TO {name}")
    for label, c in conns.items():
        for _ in range(2):
            check_eq(q(c, "SELECT COUNT(*) FROM t"), [(N,)], f"[{label}] after the table is back")
            check_same(c, "SELECT id, amount FROM t ORDER BY amount DESC, id LIMIT 5", what=f"[{label}] ")
        c.close()


def test_node_killed_mid_stream():
    """Node SLOW's query is killed on its backend while it stalls: the client has had
    the other nodes' rows, then gets the backend's ERR 1317; the same session (every
    connection of its merge) works on."""
    last = ids_on(SLOW)[-1]
    others = N - len(ids_on(SLOW))
    be = where(SLOW)[0]
    read = StreamingRead(main, f"SELECT id, user_id, pad FROM t WHERE id <> {last} OR SLEEP(30) = 0")
    killed = []
    try:
        read.wait_others(timeout=5)
        deadline = time.monotonic() + 5
        while not killed and time.monotonic() < deadline:
            killed = [r[0] for r in direct(be, "SELECT id FROM information_schema.processlist WHERE info LIKE %s "
                                               "AND id <> CONNECTION_ID()", args=(f"%{phys(SLOW)} WHERE%SLEEP(30)%",))]
            time.sleep(0.05)
        for tid in killed:
            direct(be, f"KILL QUERY {tid}")
    finally:
        read.join(timeout=40, close=False)
    c = read.conn
    try:
        check_eq(len(killed), 1, f"backend threads running {phys(SLOW)}'s query")
        check(read.error is not None, f"the read succeeded with {len(read.rows)} rows although a node was killed")
        check_eq(read.error.args[0], 1317, f"error after the kill: {read.error!r}")
        check(read.end_at < 20, f"the error came after {read.end_at:.1f}s (the node would sleep 30 s)")
        check_eq(len(read.others()), others, f"the other nodes' rows arrived before the error ({len(read.rows)} rows)")
        for _ in range(3):
            with c.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM t")
                check_eq(list(cur), [(N,)], "the same session after the kill")
                sql = "SELECT id, amount FROM t ORDER BY amount DESC, id LIMIT 5"
                cur.execute(sql)
                check_eq(list(cur), ref(sql), f"the same session after the kill: {sql}")
    finally:
        c.close()


# --- 4. transactions ------------------------------------------------------------------
NEW_ID, NEW_USER = 900001, 1008  # 1008 % 16 = 0: node 0, mtest_0.t_0 on ds0 (the transaction's data source)
NEW_ROW = f"({NEW_ID}, {NEW_USER}, 7, 'new', 1, 999.99, 'zz')"
TX_QUERIES = [
    "SELECT COUNT(*), SUM(amount), MAX(id) FROM t",
    "SELECT id, user_id, amount FROM t ORDER BY amount DESC, id LIMIT 3",
    "SELECT k, COUNT(*) FROM t GROUP BY k ORDER BY COUNT(*) DESC, k LIMIT 3",
    "SELECT status, COUNT(*) FROM t GROUP BY status ORDER BY status",
    "SELECT id, user_id FROM t WHERE pad = 'zz'",
]


def tx_case(begin, end):
    check_eq(node_of(NEW_USER), 0, "the new row's node")
    c = main.connect(db=LOGICAL)
    other = main.connect(db=LOGICAL)
    refc = backend("p0", REF)
    try:
        with refc.cursor() as rc:
            rc.execute("BEGIN")
            rc.execute(INSERT + NEW_ROW)
            expected = {}
            for sql in TX_QUERIES:
                rc.execute(sql)
                expected[sql] = list(rc.fetchall())
            rc.execute("ROLLBACK")
        for stmt in begin:
            q(c, stmt)
        q(c, INSERT + NEW_ROW)
        for sql in TX_QUERIES:
            check_eq(q(c, sql), expected[sql], f"inside the transaction ({begin}): {sql}")
        check_eq(q(other, "SELECT COUNT(*) FROM t"), [(N,)], "another session does not see the uncommitted row")
        check_eq(direct("p0", f"SELECT COUNT(*) FROM {phys(0)} WHERE id = {NEW_ID}"), [(0,)],
                 "the row is uncommitted on the backend")
        q(c, "ROLLBACK")
        for stmt in end:
            q(c, stmt)
        check_eq(q(c, "SELECT COUNT(*) FROM t WHERE id = %s", (NEW_ID,)), [(0,)], "after ROLLBACK")
        for sql in TX_QUERIES:
            check_eq(q(c, sql), ref(sql), f"after ROLLBACK: {sql}")
    finally:
        refc.close()
        c.close()
        other.close()
    check_eq(direct("p0", f"SELECT COUNT(*) FROM {phys(0)} WHERE id = {NEW_ID}"), [(0,)], "the row is gone")


def test_transaction_sees_its_own_uncommitted_row():
    tx_case(["BEGIN"], [])


def test_autocommit_off_sees_its_own_uncommitted_row():
    tx_case(["SET autocommit = 0"], ["SET autocommit = 1"])


# --- 5. connections -----------------------------------------------------------------------
PER_SOURCE = {"p0": [n for n in range(SHARDS) if n < 8], "p1": [n for n in range(SHARDS) if n >= 8]}
PHYS_RE = re.compile(r"mtest_\d\.t_\d")


def probe_lanes(proxy, sleep="0.301"):
    """Runs a merged read whose every node sleeps once; meanwhile polls both backends'
    processlists. Returns {backend: (peak statements at once, [tables of each statement seen])}."""
    one_id = [ids_on(n)[0] for n in range(SHARDS)]
    sql = f"SELECT id FROM t WHERE id IN ({', '.join(map(str, one_id))}) AND SLEEP({sleep}) = 0"
    pollers = {be: backend(be, root=True) for be in ("p0", "p1")}
    result, peaks, seen = {}, {"p0": 0, "p1": 0}, {"p0": {}, "p1": {}}

    def run():
        try:
            c = proxy.connect(db=LOGICAL)
            result["rows"] = sorted(r[0] for r in q(c, sql))
            c.close()
        except Exception as e:  # noqa: BLE001
            result["error"] = e

    th = threading.Thread(target=run, daemon=True)
    th.start()
    try:
        while th.is_alive():
            for be, pc in pollers.items():
                rows = q(pc, "SELECT id, info FROM information_schema.processlist WHERE info LIKE %s "
                             "AND id <> CONNECTION_ID()", (f"%SLEEP({sleep})%",))
                peaks[be] = max(peaks[be], len(rows))
                for tid, info in rows:
                    seen[be].setdefault(tid, set()).update(PHYS_RE.findall(info))
            time.sleep(0.01)
        th.join()
    finally:
        for pc in pollers.values():
            pc.close()
    check("error" not in result, f"probe read failed: {result.get('error')!r}")
    check_eq(result["rows"], sorted(one_id), "probe rows")
    return {be: (peaks[be], list(seen[be].values())) for be in peaks}


def test_connections_per_data_source_change_nothing_but_the_lanes():
    for mcpd, proxy in sorted(wide.items()):
        c = proxy.connect(db=LOGICAL)
        for sql, unordered in COMPARED:
            check_same(c, sql, unordered, what=f"[max_connections_per_data_source {mcpd}] ")
        c.close()
        lanes = probe_lanes(proxy)
        for be, (peak, statements) in lanes.items():
            expected = min(mcpd, len(PER_SOURCE[be]))
            what = f"[max_connections_per_data_source {mcpd}] {be}"
            check_eq(peak, expected, f"{what}: backend statements at once (seen: {statements})")
            tables = sorted(t for s in statements for t in s)
            check_eq(tables, sorted(phys(n) for n in PER_SOURCE[be]), f"{what}: physical tables, each read once")
            sizes = sorted(len(s) for s in statements)
            per_lane = len(PER_SOURCE[be]) // expected
            check(all(per_lane <= n <= per_lane + 1 for n in sizes), f"{what}: nodes per statement {sizes}")


def backend_connections(pid, ports):
    """Established TCP connections of process pid to each of the ports (from /proc)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    # By inode, not by row: the kernel builds /proc/net/tcp a page at a time, and while
    # sockets come and go a row can appear twice in one read (seen: 13 rows for 9 sockets).
    seen = {p: set() for p in ports}
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            port = int(parts[2].rsplit(":", 1)[1], 16)
            if parts[3] == "01" and parts[9] in inodes and port in seen:
                seen[port].add(parts[9])
    return {p: len(s) for p, s in seen.items()}


POOL_MAX = 8
SESSIONS = 6
ROUNDS = 6


def test_concurrent_merges_with_a_small_pool():
    """SESSIONS sessions each hold their own connection per data source, so only
    POOL_MAX - SESSIONS are free for the merges' extra ones (each merge wants 8 per data
    source): every merge must still finish, right, without exceeding the pool."""
    expected = {sql: ref(sql, unordered) for sql, unordered in COMPARED}
    ports = [cluster_port("p0"), cluster_port("p1")]
    errors, done, peak = [], [0], dict.fromkeys(ports, 0)
    barrier = threading.Barrier(SESSIONS)
    stop = threading.Event()

    def session(n):
        try:
            c = tight.connect(db=LOGICAL)
            barrier.wait(timeout=30)
            for r in range(ROUNDS):
                for i in range(len(COMPARED)):
                    sql_i, unordered_i = COMPARED[(i + n + r) % len(COMPARED)]
                    got = q(c, sql_i)
                    if unordered_i:
                        got = sorted(got, key=repr)
                    if got != expected[sql_i]:
                        errors.append(f"session {n}: {sql_i}: got {got[:3]!r}..., expected {expected[sql_i][:3]!r}...")
                        return
            c.close()
            done[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(f"session {n}: {e!r}")

    def sample():
        while not stop.is_set():
            for p, n in backend_connections(tight.proc.pid, ports).items():
                peak[p] = max(peak[p], n - 1)  # less the monitor's own connection (not pooled)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(SESSIONS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, 90 - (time.monotonic() - t0)))
    stop.set()
    sampler.join()
    hung = sum(t.is_alive() for t in threads)
    check(hung == 0, f"{hung} sessions still running after 90 s (deadlock?); errors: {errors}")
    check(not errors, "; ".join(errors[:5]))
    check_eq(done[0], SESSIONS, "sessions finished")
    for p, n in peak.items():
        check(SESSIONS <= n <= POOL_MAX, f"backend connections to port {p}: peak {n} (pool max {POOL_MAX})")
    print(f"  {SESSIONS} sessions x {ROUNDS * len(COMPARED)} merged reads in {time.monotonic() - t0:.1f}s, "
          f"peak connections {peak}", flush=True)


# --- 6. hidden columns --------------------------------------------------------------------
def test_hidden_columns_in_explain_never_in_results():
    c = main.connect(db=LOGICAL)
    sql = "SELECT status, AVG(amount), COUNT(*) FROM t GROUP BY status"
    rows = q(c, "SHARDWIRE EXPLAIN " + sql)
    check_eq(sorted((r[0], r[1]) for r in rows),
             sorted((("ds0" if n < 8 else "ds1"), where(n)[1]) for n in range(SHARDS)), "EXPLAIN targets")
    check_eq(sorted(t for r in rows for t in PHYS_RE.findall(r[2])), sorted(phys(n) for n in range(SHARDS)),
             "EXPLAIN: each physical table once")
    for r in rows:
        for part in ("__sw_h", "WEIGHT_STRING(status)", "SUM(amount)", "COUNT(amount)"):
            check(part in r[2], f"EXPLAIN shows {part}: {r[2]}")
    for sql, names in ((sql, ["status", "AVG(amount)", "COUNT(*)"]),
                       ("SELECT id FROM t ORDER BY pad DESC LIMIT 5", ["id"]),
                       ("SELECT k, ROUND(AVG(x), 2) AS ax FROM t GROUP BY k ORDER BY ax DESC, k LIMIT 4", ["k", "ax"]),
                       ("SELECT * FROM t ORDER BY amount DESC, id LIMIT 3",
                        ["id", "user_id", "k", "status", "x", "amount", "pad"])):
        explained = q(c, "SHARDWIRE EXPLAIN " + sql)
        check(all("__sw_h" in r[2] for r in explained), f"hidden columns in EXPLAIN of {sql}: {explained[0][2]}")
        got_names, got = q_desc(c, sql)
        check_eq(got_names, names, f"columns the client sees for {sql}")
        check(all(len(r) == len(names) for r in got), f"row widths for {sql}")
        refc = backend("p0", REF)
        ref_names, ref_rows = q_desc(refc, sql)
        refc.close()
        check_eq(got_names, ref_names, f"column names vs the reference for {sql}")
        if "ORDER BY" in sql:
            check_eq(got, ref_rows, f"rows of {sql}")
        else:
            check_eq(sorted(got), sorted(ref_rows), f"rows of {sql}")
    # The raw protocol: the column count packet counts the visible columns only.
    with wire.Conn(HOST, main.port, timeout=30) as w:
        w.login(db=LOGICAL)
        w.command(wire.COM_QUERY, b"SELECT * FROM t ORDER BY amount DESC, id LIMIT 3")
        r = wire.read_response(w)
        check_eq((r["kind"], r["columns"], len(r["rows"])), ("rows", 7, 3), "raw client: SELECT * ... LIMIT 3")
        check(not any(b"__sw_h" in p for p in r["packets"]), "no __sw_h in any packet the client receives")
    c.close()


# --- 7. refusals ---------------------------------------------------------------------------
REFUSED = [
    ("SELECT status, GROUP_CONCAT(x) FROM t GROUP BY status", "GROUP_CONCAT"),
    ("SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM t", "window function"),
    ("SELECT user_id, SUM(x) OVER (PARTITION BY status) FROM t", "window function"),
    ("SELECT status, COUNT(*) FROM t GROUP BY status WITH ROLLUP", "ROLLUP"),
    ("SELECT SQL_CALC_FOUND_ROWS id FROM t LIMIT 1", "SQL_CALC_FOUND_ROWS"),
    ("SELECT SUM(DISTINCT x) FROM t", "DISTINCT"),
]


def test_refusals_keep_the_session():
    c = main.connect(db=LOGICAL)
    for sql, text in REFUSED:
        expect_error(1235, q, c, sql, text=text)
        check_eq(q(c, "SELECT COUNT(*) FROM t"), [(N,)], f"the session after refusing {sql}")
    # What is refused across shards runs where it does not span them.
    check_same(c, "SELECT user_id, GROUP_CONCAT(id ORDER BY id) FROM t GROUP BY user_id ORDER BY user_id",
               what="groups of the sharding column: ")
    check_same(c, "SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM t WHERE user_id = 5 ORDER BY id",
               what="window function on one node: ")
    c.close()


def test_proxies_still_up():
    for p in [main, small, tight, *wide.values()]:
        check(p.alive(), f"{p.name} is running")
        check_eq(p.value("SELECT COUNT(*) FROM t", db=LOGICAL), N, f"{p.name} answers")


def start():
    global main, small, tight
    base = {"schemas": SCHEMAS}
    main = Proxy("merge_main", config=base).start()
    small = Proxy("merge_1mb", config={**base, "merge": {"memory_limit_mb": 1}}).start()
    tight = Proxy("merge_pool", config={**base, "backend_defaults": {"pool": {"max_connections": POOL_MAX}}}).start()
    for mcpd in (1, 3, 16):
        wide[mcpd] = Proxy(f"merge_conn{mcpd}", config={**base, "merge": {"max_connections_per_data_source": mcpd}}).start()
    return [main, small, tight, *wide.values()]


if __name__ == "__main__":
    main_cases([test_setup_through_the_proxy,
                test_memory_budget_exceeded_is_err_1038, test_memory_default_budget_succeeds,
                test_unordered_rows_flow_while_a_node_is_locked,
                test_unordered_rows_flow_while_a_node_stalls_mid_result,
                test_ordered_read_waits_for_every_node,
                test_missing_physical_table_is_the_backends_error,
                test_node_killed_mid_stream,
                test_transaction_sees_its_own_uncommitted_row, test_autocommit_off_sees_its_own_uncommitted_row,
                test_connections_per_data_source_change_nothing_but_the_lanes,
                test_concurrent_merges_with_a_small_pool,
                test_hidden_columns_in_explain_never_in_results,
                test_refusals_keep_the_session,
                test_proxies_still_up], start)
