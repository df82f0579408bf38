#!/usr/bin/python3
"""Archival of cold rows (docs/migrations.md, "Archival"; proxy/migration/archive.cpp)
against the real cluster.

The hot table is sw_arc.orders, sharded on user_id over sw_arc_${0..7}.orders_${0..7}
(ds0 and ds1), SW_ARCHIVE_ROWS rows (CI: 20,000), half of them created before the cutoff.
An archive job moves the old half to archive_db.orders_archive on ds1 while a writer
inserts new rows and updates recent ones through the proxy; the proxy is SIGKILLed three
times mid-run and restarted. Then: every row exactly once, in the hot tables or in the
archive, byte for byte as it was; nothing old left hot; the archive holds only old rows.
Also: bad conditions and bodies are 400, unknown jobs 404, /metrics exports the job.
"""
import os
import random
import sys
import threading
import time

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, free_port, main_cases, wait_for  # noqa: E402
from xa_common import admin, metrics  # noqa: E402

ROWS = int(os.environ.get("SW_ARCHIVE_ROWS", "20000"))
LOGICAL, TABLE = "sw_arc", "orders"
ARCHIVE_DB, ARCHIVE_TABLE = "archive_db", "orders_archive"
CUTOFF = "2025-07-01"
JOB = "old_orders"
COLUMNS = "order_id, user_id, amount, note, created_at, payload"

admin_port = free_port()
proxy = Proxy("archive", config={
    "schemas": {LOGICAL: {
        "default_data_source": "ds0",
        "databases": {f"{LOGICAL}_${{0..3}}": "ds0", f"{LOGICAL}_${{4..7}}": "ds1"},
        "tables": {TABLE: {"data_nodes": f"{LOGICAL}_${{0..7}}.{TABLE}_${{0..7}}",
                           "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 64},
                           "key_generator": {"column": "order_id", "type": "snowflake"}}},
    }},
    "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"},
})
original = {}  # order_id -> row as loaded


def api(method, path, body=None):
    return admin(admin_port, method, f"/v1/archive{path}", body)


def job():
    status, j = api("GET", f"/{JOB}")
    check_eq(status, 200, f"GET archive: {j}")
    return j


def node_of(user):
    slot = user % 64
    return ("p0" if slot < 32 else "p1"), f"{LOGICAL}_{slot // 8}.{TABLE}_{slot % 8}"


def setup_tables():
    ddl = ("(order_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NULL, "
           "note VARCHAR(64) CHARACTER SET utf8mb4 NULL, created_at DATETIME(6) NOT NULL, payload VARBINARY(16) NULL, "
           "KEY (created_at)) ENGINE=InnoDB")
    for node, lo, hi in (("p0", 0, 4), ("p1", 4, 8)):
        with backend(node) as b, b.cursor() as c:
            for d in range(lo, hi):
                c.execute(f"DROP DATABASE IF EXISTS {LOGICAL}_{d}")
                c.execute(f"CREATE DATABASE {LOGICAL}_{d}")
                for t in range(8):
                    c.execute(f"CREATE TABLE {LOGICAL}_{d}.{TABLE}_{t} {ddl}")
    with backend("p1") as b, b.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {ARCHIVE_DB}")
    rnd = random.Random(5)
    by_table = {}
    for i in range(1, ROWS + 1):
        user = rnd.randrange(1, 4000)
        old = i % 2 == 0
        created = f"2025-{rnd.randrange(1, 7) if old else rnd.randrange(7, 13):02d}-{rnd.randrange(1, 29):02d} " \
                  f"08:00:00.{i % 1000000:06d}"
        row = (i, user, f"{rnd.randrange(1, 10**6) / 100:.2f}", rnd.choice(["déjà", "it's", None, "x\\y"]), created,
               bytes([i % 256, 39, 0]) if i % 4 else None)
        original[i] = row
        by_table.setdefault(node_of(user), []).append(row)
    for (node, table), rows in by_table.items():
        with backend(node) as b, b.cursor() as c:
            c.executemany(f"INSERT INTO {table} ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s)", rows)
            b.commit()


