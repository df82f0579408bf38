#!/usr/bin/python3
"""Resharding: a migration whose source is a sharded logical table under other rules
(docs/migrations.md, "A sharded source"), against the real cluster, with a writer running.

The source is sw_rs.orders_v1, sharded on user_id mod 4 over sw_rs_{0,2}.orders_v1_{0,1}
(ds0, ds1); the target sw_rs.orders_v2, user_id mod 16 over sw_rs_{0..3}.orders_v2_{0..3}.
The two share the databases sw_rs_0 and sw_rs_2, so their change logs share tables too.
SW_RESHARD_ROWS rows (CI: 4,000). A writer inserts (keys from the proxy's generator),
updates, moves rows between source nodes (user_id changes: XA moves) and deletes through
the proxy in every phase.

  - creation refuses a source that is not a sharded logical table, and the target itself;
  - double-write: triggers on every source table; each write's OK comes once the target
    holds it (a move between source nodes included);
  - backfill node by node, the proxy SIGKILLed mid-copy (it resumes at its node and key);
  - verify finds a difference made behind the proxy's back, repair fixes it;
  - full comparisons (0 lost, extra, duplicated, misplaced, differing on both sides) before
    the switch, after cutover (the way back places rows by the source's rule), after a
    rollback from switch_writes, and after cleanup (every source table renamed, kept).

Uses its own databases; kills only its own proxy.
"""
import os
import random
import sys
import time

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, free_port, main_cases, wait_for  # noqa: E402
from migration_common import JobApi, SteadyWriter  # noqa: E402

ROWS = int(os.environ.get("SW_RESHARD_ROWS", "4000"))
LOGICAL, SOURCE, TARGET = "sw_rs", "orders_v1", "orders_v2"
JOB = "reshard_v1_v2"
WRITES_PER_SECOND = 60

admin_port = free_port()
proxy = Proxy("reshard", config={
    "schemas": {LOGICAL: {
        "default_data_source": "ds0",
        "databases": {f"{LOGICAL}_${{0..1}}": "ds0", f"{LOGICAL}_${{2..3}}": "ds1"},
        "transaction_mode": "xa",  # user_id changes move rows between nodes
        "tables": {
            SOURCE: {"data_nodes": f"{LOGICAL}_${{[0,2]}}.{SOURCE}_${{0..1}}",
                     "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 4},
                     "key_generator": {"column": "order_id", "type": "snowflake"}},
            TARGET: {"data_nodes": f"{LOGICAL}_${{0..3}}.{TARGET}_${{0..3}}",
                     "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 16},
                     "key_generator": {"column": "order_id", "type": "snowflake"}},
        },
    }},
    "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"},
})

COLUMNS = "order_id, user_id, amount, note"
DDL = ("(order_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NULL, "
       "note VARCHAR(64) CHARACTER SET utf8mb4 NULL, KEY (user_id)) ENGINE=InnoDB")


