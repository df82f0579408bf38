#!/usr/bin/python3
"""Differential test of the multi-shard merge: every query of the corpus
(tests/merge_corpus.py) runs through the proxy on a logical database sharded 64 ways
and directly on an unsharded reference database holding the same rows; the results
must agree.

Layout (proxy config "schemas"): logical database `mdiff`; `orders` and `order_lines`
sharded by user_id (`mod`, 64 nodes `mdiff_${0..7}.<table>_${0..7}`, mdiff_0..3 on ds0 =
p0, mdiff_4..7 on ds1 = p1), one binding group. Reference: `mdiff_ref` on p0, the same
two tables unsharded. The sharded side is created and loaded THROUGH the proxy
(CREATE DATABASE/TABLE fan out, multi-row INSERTs are split per shard), the reference
directly, from the same statement text; both are then checked directly on the backends
(row counts, per-row checksums, every row on its user's shard).

Every query runs twice through the proxy: the second run is planned from the template the
first left in the plan cache (router/plan_cache), and must agree too.

Comparison (per query; see also tests/merge_corpus.py):
  - column count, names and type codes (cursor.description) must be identical;
  - `ordered` queries (their ORDER BY is a total order) compare row sequences, the
    others compare multisets (rows sorted by a canonical key);
  - subset queries (LIMIT without ORDER BY) compare the row count, and every row must
    be a row of the query without LIMIT on the reference;
  - values: DECIMAL exactly (value and scale, i.e. the text the client sees), DOUBLE
    with relative tolerance 1e-9 (sums of doubles depend on the summation order),
    everything else exactly, except the columns the corpus marks `norm` (a group's
    representative string under a case/accent-insensitive or PAD SPACE collation),
    compared under merge_corpus.collation_key, which is first checked against
    MariaDB's own equality on the loaded columns and on the vocabulary;
  - an error from the proxy fails the query unless the reference gives the same errno,
    or the corpus lists the errno in the query's `refused` (none today).

Environment:
  MERGE_DIFF_ORDERS=N        data size (default 50000 orders; ~N/20 users, ~2.5 lines/order)
  MERGE_DIFF_FILTER=a,b      run only queries whose "<category>/<nnn> <sql>" contains one
                             of the (case-insensitive) terms, e.g. order_by, having/003,
                             "user_id ="
  MERGE_DIFF_REUSE=1         keep the loaded databases if they hold this corpus' data
                             (fingerprint in mdiff_ref.corpus_meta); still verified
  MERGE_DIFF_MAX_FAILURES=N  failures printed in full (default 40)
  MERGE_DIFF_VERBOSE=1       one line per query
  MERGE_DIFF_SELFCHECK=1     checks the corpus instead of the proxy: compares the reference
                             with a second unsharded copy on p1 (`mdiff_alt`) whose primary
                             keys store the rows in another physical order, so ties and
                             group representatives come out differently; every query must
                             still agree (proves each `ordered` ORDER BY is total and each
                             representative column is normalized)
"""
import collections
import datetime
import math
import os
import sys
import threading
import time
from decimal import Decimal

import MySQLdb
import pymysql

from harness import HOST, Proxy, backend, check, check_eq, cluster_port, env, main_cases

sys.path.insert(0, os.path.join(env("SHARDWIRE_SOURCE_DIR"), "tests"))
import merge_corpus as mc  # noqa: E402

LOGICAL, REF = "mdiff", "mdiff_ref"
SHARDS = 64
SCHEMAS = {
    LOGICAL: {
        "default_data_source": "ds0",
        "databases": {"mdiff_${0..3}": "ds0", "mdiff_${4..7}": "ds1"},
        "tables": {
            "orders": {"data_nodes": "mdiff_${0..7}.orders_${0..7}",
                       "sharding": {"column": "user_id", "algorithm": "mod", "modulus": SHARDS}},
            "order_lines": {"data_nodes": "mdiff_${0..7}.order_lines_${0..7}",
                            "sharding": {"column": "user_id", "algorithm": "mod", "modulus": SHARDS}},
        },
        "binding_groups": [["orders", "order_lines"]],
    }
}