class Writer:
    """New orders and updates of recent ones through the proxy (never an archived row)."""

    def __init__(self):
        self.stop = threading.Event()
        self.ops = 0
        self.errors = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        rnd = random.Random(9)
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = pymysql.connect(host=HOST, port=proxy.port, user="app", password="app", db=LOGICAL,
                                           autocommit=True, connect_timeout=5, read_timeout=30)
                with conn.cursor() as c:
                    if rnd.random() < 0.5:
                        c.execute(f"INSERT INTO {TABLE} (user_id, amount, note, created_at) VALUES (%s, 1.00, 'new', NOW(6))",
                                  (rnd.randrange(1, 4000),))
                    else:
                        k = rnd.randrange(1, ROWS // 2) * 2 + 1  # odd keys: created after the cutoff
                        # (a kill may cut it off after the server applied it: the check
                        # takes either note for these recent rows)
                        c.execute(f"UPDATE {TABLE} SET note = 'recent update' WHERE user_id = %s AND order_id = %s",
                                  (original[k][1], k))
                self.ops += 1
            except pymysql.err.OperationalError:
                conn = None  # the proxy is being killed on purpose
                time.sleep(0.05)
            except Exception as e:  # noqa: BLE001
                self.errors.append(repr(e))
                conn = None
            time.sleep(0.01)


writer = Writer()


def test_setup():
    setup_tables()
    proxy.start()
    writer.thread.start()


def test_refusals():
    good = {"name": JOB, "source": {"schema": LOGICAL, "table": TABLE},
            "archive": {"data_source": "ds1", "database": ARCHIVE_DB, "table": ARCHIVE_TABLE},
            "condition": f"created_at < '{CUTOFF}'"}
    for body, status, text in (
            ({**good, "condition": "1; DROP TABLE x"}, 400, "condition"),
            ({**good, "condition": "created_at < ?"}, 400, "condition"),
            ({**good, "condition": "1) OR (1"}, 400, "condition"),
            ({**good, "name": "Bad"}, 400, "name"),
            ({**good, "source": {"schema": LOGICAL, "table": "nope"}}, 400, "not a sharded logical table"),
            ({**good, "archive": {"data_source": "ds9", "database": "a", "table": "b"}}, 400, "ds9"),
            ({**good, "throttle": {"batch_rows": 0}}, 400, "batch_rows"),
            ({**good, "extra": True}, 400, "unknown key"),
    ):
        got, answer = api("POST", "", body)
        check_eq(got, status, f"POST {body}: {answer}")
        check(text in answer["error"], f"error names {text!r}: {answer}")
    got, answer = api("GET", "/nope")
    check_eq(got, 404, f"unknown archive: {answer}")


def test_archive_with_kills():
    body = {"name": JOB, "source": {"schema": LOGICAL, "table": TABLE},
            "archive": {"data_source": "ds1", "database": ARCHIVE_DB, "table": ARCHIVE_TABLE},
            "condition": f"created_at < '{CUTOFF}'", "throttle": {"rows_per_second": max(2000, ROWS // 4),
                                                                  "batch_rows": 200}}
    got, answer = api("POST", "", body)
    check_eq(got, 201, f"create: {answer}")
    check_eq(answer["condition"], f"created_at < '{CUTOFF}'", "the condition as re-printed")
    # Killed twice at random moments and twice exactly mid-batch: its rows copied to the
    # archive and verified, not yet deleted from the hot table (SHARDWIRE_ARCHIVE_FAULT).
    for share in (0.15, 0.4):
        wait_for(f"{share:.0%} archived", lambda s=share: job()["rows_archived"] >= ROWS / 2 * s, timeout=120)
        proxy.proc.kill()
        proxy.proc.wait(10)
        proxy.start()
    for nth in (3, 5):
        proxy.proc.kill()
        proxy.proc.wait(10)
        os.environ["SHARDWIRE_ARCHIVE_FAULT"] = str(nth)
        try:
            proxy.start()
        finally:
            os.environ.pop("SHARDWIRE_ARCHIVE_FAULT")
        wait_for("the proxy killed itself mid-batch", lambda: proxy.proc.poll() is not None, timeout=60)
        check_eq(proxy.proc.returncode, -9, "SIGKILLed at the fault point")
        proxy.start()
    wait_for("the archive job done", lambda: job()["done"], timeout=300)
    j = job()
    print(f"  archived {j['rows_archived']} rows in {j['batches']} batches (4 kills, 2 of them mid-batch), "
          f"{writer.ops} writes meanwhile",
          flush=True)
    check_eq(j["verify_failures"], 0, "verify failures")


def test_every_row_exactly_once():
    writer.stop.set()
    writer.thread.join(30)
    hot, seen_twice = {}, 0
    for node, lo, hi in (("p0", 0, 4), ("p1", 4, 8)):
        with backend(node) as b, b.cursor() as c:
            for d in range(lo, hi):
                for t in range(8):
                    c.execute(f"SELECT {COLUMNS} FROM {LOGICAL}_{d}.{TABLE}_{t} WHERE order_id <= %s", (ROWS,))
                    for r in c.fetchall():
                        seen_twice += r[0] in hot
                        hot[r[0]] = r
    with backend("p1") as b, b.cursor() as c:
        c.execute(f"SELECT {COLUMNS} FROM {ARCHIVE_DB}.{ARCHIVE_TABLE}")
        archived = {r[0]: r for r in c.fetchall()}
    both = [k for k in archived if k in hot]
    missing = [k for k in original if k not in hot and k not in archived]
    old_left = [k for k, r in hot.items() if str(r[4]) < CUTOFF]
    new_archived = [k for k, r in archived.items() if str(r[4]) >= CUTOFF]

    def same(a, b):
        def text(r):
            return tuple(str(x) if x is not None else None for x in r)
        updated = b[:3] + ("recent update",) + b[4:]  # the writer's update of a recent row
        return text(a) == text(b) or text(a) == text(updated)
    changed = [k for k in original if (k in hot and not same(hot[k], original[k])) or
               (k in archived and not same(archived[k], original[k]))]
    print(f"  {len(hot)} hot, {len(archived)} archived of {len(original)}: in both {len(both)}, missing {len(missing)}, "
          f"twice hot {seen_twice}, old left hot {len(old_left)}, new archived {len(new_archived)}, "
          f"changed {len(changed)}", flush=True)
    check_eq((len(both), len(missing), seen_twice, len(old_left), len(new_archived), len(changed)), (0, 0, 0, 0, 0, 0),
             "in both, missing, twice, old left, new archived, changed")
    check_eq(len(archived), ROWS // 2, "the old half archived")
    check(not writer.errors, f"writer errors: {writer.errors[:3]}")


def test_metrics_and_api():
    m = metrics(admin_port, prefix="shardwire_archive_")
    check_eq(m.get(f'rows_total{{job="{JOB}"}}'), job()["rows_archived"], "rows_total exported")
    check_eq(m.get(f'running{{job="{JOB}"}}'), 0, "running exported")
    got, answer = api("POST", f"/{JOB}/pause")
    check_eq(got, 409, f"pausing a finished job: {answer}")
    got, answer = api("GET", "")
    check_eq(got, 200, "list")
    check_eq([a["name"] for a in answer["archives"]], [JOB], "listed")


if __name__ == "__main__":
    main_cases([test_setup, test_refusals, test_archive_with_kills, test_every_row_exactly_once, test_metrics_and_api],
               lambda: [proxy])