def source_node(user):
    """(server, database.table) of the source row of user_id `user`."""
    slot = user % 4
    db = (0, 2)[slot // 2]
    return ("p0" if db < 2 else "p1"), f"{LOGICAL}_{db}.{SOURCE}_{slot % 2}"


def target_node(user):
    slot = user % 16
    return ("p0" if slot < 8 else "p1"), f"{LOGICAL}_{slot // 4}.{TARGET}_{slot % 4}"


def source_tables(name=SOURCE):
    return [("p0" if db < 2 else "p1", f"{LOGICAL}_{db}.{name}_{t}") for db in (0, 2) for t in range(2)]


def target_tables():
    return [("p0" if d < 2 else "p1", f"{LOGICAL}_{d}.{TARGET}_{t}") for d in range(4) for t in range(4)]


def renamed_tables(prefix):
    """After cleanup: source node i is <prefix>_<i>, in its own database."""
    return [(server, f"{table.split('.')[0]}.{prefix}_{i}") for i, (server, table) in enumerate(source_tables())]


api = JobApi(admin_port, JOB)
job = api.job


def setup_tables():
    for server, lo, hi in (("p0", 0, 2), ("p1", 2, 4)):
        with backend(server) as b, b.cursor() as c:
            for d in range(lo, hi):
                c.execute(f"DROP DATABASE IF EXISTS {LOGICAL}_{d}")
                c.execute(f"CREATE DATABASE {LOGICAL}_{d}")
                for t in range(4):
                    c.execute(f"CREATE TABLE {LOGICAL}_{d}.{TARGET}_{t} {DDL}")
                if d in (0, 2):
                    for t in range(2):
                        c.execute(f"CREATE TABLE {LOGICAL}_{d}.{SOURCE}_{t} {DDL}")
    rnd = random.Random(19)
    rows = {}
    for i in range(1, ROWS + 1):
        user = rnd.randrange(1, 5000)
        rows.setdefault(source_node(user), []).append(
            (i, user, f"{rnd.randrange(1, 10**6) / 100:.2f}", rnd.choice(["déjà vu", "it's", None, f"n{i}"])))
    for (server, table), batch in rows.items():
        with backend(server) as b, b.cursor() as c:
            c.executemany(f"INSERT INTO {table} ({COLUMNS}) VALUES (%s,%s,%s,%s)", batch)
            b.commit()


def write(c, rnd):
    """Inserts (keys from the proxy), updates, moves between source nodes, deletes."""
    k, op = rnd.randrange(1, ROWS + 1), rnd.random()
    if op < 0.35:
        c.execute(f"INSERT INTO {SOURCE} (user_id, amount, note) VALUES (%s, 1.50, %s)", (rnd.randrange(1, 5000), f"new {k}"))
    elif op < 0.6:
        c.execute(f"UPDATE {SOURCE} SET amount = amount + 1 WHERE order_id = %s", (k,))
    elif op < 0.8:  # to another source node (and target node): an XA move
        c.execute(f"UPDATE {SOURCE} SET user_id = %s WHERE order_id = %s", (rnd.randrange(1, 5000), k))
    else:
        c.execute(f"DELETE FROM {SOURCE} WHERE order_id = %s", (k,))


writer = SteadyWriter(proxy, LOGICAL, write, WRITES_PER_SECOND, seed=5)


def read_tables(tables, place):
    rows, duplicated, misplaced = {}, 0, 0
    for server, table in tables:
        with backend(server) as b, b.cursor() as c:
            c.execute(f"SELECT {COLUMNS} FROM {table}")
            for r in c.fetchall():
                duplicated += r[0] in rows
                misplaced += place is not None and place(r[1])[1] != table
                rows[r[0]] = r
    return rows, duplicated, misplaced


def log_entries():
    out = []
    for server, dbs in (("p0", (0, 1)), ("p1", (2, 3))):
        with backend(server) as b, b.cursor() as c:
            for d in dbs:
                c.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                          "TABLE_NAME = '_sw_changes'", (f"{LOGICAL}_{d}",))
                if c.fetchone()[0]:
                    c.execute(f"SELECT '{LOGICAL}_{d}', id, old_key, new_key FROM {LOGICAL}_{d}._sw_changes")
                    out += c.fetchall()
    return out


def compare(label, sources=None):
    """Writer paused, logs drained: the source's nodes against the target's, row by row."""
    writer.pause()
    try:
        wait_for("the change logs drained", lambda: not log_entries(), timeout=60)
        placed = sources is None
        source, s_dup, s_mis = read_tables(sources or source_tables(), source_node if placed else None)
        target, t_dup, t_mis = read_tables(target_tables(), target_node)
        lost = sum(1 for k in source if k not in target)
        extra = sum(1 for k in target if k not in source)
        differing = sum(1 for k in source if k in target and target[k] != source[k])
        print(f"  {label}: {len(source)} source rows, {len(target)} target rows, lost {lost}, extra {extra}, "
              f"duplicated {s_dup}/{t_dup}, misplaced {s_mis}/{t_mis}, differing {differing}; writer "
              f"{writer.ops} writes, {writer.interrupted} cut off by kills", flush=True)
        check_eq((lost, extra, s_dup, t_dup, s_mis, t_mis, differing), (0,) * 7,
                 f"{label}: lost, extra, duplicated (source, target), misplaced (source, target), differing")
        check(not writer.errors, f"writer errors: {writer.errors[:3]}")
    finally:
        writer.resume()


def test_setup():
    setup_tables()
    proxy.start()
    writer.thread.start()
    wait_for("the writer runs", lambda: writer.ops > 20, timeout=30)