N_ORDERS = int(os.environ.get("MERGE_DIFF_ORDERS") or mc.DEFAULT_ORDERS)
FILTER = [t.strip().lower() for t in os.environ.get("MERGE_DIFF_FILTER", "").split(",") if t.strip()]
REUSE = os.environ.get("MERGE_DIFF_REUSE", "") not in ("", "0")
MAX_FAILURES = int(os.environ.get("MERGE_DIFF_MAX_FAILURES") or 40)
VERBOSE = os.environ.get("MERGE_DIFF_VERBOSE", "") not in ("", "0")
SELFCHECK = os.environ.get("MERGE_DIFF_SELFCHECK", "") not in ("", "0")
ALT = "mdiff_alt"
FLOAT_REL_TOL = 1e-9
BATCH = 500
PROXY_LOADERS = 3

proxy = None
CORPUS = None
STATE = {"loaded": False}
RESULTS = []  # (query, outcome, targets, seconds): outcome "pass" | "refused" | "fail"
FAILURES_SHOWN = [0]


def node_of(i):
    """node index -> (backend, physical database, table suffix)."""
    return ("p0" if i < 32 else "p1"), f"mdiff_{i // 8}", i % 8


def direct(node, sql, db=None, args=None):
    conn = backend(node, db)
    try:
        with conn.cursor() as c:
            c.execute(sql, args)
            return list(c.fetchall()) if c.description else c.rowcount
    finally:
        conn.close()


# --- 1. load ------------------------------------------------------------------------------
def loaded_fingerprint():
    try:
        rows = direct("p0", f"SELECT v FROM {REF}.corpus_meta WHERE k = 'fingerprint'")
        return rows[0][0] if rows else None
    except pymysql.MySQLError:
        return None


def alt_ddl(table):
    """The reference DDL with another clustered primary key (another physical row order)."""
    ddl = mc.DDL[table]
    if table == "orders":
        out = ddl.replace("order_id BIGINT NOT NULL PRIMARY KEY,", "order_id BIGINT NOT NULL,").replace(
            "KEY idx_user (user_id),", "PRIMARY KEY (city, flags, order_id), UNIQUE KEY uk_order (order_id), "
                                       "KEY idx_user (user_id),")
    else:
        out = ddl.replace("line_id BIGINT NOT NULL PRIMARY KEY,", "line_id BIGINT NOT NULL,").replace(
            "KEY idx_user_order", "PRIMARY KEY (product, price, line_id), UNIQUE KEY uk_line (line_id), KEY idx_user_order")
    assert out.count("PRIMARY KEY") == 1 and out != ddl, out
    return out


def load_alt():
    try:
        have = direct("p1", f"SELECT v FROM {ALT}.corpus_meta WHERE k = 'fingerprint'")
    except pymysql.MySQLError:
        have = []
    if REUSE and have and have[0][0] == CORPUS.fingerprint:
        print(f"MERGE_DIFF_REUSE: {ALT} already loaded", flush=True)
        return
    t = time.monotonic()
    direct("p1", f"DROP DATABASE IF EXISTS {ALT}")
    direct("p1", f"CREATE DATABASE {ALT}")
    conn = backend("p1", ALT)
    with conn.cursor() as c:
        for table in ("orders", "order_lines"):
            c.execute(alt_ddl(table))
        for stmt in reversed(CORPUS.insert_statements(BATCH)):
            c.execute(stmt)
        c.execute("CREATE TABLE corpus_meta (k VARCHAR(32) PRIMARY KEY, v VARCHAR(255))")
        c.execute("INSERT INTO corpus_meta VALUES ('fingerprint', %s)", (CORPUS.fingerprint,))
    conn.close()
    print(f"MERGE_DIFF_SELFCHECK: loaded {ALT} on p1 in {time.monotonic() - t:.1f}s", flush=True)


def test_load_data():
    print(f"corpus: {len(CORPUS.queries)} queries ({sum(map(selected, CORPUS.queries))} selected), "
          f"{len(CORPUS.orders)} orders, {len(CORPUS.lines)} order_lines, {len({o[1] for o in CORPUS.orders})} users; "
          f"{CORPUS.fingerprint}", flush=True)
    if REUSE and loaded_fingerprint() == CORPUS.fingerprint:
        print(f"MERGE_DIFF_REUSE: {REF} and {LOGICAL} already hold {CORPUS.fingerprint}; not reloaded", flush=True)
        STATE["loaded"] = True
        if SELFCHECK:
            load_alt()
        return
    t_setup = time.monotonic()
    for node, dbs in (("p0", [LOGICAL, REF] + [f"mdiff_{i}" for i in range(8)]),
                      ("p1", [LOGICAL] + [f"mdiff_{i}" for i in range(8)])):
        for db in dbs:
            direct(node, f"DROP DATABASE IF EXISTS `{db}`")
    c = proxy.connect()
    with c.cursor() as cur:
        cur.execute(f"CREATE DATABASE {LOGICAL}")
        cur.execute(f"USE {LOGICAL}")
        for table in ("orders", "order_lines"):
            cur.execute(mc.DDL[table])
    c.close()
    for node, dbs in (("p0", range(4)), ("p1", range(4, 8))):
        got = direct(node, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema IN (%s)" %
                     ", ".join(f"'mdiff_{d}'" for d in dbs))[0][0]
        check_eq(got, 2 * 8 * len(dbs), f"physical tables created through the proxy on {node}")
    direct("p0", f"CREATE DATABASE {REF}")
    for table in ("orders", "order_lines"):
        direct("p0", mc.DDL[table], db=REF)

    print(f"setup: old databases dropped, {LOGICAL} (64 x 2 physical tables, through the proxy) and {REF} created "
          f"in {time.monotonic() - t_setup:.1f}s", flush=True)
    statements = CORPUS.insert_statements(BATCH)
    timing, errors = collections.defaultdict(float), []

    def load(side, connect, stmts):
        t = time.monotonic()
        try:
            conn = connect()
            with conn.cursor() as cur:
                for stmt in stmts:
                    cur.execute(stmt)
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"{side}: {e!r}"[:2000])
        timing[side] = max(timing[side], time.monotonic() - t)

    # The INSERTs are independent: the sharded side is loaded over PROXY_LOADERS sessions
    # (each statement is split per shard by the proxy), the reference over one.
    t_load = time.monotonic()
    threads = [threading.Thread(target=load, args=("proxy", lambda: proxy.connect(db=LOGICAL, read_timeout=300),
                                                   statements[i::PROXY_LOADERS])) for i in range(PROXY_LOADERS)]
    threads.append(threading.Thread(target=load, args=("reference", lambda: backend("p0", REF), statements)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t_load
    check(not errors, "loading failed: " + "; ".join(errors))
    print(f"loaded {len(CORPUS.orders)} orders + {len(CORPUS.lines)} order_lines in {len(statements)} INSERTs of "
          f"<= {BATCH} rows per side: through the proxy {timing['proxy']:.1f}s ({PROXY_LOADERS} sessions), "
          f"reference {timing['reference']:.1f}s, {wall:.1f}s wall (both sides in parallel)", flush=True)
    direct("p0", "CREATE TABLE corpus_meta (k VARCHAR(32) PRIMARY KEY, v VARCHAR(255))", db=REF)
    direct("p0", "INSERT INTO corpus_meta VALUES ('fingerprint', %s)", db=REF, args=(CORPUS.fingerprint,))
    STATE["loaded"] = True
    if SELFCHECK:
        load_alt()


# --- 2. the two sides hold the same rows ------------------------------------------------
ROW_CHECKSUM = {
    "orders": "CRC32(CONCAT_WS('|', order_id, user_id, merchant_id, HEX(status), IFNULL(amount, '~'), "
              "IFNULL(discount, '~'), IFNULL(HEX(note), '~'), HEX(city), IFNULL(HEX(tag), '~'), IFNULL(HEX(code), '~'), "
              "HEX(sku), created, created_at, IFNULL(ship_time, '~'), IFNULL(qty, '~'), flags))",
    "order_lines": "CRC32(CONCAT_WS('|', line_id, order_id, user_id, HEX(product), qty, price))",
}


def test_data_identical_on_both_sides():
    check(STATE["loaded"], "data not loaded")
    expected_rows = {"orders": len(CORPUS.orders), "order_lines": len(CORPUS.lines)}
    for table, crc in ROW_CHECKSUM.items():
        ref = direct("p0", f"SELECT COUNT(*), COALESCE(SUM({crc}), 0) FROM {table}", db=REF)[0]
        total, sums, misplaced = 0, 0, []
        for node in ("p0", "p1"):
            parts = []
            for i in range(SHARDS):
                n, db, t = node_of(i)
                if n == node:
                    parts.append(f"SELECT {i}, COUNT(*), COALESCE(SUM({crc}), 0), "
                                 f"COALESCE(SUM(MOD(MOD(user_id, {SHARDS}) + {SHARDS}, {SHARDS}) <> {i}), 0) "
                                 f"FROM {db}.{table}_{t}")
            for i, cnt, s, bad in direct(node, " UNION ALL ".join(parts)):
                total += cnt
                sums += int(s)
                if bad:
                    misplaced.append((i, int(bad)))
        check_eq(ref[0], expected_rows[table], f"{REF}.{table} rows")
        check_eq(total, expected_rows[table], f"{table} rows over the 64 physical tables")
        check_eq(sums, int(ref[1]), f"{table}: sum of row checksums, sharded vs reference")
        check(not misplaced, f"{table}: rows on another user's shard (node, count): {misplaced[:10]}")
        if SELFCHECK:
            alt = direct("p1", f"SELECT COUNT(*), COALESCE(SUM({crc}), 0) FROM {table}", db=ALT)[0]
            check_eq(alt, ref, f"{ALT}.{table}: rows and checksum vs the reference")
    print(f"both sides hold the same {expected_rows['orders']} orders and {expected_rows['order_lines']} order_lines; "
          f"every row on its user's shard", flush=True)


# --- 3. the collation normalization agrees with MariaDB --------------------------------
def classes_by(keyfn, values):
    groups = collections.defaultdict(set)
    for v in values:
        groups[keyfn(v)].add(v)
    return sorted(sorted(g) for g in groups.values())


def test_collation_keys_match_mariadb():
    """merge_corpus.collation_key must split values exactly as MariaDB's `=` does:
    (a) on the loaded columns (MariaDB groups each column's distinct byte strings), and
    (b) on the whole vocabulary (pairwise `=` of literals in each collation)."""
    check(STATE["loaded"], "data not loaded")
    conn = backend("p0", REF)
    problems = []
    try:
        with conn.cursor() as c:
            c.execute("SET SESSION group_concat_max_len = 1048576")
            for table, col in (("orders", "note"), ("orders", "city"), ("orders", "tag"), ("orders", "sku"),
                               ("orders", "status"), ("order_lines", "product")):
                coll = mc.COLUMN_COLLATION[col]
                enc = "latin1" if mc.CHARSET_OF[coll] == "latin1" else "utf-8"
                c.execute(f"SELECT GROUP_CONCAT(DISTINCT HEX({col}) SEPARATOR ',') FROM {table} "
                          f"WHERE {col} IS NOT NULL GROUP BY {col}")
                mariadb = sorted(sorted(bytes.fromhex(h).decode(enc) if h else "" for h in row[0].split(","))
                                 for row in c.fetchall())
                mine = classes_by(lambda v, coll=coll: mc.collation_key(coll, v), {v for g in mariadb for v in g})
                if mariadb != mine:
                    problems.append(f"{table}.{col} ({coll}): MariaDB groups {mariadb}, collation_key groups {mine}")
            for coll, values in mc.VOCABULARY.items():
                cs = mc.CHARSET_OF[coll]

                def lit(v):
                    h = v.encode().hex().upper()
                    s = f"_utf8mb4 X'{h}'" if h else "_utf8mb4''"
                    return f"CONVERT({s} USING latin1) COLLATE {coll}" if cs == "latin1" else f"{s} COLLATE {coll}"

                derived = " UNION ALL ".join(f"SELECT {i} AS i, {lit(v)} AS v" for i, v in enumerate(values))
                c.execute(f"SELECT a.i, b.i FROM ({derived}) a JOIN ({derived}) b ON a.v = b.v")
                equal_mariadb = {(i, j) for i, j in c.fetchall()}
                keys = [mc.collation_key(coll, v) for v in values]
                equal_mine = {(i, j) for i in range(len(values)) for j in range(len(values)) if keys[i] == keys[j]}
                for i, j in sorted(equal_mariadb ^ equal_mine):
                    if i < j:
                        problems.append(f"{coll}: {values[i]!r} = {values[j]!r} is "
                                        f"{(i, j) in equal_mariadb} in MariaDB, {(i, j) in equal_mine} by collation_key")
    finally:
        conn.close()
    check(not problems, "collation_key disagrees with MariaDB:\n  " + "\n  ".join(problems[:30]))
    print("collation_key agrees with MariaDB on " +
          ", ".join(f"{k} ({len(v)} words)" for k, v in mc.VOCABULARY.items()) + " and on the loaded columns",
          flush=True)


# --- 4. the corpus ---------------------------------------------------------------------
def mysqldb_connect(port, db):
    """Corpus results are fetched with MySQLdb (libmariadb): the same values and types as
    pymysql, several times faster on 50000-row results."""
    return MySQLdb.connect(host=HOST, port=port, user="app", passwd="app", db=db, charset="utf8mb4",
                           autocommit=True, connect_timeout=10, read_timeout=120)


class Side:
    """One connection (proxy or reference), reconnected after a lost connection."""

    def __init__(self, name, connect):
        self.name, self._connect, self.conn = name, connect, None

    def run(self, sql):
        """-> ("ok", [(name, type_code)], rows) or ("error", errno, message)."""
        if self.conn is None:
            self.conn = self._connect()
        try:
            with self.conn.cursor() as c:
                c.execute(sql)
                cols = [(d[0], d[1]) for d in c.description] if c.description else []
                return "ok", cols, list(c.fetchall())
        except MySQLdb.MySQLError as e:
            errno = e.args[0] if e.args and isinstance(e.args[0], int) else -1
            if isinstance(e, (MySQLdb.OperationalError, MySQLdb.InterfaceError)) and errno in (
                    -1, 0, 2006, 2013, 2014, 2026, 2055):
                try:
                    self.conn.close()
                except Exception:  # noqa: BLE001
                    pass
                self.conn = None
            return "error", errno, str(e.args[1] if len(e.args) > 1 else e)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def canon(v, coll=None):
    """A hashable, comparable form of one value (floats rounded: sorting and multiset keys
    only; values_equal compares floats with the tolerance)."""
    if v is None:
        return ("null", "")
    if isinstance(v, float):
        return ("float", float("%.6g" % v) if math.isfinite(v) else v)
    if isinstance(v, Decimal):
        return ("decimal", str(v))
    if isinstance(v, str):
        return ("str", mc.collation_key(coll, v) if coll else v)
    if isinstance(v, bytes):
        return ("bytes", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, datetime.datetime):
        return ("datetime", v)
    if isinstance(v, datetime.date):
        return ("date", v)
    if isinstance(v, datetime.timedelta):
        return ("time", v)
    return (type(v).__name__, repr(v))


def values_equal(a, b, coll=None):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=FLOAT_REL_TOL, abs_tol=1e-12)
    return type(a) is type(b) and canon(a, coll) == canon(b, coll)


def rows_equal(r1, r2, norm):
    return len(r1) == len(r2) and all(values_equal(a, b, norm.get(i)) for i, (a, b) in enumerate(zip(r1, r2)))


def row_key(row, norm):
    return tuple(canon(v, norm.get(i)) for i, v in enumerate(row))


def short(row, limit=300):
    s = repr(tuple(row))
    return s if len(s) <= limit else s[:limit] + "...)"


def compare(q, got, ref, ref_full):
    """-> None when equal, else a list of lines describing the difference."""
    if got[0] == "error" or ref[0] == "error":
        if got[0] == "error" and ref[0] == "error" and got[1] == ref[1]:
            return None
        if got[0] == "error" and ref[0] == "ok" and got[1] in q.refused:
            return None
        g = f"proxy: ERROR {got[1]}: {got[2]}" if got[0] == "error" else f"proxy: {len(got[2])} rows"
        r = f"reference: ERROR {ref[1]}: {ref[2]}" if ref[0] == "error" else f"reference: {len(ref[2])} rows"
        return [g[:600], r[:600]]
    _, gcols, grows = got
    _, rcols, rrows = ref
    out = []
    if len(gcols) != len(rcols):
        return [f"column count: proxy {len(gcols)} {[c[0] for c in gcols]}, reference {len(rcols)} "
                f"{[c[0] for c in rcols]}",
                f"rows: proxy {len(grows)}, reference {len(rrows)}",
                "  first proxy row:     " + (short(grows[0]) if grows else "(none)"),
                "  first reference row: " + (short(rrows[0]) if rrows else "(none)")]
    if [c[0] for c in gcols] != [c[0] for c in rcols]:
        out.append(f"column names: proxy {[c[0] for c in gcols]}, reference {[c[0] for c in rcols]}")
    if [c[1] for c in gcols] != [c[1] for c in rcols]:
        out.append(f"column type codes: proxy {[c[1] for c in gcols]}, reference {[c[1] for c in rcols]}")
    norm = q.norm
    counts = f"rows: proxy {len(grows)}, reference {len(rrows)}"
    if q.subset_of:
        if len(grows) != len(rrows):
            out.append(counts)
        pool = collections.Counter(row_key(r, norm) for r in ref_full[2])
        extra = collections.Counter(row_key(r, norm) for r in grows) - pool
        if extra:
            out.append(f"{sum(extra.values())} proxy rows are not rows of: {q.subset_of}")
            out.append("  e.g. " + short(next(iter(extra))))
        return out or None
    if q.ordered:
        a, b = grows, rrows
    else:
        a = sorted(grows, key=lambda r: row_key(r, norm))
        b = sorted(rrows, key=lambda r: row_key(r, norm))
    first = next((i for i in range(min(len(a), len(b))) if not rows_equal(a[i], b[i], norm)), None)
    if first is None and len(a) == len(b):
        return out or None
    out.append(counts)
    if first is None:
        first = min(len(a), len(b))
    what = "row" if q.ordered else "row in canonical (sorted) order"
    out.append(f"first difference at {what} {first}:")
    for i in range(first, min(first + 3, max(len(a), len(b)))):
        out.append(f"  [{i}] proxy:     " + (short(a[i]) if i < len(a) else "(none)"))
        out.append(f"  [{i}] reference: " + (short(b[i]) if i < len(b) else "(none)"))
    if first < min(len(a), len(b)):
        cols = [k for k in range(len(a[first])) if not values_equal(a[first][k], b[first][k], norm.get(k))]
        out.append(f"  row {first} differs in column(s) " + ", ".join(
            f"{k} {rcols[k][0]!r}: proxy {a[first][k]!r}, reference {b[first][k]!r}" for k in cols[:6]))
    ka = collections.Counter(row_key(r, norm) for r in a)
    kb = collections.Counter(row_key(r, norm) for r in b)
    only_p, only_r = ka - kb, kb - ka
    if only_p or only_r:
        out.append(f"as multisets: {sum(only_p.values())} rows only from the proxy, {sum(only_r.values())} only "
                   f"from the reference (floats rounded to 6 digits)")
        for k in list(only_p)[:2]:
            out.append("  only proxy:     " + short(tuple(v for _, v in k)))
        for k in list(only_r)[:2]:
            out.append("  only reference: " + short(tuple(v for _, v in k)))
    elif q.ordered:
        out.append("same rows as multisets: the ORDER is different")
    return out


def test_comparator_rules():
    """The comparison rules on synthetic results (no database involved)."""
    D = Decimal
    q = mc.Query("t", "SELECT ...", ordered=False)
    qo = mc.Query("t", "SELECT ...", ordered=True)
    qn = mc.Query("t", "SELECT ...", ordered=True, norm={0: "utf8mb4_general_ci"})
    qr = mc.Query("t", "SELECT ...", ordered=False, refused=(1235,))
    cols = [("a", 246), ("b", 5)]

    def res(*rows, c=cols):
        return ("ok", c, list(rows))

    same = [(q, res((D("1.50"), 1.0), (D("2.00"), 2.0)), res((D("2.00"), 2.0), (D("1.50"), 1.0 + 1e-12))),
            (qo, res((D("1.50"), 0.1 + 0.2)), res((D("1.50"), 0.3))),
            (qn, res(("Café", 1.0), ("zoe", 2.0)), res(("CAFE", 1.0), ("Zoë", 2.0))),
            (qn, res(("Banana ", 1.0)), res(("banana", 1.0))),
            (q, ("error", 1146, "x"), ("error", 1146, "y")),
            (qr, ("error", 1235, "refused"), res((D("1"), 1.0))),
            (q, res(), res())]
    differ = [(q, res((D("1.50"), 1.0)), res((D("1.5"), 1.0)), "scale"),
              (q, res((D("1"), 1.0)), res((1, 1.0)), "int vs DECIMAL"),
              (q, res((D("1"), 1.0)), res((D("1"), 1.0 + 1e-6)), "float beyond tolerance"),
              (qo, res((D("1"), 1.0), (D("2"), 2.0)), res((D("2"), 2.0), (D("1"), 1.0)), "order"),
              (q, res((D("1"), 1.0)), res((D("1"), 1.0), (D("1"), 1.0)), "multiplicity"),
              (qo, res(("Café", 1.0)), res(("cafe", 1.0)), "string without norm"),
              (qn, res(("Øre", 1.0)), res(("ore", 1.0)), "Ø is not O"),
              (q, res((D("1"), 1.0), c=[("a", 246), ("B", 5)]), res((D("1"), 1.0)), "column name"),
              (q, res((D("1"), 1.0), c=[("a", 8), ("b", 5)]), res((D("1"), 1.0)), "column type"),
              (q, res((D("1"), None)), res((D("1"), 0.0)), "NULL vs 0"),
              (q, ("error", 1235, "refused"), res((D("1"), 1.0)), "error not allowed"),
              (q, ("error", 1064, "x"), ("error", 1146, "y"), "other errno")]
    for case in same:
        check_eq(compare(case[0], case[1], case[2], None), None, f"equal: {case[1]!r} vs {case[2]!r}")
    for qq, a, b, what in differ:
        check(compare(qq, a, b, None), f"{what}: {a!r} vs {b!r} should differ")
    qs = mc.Query("t", "SELECT a FROM t LIMIT 2", ordered=False, subset_of="SELECT a FROM t")
    full = res((D("1"), 1.0), (D("2"), 2.0), (D("3"), 3.0))
    check_eq(compare(qs, res((D("3"), 3.0), (D("1"), 1.0)), res((D("1"), 1.0), (D("2"), 2.0)), full), None, "subset")
    check(compare(qs, res((D("3"), 3.0), (D("4"), 4.0)), res((D("1"), 1.0), (D("2"), 2.0)), full), "not a subset")
    check(compare(qs, res((D("3"), 3.0)), res((D("1"), 1.0), (D("2"), 2.0)), full), "subset: row count")


def targets(side, sql):
    if SELFCHECK:
        return None
    r = side.run("SHARDWIRE EXPLAIN " + sql)
    return len(r[2]) if r[0] == "ok" else None


def selected(q):
    text = f"{q.name} {q.sql}".lower()
    return not FILTER or any(t in text for t in FILTER)


SIDES = {}


def sides():
    if not SIDES:
        if SELFCHECK:
            SIDES["proxy"] = Side("alt", lambda: mysqldb_connect(cluster_port("p1"), ALT))
        else:
            SIDES["proxy"] = Side("proxy", lambda: mysqldb_connect(proxy.port, LOGICAL))
        SIDES["reference"] = Side("reference", lambda: mysqldb_connect(cluster_port("p0"), REF))
    return SIDES["proxy"], SIDES["reference"]


def run_category(category):
    check(STATE["loaded"], "data not loaded")
    p, r = sides()
    failed = 0
    queries = [q for q in CORPUS.queries if q.category == category and selected(q)]
    for q in queries:
        nodes = targets(p, q.sql)
        t0 = time.monotonic()
        got = p.run(q.sql)
        t_proxy = time.monotonic() - t0
        ref = r.run(q.sql)
        ref_full = r.run(q.subset_of) if q.subset_of else None
        diff = compare(q, got, ref, ref_full)
        if diff is None and not SELFCHECK:
            # Again: now planned from the template the first run left in the plan cache.
            again = compare(q, p.run(q.sql), ref, ref_full)
            diff = None if again is None else ["the second run (from the plan cache) differs:"] + again
        outcome = "pass" if diff is None else "fail"
        if diff is None and got[0] == "error" and ref[0] == "ok":
            outcome = "refused"
        RESULTS.append((q, outcome, nodes, t_proxy))
        if VERBOSE:
            print(f"  {outcome.upper():7} {q.name} ({nodes} nodes, {t_proxy:.2f}s) {q.sql[:150]}", flush=True)
        if diff is not None:
            failed += 1
            FAILURES_SHOWN[0] += 1
            if FAILURES_SHOWN[0] <= MAX_FAILURES:
                print(f"MISMATCH {q.name} [{q.flags()}] ({nodes if nodes is not None else '?'} nodes)\n"
                      f"  {q.sql}\n  " + "\n  ".join(diff), flush=True)
            elif FAILURES_SHOWN[0] == MAX_FAILURES + 1:
                print(f"(more mismatches are not printed in full: MERGE_DIFF_MAX_FAILURES={MAX_FAILURES})", flush=True)
        if not proxy.alive():
            raise AssertionError(f"the proxy died during {q.name}: {q.sql}")
    check(failed == 0, f"{failed} of {len(queries)} {category} queries differ from the reference")


def compact(nums):
    """[1, 2, 3, 5] -> '1-3,5'"""
    out, start = [], None
    for i, n in enumerate(nums):
        if start is None:
            start = n
        if i + 1 == len(nums) or nums[i + 1] != n + 1:
            out.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)