def test_create_refusals_and_double_write():
    good = {"name": JOB, "source": {"schema": LOGICAL, "table": SOURCE}, "target": {"schema": LOGICAL, "table": TARGET}}
    for body, text in (({**good, "source": {"schema": LOGICAL, "table": "nope"}}, "not a sharded logical table"),
                       ({**good, "source": {"schema": LOGICAL, "table": TARGET}}, "the same table")):
        got, answer = api("POST", "", body)
        check_eq(got, 400, f"POST {body}: {answer}")
        check(text in answer["error"], f"error names {text!r}: {answer}")
    # About four seconds of copy at CI size (the test kills the proxy mid-copy).
    got, answer = api("POST", "", {**good, "throttle": {"rows_per_second": max(1000, ROWS // 4), "batch_rows": 200}})
    check_eq(got, 201, f"create: {answer}")
    check_eq(len(answer["source"]["nodes"]), 4, f"the source's nodes: {answer['source']}")
    check_eq(answer["source"]["sharding_columns"], ["user_id"], "the source's sharding columns")
    got, answer = api("POST", f"/{JOB}/double_write")
    check_eq(got, 202, f"double_write: {answer}")
    wait_for("double-write on", lambda: job()["phase"] == "double_write", timeout=30)
    for server, table in source_tables():
        db, name = table.split(".")
        with backend(server) as b, b.cursor() as c:
            c.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s AND "
                      "EVENT_OBJECT_TABLE = %s", (db, name))
            check_eq(c.fetchone()[0], 3, f"triggers on {table}")

    def on_target(order_id, user):
        server, table = target_node(user)
        with backend(server) as b, b.cursor() as c:
            c.execute(f"SELECT user_id, note FROM {table} WHERE order_id = %s", (order_id,))
            return c.fetchone()

    writer.pause()  # the probes' OKs are counted alone
    before = job()["double_write"]
    with proxy.connect(db=LOGICAL) as conn, conn.cursor() as c:
        for i in range(10):
            user = 6000 + i
            c.execute(f"INSERT INTO {SOURCE} (user_id, amount, note) VALUES (%s, 1.00, 'probe')", (user,))
            c.execute(f"SELECT order_id FROM {SOURCE} WHERE user_id = %s", (user,))
            key = c.fetchone()[0]
            check_eq(on_target(key, user), (user, "probe"), f"insert {i} on the target at its OK")
            c.execute(f"UPDATE {SOURCE} SET user_id = %s WHERE order_id = %s", (user + 1, key))  # another source node
            check_eq(on_target(key, user + 1), (user + 1, "probe"), f"move {i} on its new target node at its OK")
            check_eq(on_target(key, user), None, f"move {i} gone from its old target node")
            c.execute(f"DELETE FROM {SOURCE} WHERE order_id = %s", (key,))
            check_eq(on_target(key, user + 1), None, f"delete {i} on the target at its OK")
    # (The job's view of the counters is refreshed by its coroutine every few ms.)
    wait_for("the OKs counted", lambda: job()["double_write"]["acks_waited"] - before["acks_waited"] >= 30, timeout=10)
    check_eq(job()["double_write"]["acks_late"], before["acks_late"], "no probe's OK went before the target held its write")
    writer.resume()


def test_backfill_node_by_node_survives_a_kill():
    got, answer = api("POST", f"/{JOB}/backfill")
    check_eq(got, 202, f"backfill: {answer}")
    wait_for("the copy past its first node", lambda: job()["backfill"]["node"] >= 1, timeout=120)
    at = job()["backfill"]
    check(not at["done"] and at["node"] < 3, f"killed mid-copy: {at}")
    writer.kill_and_restart_proxy()
    after = job()["backfill"]
    # The file is saved whenever the copy moves to the next node: the copy resumes on that
    # node or a later one, not from the first.
    check(after["node"] >= at["node"],
          f"resumed at its node: {at['node']}/{at['last_key']} -> {after['node']}/{after['last_key']}")
    wait_for("backfill done", lambda: job()["backfill"]["done"], timeout=600)
    check_eq(job()["backfill"]["node"], 3, "the copy ended on the last node")


def test_verify_and_repair():
    server, table = target_tables()[5]
    with backend(server) as b, b.cursor() as c:
        c.execute(f"DELETE FROM {table} ORDER BY order_id LIMIT 1")
        b.commit()
    got, answer = api("POST", f"/{JOB}/verify", {"chunk_rows": 400})
    check_eq(got, 202, f"verify: {answer}")
    wait_for("verify done", lambda: job()["verify"]["done"], timeout=300)
    check(len(job()["verify"]["differences"]) >= 1, f"the deleted row found: {job()['verify']}")
    got, answer = api("POST", f"/{JOB}/repair")
    check_eq(got, 202, f"repair: {answer}")
    wait_for("repaired", lambda: not job()["verify"]["differences"], timeout=60)
    compare("before the switch")


def test_switch_and_the_way_back():
    for step, status in (("switch_reads", 200), ("switch_writes", 202)):
        got, answer = api("POST", f"/{JOB}/{step}")
        check_eq(got, status, f"{step}: {answer}")
        wait_for(step, lambda: job()["phase"] == step, timeout=60)
    server, table = source_tables()[1]
    with backend(server) as b, b.cursor() as c:
        try:
            c.execute(f"UPDATE {table} SET note = 'beside the proxy' LIMIT 1")
            raise AssertionError("a source node took a write after the switch")
        except pymysql.err.OperationalError as e:
            check("migrated" in str(e), f"the source node's refusal: {e}")
    n = writer.ops
    wait_for("the writer writes on the target", lambda: writer.ops > n + 150, timeout=60)
    compare("after cutover (writes on the target, placed back by the source's rule)")
    check(job()["reverse"]["synced"] > 0, "target changes applied to the source")
    got, answer = api("POST", f"/{JOB}/rollback")
    check_eq(got, 202, f"rollback: {answer}")
    wait_for("rolled back", lambda: job()["phase"] == "verify", timeout=60)
    n = writer.ops
    wait_for("the writer writes on the source", lambda: writer.ops > n + 150, timeout=60)
    compare("after rollback")


def test_cutover_and_cleanup():
    got, answer = api("POST", f"/{JOB}/verify")
    check_eq(got, 202, f"verify: {answer}")
    wait_for("verify done", lambda: job()["verify"]["done"], timeout=300)
    check_eq(job()["verify"]["differences"], [], "differences")
    for step in ("switch_reads", "switch_writes"):
        t0 = time.monotonic()
        got, answer = api("POST", f"/{JOB}/{step}")
        check(got in (200, 202), f"{step}: {answer}")
        wait_for(step, lambda: job()["phase"] == step, timeout=60)
        print(f"  {step} took {time.monotonic() - t0:.1f} s", flush=True)
    # The writer stops first: after cleanup the source no longer follows the target.
    writer.stop()
    for clash in (SOURCE, TARGET):  # orders_v1_0 is a source table, orders_v2_0 a target one
        got, answer = api("POST", f"/{JOB}/cleanup", {"rename_source_to": clash})
        check_eq(got, 400, f"a rename onto a source or target table: {answer}")
    got, answer = api("POST", f"/{JOB}/cleanup", {"rename_source_to": f"{SOURCE}_old"})
    check_eq(got, 202, f"cleanup: {answer}")
    wait_for("cleaned up", lambda: job()["phase"] == "cleaned_up", timeout=60)
    compare("after cleanup (every source table renamed, kept as it was)", sources=renamed_tables(f"{SOURCE}_old"))
    for server, dbs in (("p0", (0, 1)), ("p1", (2, 3))):
        with backend(server) as b, b.cursor() as c:
            for d in dbs:
                c.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s", (f"{LOGICAL}_{d}",))
                check_eq(c.fetchone()[0], 0, f"no trigger left in {LOGICAL}_{d}")
    with proxy.connect(db=LOGICAL, autocommit=True) as conn, conn.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {SOURCE}")  # the old name, served by the target
        check(c.fetchone()[0] > 0, "the old name reads the target")
    check(not writer.errors, f"writer errors: {writer.errors[:3]}")


if __name__ == "__main__":
    main_cases([test_setup, test_create_refusals_and_double_write, test_backfill_node_by_node_survives_a_kill,
                test_verify_and_repair, test_switch_and_the_way_back, test_cutover_and_cleanup],
               lambda: [proxy])