def test_summary():
    """Prints the totals; passes (the category cases carry the failures)."""
    for s in SIDES.values():
        s.close()
    if not RESULTS:
        print("no queries ran" + (f" (MERGE_DIFF_FILTER={os.environ.get('MERGE_DIFF_FILTER')})" if FILTER else ""))
        return
    per = collections.OrderedDict()
    for q, outcome, nodes, _ in RESULTS:
        per.setdefault(q.category, collections.Counter())[outcome] += 1
        kind = "single-node" if nodes == 1 else "multi-node" if nodes else "unknown-targets"
        per.setdefault(kind, collections.Counter())[outcome] += 1
    total = collections.Counter(o for _, o, _, _ in RESULTS)
    if SELFCHECK:
        print(f"==== MERGE_DIFF_SELFCHECK: 'proxy' below is {ALT} on p1 (another physical row order), not the proxy")
    print(f"==== merge_diff summary: {len(RESULTS)} queries run, {total['pass'] + total['refused']} passed "
          f"({total['refused']} refused as the corpus allows), {total['fail']} failed ====")
    print(f"  {'category':16} {'run':>5} {'pass':>5} {'fail':>5}")
    for cat, c in per.items():
        if cat in ("single-node", "multi-node", "unknown-targets"):
            continue
        print(f"  {cat:16} {sum(c.values()):5} {c['pass'] + c['refused']:5} {c['fail']:5}")
    for kind in ("single-node", "multi-node", "unknown-targets"):
        if kind in per:
            c = per[kind]
            print(f"  {'(' + kind + ')':16} {sum(c.values()):5} {c['pass'] + c['refused']:5} {c['fail']:5}")
    slow = sorted(RESULTS, key=lambda x: -x[3])[:5]
    print("  slowest through the proxy: " + ", ".join(f"{q.name} {t:.2f}s" for q, _, _, t in slow))
    if total["fail"]:
        failed = collections.OrderedDict()
        for q, o, _, _ in RESULTS:
            if o == "fail":
                cat, num = q.name.split("/")
                failed.setdefault(cat, []).append(int(num))
        print("  failed: " + "; ".join(f"{cat} {compact(nums)}" for cat, nums in failed.items()))
    sys.stdout.flush()


def category_cases():
    global CORPUS
    CORPUS = mc.Corpus(N_ORDERS)
    cases = []
    for cat in mc.CATEGORIES:
        if not any(q.category == cat and selected(q) for q in CORPUS.queries):
            continue
        def case(cat=cat):
            run_category(cat)
        case.__name__ = f"corpus_{cat}"
        cases.append(case)
    return cases


def start():
    global proxy
    proxy = Proxy("merge_diff", config={"schemas": SCHEMAS}).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_comparator_rules, test_load_data, test_data_identical_on_both_sides,
                test_collation_keys_match_mariadb,
                *category_cases(), test_summary], start)
