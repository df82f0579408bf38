#!/usr/bin/python3
"""Online migration of an unsharded table into the 8 x 8 layout (docs/migrations.md,
proxy/migration/), against the real cluster, with a writer running the whole time.

The source is legacy_mig.legacy_orders on ds0 (p0), SW_MIGRATION_ROWS rows (CI: 20,000;
the closing note's run: 200,000). The target is sw_mig.orders, sharded on user_id over
sw_mig_${0..7}.orders_${0..7} (ds0 and ds1). A writer inserts, updates (amounts, notes,
and user_id: rows that move between target nodes) and deletes through the proxy at a
steady rate in every phase, and reports its latency per phase.

  - API refusals: bad names and bodies 400, unknown jobs 404, out-of-order phases 409;
  - double-write, then backfill with the proxy SIGKILLed mid-copy and restarted: the job
    resumes from its file; verify with the proxy SIGKILLed mid-verification: it resumes;
  - a difference made behind the proxy's back (a target row deleted, one changed, one
    added) is found by verify, listed by range and repaired;
  - with the writer stopped and the change log drained: a full comparison of every row
    on both sides finds 0 lost, 0 duplicated, 0 differing;
  - /metrics exports the job's progress.

Uses its own databases; kills only its own proxy.
"""
import os
import random
import sys

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, free_port, main_cases, wait_for  # noqa: E402
from migration_common import JobApi, SteadyWriter  # noqa: E402
from xa_common import metrics  # noqa: E402

ROWS = int(os.environ.get("SW_MIGRATION_ROWS", "20000"))
SOURCE_DB, SOURCE_TABLE = "legacy_mig", "legacy_orders"
LOGICAL, TARGET = "sw_mig", "orders"
JOB = "legacy_to_sharded"
RATE = int(os.environ.get("SW_MIGRATION_RATE", "5000"))  # backfill rows per second: the writer meets it
WRITES_PER_SECOND = 100

admin_port = free_port()
proxy = Proxy("migration", config={
    "schemas": {LOGICAL: {
        "default_data_source": "ds0",
        "databases": {f"{LOGICAL}_${{0..3}}": "ds0", f"{LOGICAL}_${{4..7}}": "ds1"},
        # New rows get their key from the proxy once writes switched (the source's
        # AUTO_INCREMENT cannot serve 64 tables); rows may move in xa mode.
        "transaction_mode": "xa",
        "tables": {TARGET: {"data_nodes": f"{LOGICAL}_${{0..7}}.{TARGET}_${{0..7}}",
                            "sharding": {"column": "user_id", "algorithm": "mod", "modulus": 64},
                            "key_generator": {"column": "order_id", "type": "snowflake"}}},
    }},
    "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"},
})

COLUMNS = "order_id, user_id, amount, note, status, created_at, payload"
DDL = ("(order_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NULL, "
       "note VARCHAR(64) CHARACTER SET utf8mb4 NULL, status TINYINT NOT NULL DEFAULT 0, created_at DATETIME(6) NULL, "
       "payload VARBINARY(32) NULL, KEY (user_id)) ENGINE=InnoDB")


api = JobApi(admin_port, JOB)
job = api.job


def target_node(user):
    slot = user % 64
    return ("p0" if slot < 32 else "p1"), f"{LOGICAL}_{slot // 8}.{TARGET}_{slot % 8}"


def setup_tables():
    with backend("p0") as b, b.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {SOURCE_DB}")
        c.execute(f"CREATE DATABASE {SOURCE_DB}")
        c.execute(f"CREATE TABLE {SOURCE_DB}.{SOURCE_TABLE} {DDL}")
        rnd = random.Random(18)
        batch = []
        for i in range(1, ROWS + 1):
            batch.append((i, rnd.randrange(1, 5000), f"{rnd.randrange(1, 10**6) / 100:.2f}",
                          rnd.choice(["", None, "déjà vu", "it's", "back\\slash", "emoji \U0001F600"]) or f"n{i}",
                          rnd.randrange(0, 4), f"2025-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d} 10:00:00.{i % 1000000:06d}",
                          bytes([i % 256, 0, 39, 92]) if i % 3 else None))
            if len(batch) == 2000:
                c.executemany(f"INSERT INTO {SOURCE_DB}.{SOURCE_TABLE} ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s)", batch)
                batch = []
        if batch:
            c.executemany(f"INSERT INTO {SOURCE_DB}.{SOURCE_TABLE} ({COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s)", batch)
        b.commit()
    for node, lo, hi in (("p0", 0, 4), ("p1", 4, 8)):
        with backend(node) as b, b.cursor() as c:
            for d in range(lo, hi):
                c.execute(f"DROP DATABASE IF EXISTS {LOGICAL}_{d}")
                c.execute(f"CREATE DATABASE {LOGICAL}_{d}")
                for t in range(8):
                    c.execute(f"CREATE TABLE {LOGICAL}_{d}.{TARGET}_{t} {DDL}")


# --- the writer ---------------------------------------------------------------------------
def write(c, rnd):
    """Inserts, updates (moving rows between target nodes too) and deletes."""
    k = rnd.randrange(1, ROWS + 1)
    op = rnd.random()
    if op < 0.35:
        c.execute(f"INSERT INTO {SOURCE_TABLE} (user_id, amount, note, status, created_at, payload) "
                  "VALUES (%s, %s, %s, 1, NOW(6), %s)",
                  (rnd.randrange(1, 5000), "12.34", f"new {k}", b"\x00'\\"))
    elif op < 0.55:
        c.execute(f"UPDATE {SOURCE_TABLE} SET amount = amount + 1, note = CONCAT('upd ', order_id) "
                  "WHERE order_id = %s", (k,))
    elif op < 0.70:  # moves the row to another target node (by XA once writes switched)
        c.execute(f"UPDATE {SOURCE_TABLE} SET user_id = %s WHERE order_id = %s", (rnd.randrange(1, 5000), k))
    elif op < 0.80:  # several rows at once
        c.execute(f"UPDATE {SOURCE_TABLE} SET status = status + 1 WHERE order_id BETWEEN %s AND %s", (k, k + 5))
    else:
        c.execute(f"DELETE FROM {SOURCE_TABLE} WHERE order_id = %s", (k,))


writer = SteadyWriter(proxy, SOURCE_DB, write, WRITES_PER_SECOND, seed=7)


def kill_and_restart():
    writer.kill_and_restart_proxy()


# --- cases --------------------------------------------------------------------------------
def test_setup():
    setup_tables()
    proxy.start()
    writer.thread.start()
    wait_for("the writer runs", lambda: writer.ops > 20, timeout=30)


def test_refusals():
    good = {"name": JOB, "source": {"data_source": "ds0", "database": SOURCE_DB, "table": SOURCE_TABLE},
            "target": {"schema": LOGICAL, "table": TARGET}}
    for body, status, text in (
            ({**good, "name": "Bad-Name"}, 400, "name"),
            ({**good, "target": {"schema": LOGICAL, "table": "nope"}}, 400, "not a sharded logical table"),
            ({**good, "source": {"data_source": "ds9", "database": SOURCE_DB, "table": SOURCE_TABLE}}, 400, "ds9"),
            ({**good, "source": {"data_source": "ds0", "database": SOURCE_DB, "table": "missing"}}, 400, "not found"),
            ({**good, "extra": 1}, 400, "unknown key"),
    ):
        got, answer = api("POST", "", body)
        check_eq(got, status, f"POST {body}: {answer}")
        check(text in answer["error"], f"error names {text!r}: {answer}")
    got, answer = api("GET", "/nope")
    check_eq(got, 404, f"unknown job: {answer}")
    got, answer = api("POST", "", {**good, "throttle": {"rows_per_second": RATE, "batch_rows": 500}})
    check_eq(got, 201, f"create: {answer}")
    check_eq(answer["phase"], "created", "phase")
    check_eq(answer["key"], "order_id", "the source's key found")
    got, answer = api("POST", "", good)
    check_eq(got, 409, f"duplicate: {answer}")
    got, answer = api("POST", f"/{JOB}/backfill")
    check_eq(got, 409, f"backfill before double_write: {answer}")
    got, answer = api("POST", f"/{JOB}/verify")
    check_eq(got, 409, f"verify before backfill: {answer}")
    got, answer = api("POST", f"/{JOB}/fly")
    check_eq(got, 404, f"unknown action: {answer}")
    got, answer = api("POST", f"/{JOB}/throttle", {"batch_rows": 0})
    check_eq(got, 400, f"bad throttle: {answer}")


def test_double_write_applies_every_write():
    writer.phase = "double_write"
    got, answer = api("POST", f"/{JOB}/double_write")
    check_eq(got, 202, f"double_write: {answer}")
    wait_for("double-write on", lambda: job()["phase"] == "double_write", timeout=30)
    with backend("p0") as b, b.cursor() as c:
        c.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s", (SOURCE_DB,))
        check_eq(c.fetchone()[0], 3, "triggers on the source")
    # Each write's OK comes once the target holds it (docs/migrations.md, "In the
    # statement's lifetime"): looked at right after the OK, with no wait.
    def on_target(order_id, user):
        node, table = target_node(user)
        with backend(node) as b, b.cursor() as c:
            c.execute(f"SELECT user_id, amount, note FROM {table} WHERE order_id = %s", (order_id,))
            return c.fetchone()

    writer.pause()  # the probes' OKs are counted alone
    before = job()["double_write"]
    with proxy.connect(db=SOURCE_DB) as conn, conn.cursor() as c:
        for i in range(20):
            user = 4200 + i
            c.execute(f"INSERT INTO {SOURCE_TABLE} (user_id, amount, note) VALUES (%s, 1.00, 'dw probe')", (user,))
            c.execute("SELECT LAST_INSERT_ID()")
            probe = c.fetchone()[0]
            check_eq(on_target(probe, user), (user, 1, "dw probe"), f"insert {i} on its target node at its OK")
            c.execute(f"UPDATE {SOURCE_TABLE} SET amount = 2.50 WHERE order_id = %s", (probe,))
            check_eq(on_target(probe, user)[1], 2.5, f"update {i} on the target at its OK")
            c.execute(f"UPDATE {SOURCE_TABLE} SET user_id = %s WHERE order_id = %s", (user + 1, probe))
            check_eq(on_target(probe, user + 1), (user + 1, 2.5, "dw probe"), f"moved row {i} on its new node")
            check_eq(on_target(probe, user), None, f"moved row {i} gone from its old node")
            c.execute("BEGIN")
            c.execute(f"UPDATE {SOURCE_TABLE} SET note = 'in a transaction' WHERE order_id = %s", (probe,))
            c.execute("COMMIT")
            check_eq(on_target(probe, user + 1)[2], "in a transaction", f"transaction {i} on the target at COMMIT's OK")
            c.execute(f"DELETE FROM {SOURCE_TABLE} WHERE order_id = %s", (probe,))
            check_eq(on_target(probe, user + 1), None, f"delete {i} on the target at its OK")
    # (The job's view of the counters is refreshed by its coroutine every few ms.)
    wait_for("the OKs counted", lambda: job()["double_write"]["acks_waited"] - before["acks_waited"] >= 100,
             timeout=10)
    dw = job()["double_write"]
    writer.resume()
    check_eq(dw["acks_late"], before["acks_late"], f"no probe's OK went before the target held its write: {dw}")
    wait_for("changes applied", lambda: job()["double_write"]["synced"] > 10, timeout=30)


def test_backfill_survives_a_proxy_kill():
    writer.phase = "backfill"
    got, answer = api("POST", f"/{JOB}/backfill")
    check_eq(got, 202, f"backfill: {answer}")
    wait_for("some rows copied", lambda: job()["backfill"]["rows_copied"] >= min(ROWS // 4, 5000), timeout=120)
    before = job()["backfill"]
    kill_and_restart()
    after = job()
    check(after["backfill"]["running"], f"the backfill resumes after the restart: {after['backfill']}")
    check(after["backfill"]["rows_copied"] <= before["rows_copied"] + 5000, "progress came from the file")
    wait_for("backfill done", lambda: job()["backfill"]["done"], timeout=600)
    b = job()["backfill"]
    print(f"  backfill: {b['rows_copied']} rows copied (estimate {b['rows_total']}), rate {b['rate']:.0f} rows/s",
          flush=True)


def test_verify_survives_a_proxy_kill():
    writer.phase = "verify"
    got, answer = api("POST", f"/{JOB}/verify", {"chunk_rows": 500})
    check_eq(got, 202, f"verify: {answer}")
    wait_for("some chunks checked", lambda: job()["verify"]["chunks_checked"] >= 3, timeout=120)
    kill_and_restart()
    check(job()["verify"]["running"], "the verification resumes after the restart")
    wait_for("verify done", lambda: job()["verify"]["done"], timeout=600)
    v = job()["verify"]
    check_eq(v["differences"], [], "differences with a writer running")
    check(v["rows_checked"] >= ROWS * 0.9, f"every chunk checked: {v['rows_checked']} rows")


def test_verify_finds_and_repairs_differences():
    writer.phase = "repair"
    # Behind the proxy's back: one target row deleted, one changed, one that the source lacks.
    with backend("p0") as b, b.cursor() as c:
        c.execute(f"SELECT order_id, user_id FROM {SOURCE_DB}.{SOURCE_TABLE} WHERE order_id > %s ORDER BY order_id LIMIT 2",
                  (ROWS // 2,))
        (k1, u1), (k2, u2) = c.fetchall()
    for key, user, sql in ((k1, u1, "DELETE FROM {t} WHERE order_id = %s"),
                           (k2, u2, "UPDATE {t} SET note = 'tampered' WHERE order_id = %s")):
        node, table = target_node(user)
        with backend(node) as b, b.cursor() as c:
            c.execute(sql.format(t=table), (key,))
            b.commit()
    ghost = 10 ** 12
    node, table = target_node(7)
    with backend(node) as b, b.cursor() as c:
        c.execute(f"INSERT INTO {table} (order_id, user_id, note) VALUES (%s, 7, 'ghost')", (ghost,))
        b.commit()
    got, answer = api("POST", f"/{JOB}/verify", {"chunk_rows": 1000})
    check_eq(got, 202, f"verify again: {answer}")
    wait_for("verify done", lambda: job()["verify"]["done"], timeout=600)
    diffs = job()["verify"]["differences"]
    check(len(diffs) >= 2, f"the changed ranges are listed: {diffs}")
    check(any(d["to"] == "" for d in diffs), f"the ghost row's open-ended last range: {diffs}")
    got, answer = api("POST", f"/{JOB}/repair")
    check_eq(got, 202, f"repair: {answer}")
    wait_for("repaired", lambda: not job()["verify"]["differences"], timeout=120)
    check(job()["verify"]["repaired"] >= 2, "ranges counted as repaired")


def log_entries():
    """What the job's change logs hold, on the source and on the target databases."""
    out = []
    with backend("p0") as b, b.cursor() as c:
        c.execute(f"SELECT '{SOURCE_DB}', id, old_key, new_key FROM {SOURCE_DB}._sw_changes")
        out += c.fetchall()
    for node, lo, hi in (("p0", 0, 4), ("p1", 4, 8)):
        with backend(node) as b, b.cursor() as c:
            for d in range(lo, hi):
                c.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                          "TABLE_NAME = '_sw_changes'", (f"{LOGICAL}_{d}",))
                if c.fetchone()[0]:
                    c.execute(f"SELECT '{LOGICAL}_{d}', id, old_key, new_key FROM {LOGICAL}_{d}._sw_changes")
                    out += c.fetchall()
    return out


def logs_empty():
    return not log_entries()


def compare(label, source_table=SOURCE_TABLE):
    """With the writer paused and every change log drained: every row on both sides."""
    writer.pause()
    try:
        try:
            wait_for("the change logs drained", logs_empty, timeout=60)
        except AssertionError:
            raise AssertionError(f"change logs not drained: {log_entries()[:10]}; job: {job()}")
        source = {}
        with backend("p0") as b, b.cursor() as c:
            c.execute(f"SELECT {COLUMNS} FROM {SOURCE_DB}.{source_table}")
            for r in c.fetchall():
                source[r[0]] = r
        target, duplicated, misplaced = {}, 0, 0
        for node, lo, hi in (("p0", 0, 4), ("p1", 4, 8)):
            with backend(node) as b, b.cursor() as c:
                for d in range(lo, hi):
                    for t in range(8):
                        c.execute(f"SELECT {COLUMNS} FROM {LOGICAL}_{d}.{TARGET}_{t}")
                        for r in c.fetchall():
                            duplicated += r[0] in target
                            misplaced += target_node(r[1])[1] != f"{LOGICAL}_{d}.{TARGET}_{t}"
                            target[r[0]] = r
        lost = sum(1 for k in source if k not in target)
        extra = sum(1 for k in target if k not in source)
        differing = sum(1 for k in source if k in target and target[k] != source[k])
        print(f"  {label}: {len(source)} source rows, {len(target)} target rows, lost {lost}, extra {extra}, "
              f"duplicated {duplicated}, misplaced {misplaced}, differing {differing}; writer: {writer.ops} writes, "
              f"{writer.interrupted} cut off by the kills, errors {len(writer.errors)}", flush=True)
        check_eq((lost, extra, duplicated, misplaced, differing), (0, 0, 0, 0, 0),
                 f"{label}: lost, extra, duplicated, misplaced, differing")
        check(not writer.errors, f"writer errors: {writer.errors[:3]}")
    finally:
        writer.resume()


def explain_targets(sql):
    with proxy.connect(db=SOURCE_DB) as conn, conn.cursor() as c:
        c.execute("SHARDWIRE EXPLAIN " + sql)
        return " ".join(str(r) for r in c.fetchall())


def test_comparison_before_the_switch():
    compare("before the switch")


def test_switch_reads():
    writer.phase = "switch_reads"
    got, answer = api("POST", f"/{JOB}/switch_reads")
    check_eq(got, 200, f"switch_reads: {answer}")
    check_eq(answer["phase"], "switch_reads", "phase")
    got, answer = api("POST", f"/{JOB}/backfill", {"restart": True})
    check_eq(got, 409, f"no backfill after a switch: {answer}")
    check(f"{LOGICAL}_" in explain_targets(f"SELECT * FROM {SOURCE_TABLE} WHERE user_id = 77"),
          "a read of the old name goes to the target")
    check(SOURCE_TABLE in explain_targets(f"UPDATE {SOURCE_TABLE} SET note = 'x' WHERE order_id = 1") or
          f"{LOGICAL}_" not in explain_targets(f"UPDATE {SOURCE_TABLE} SET note = 'x' WHERE order_id = 1"),
          "a write still goes to the source")
    # Read-your-writes: a session reads what it just wrote, though the target gets it later.
    rnd = random.Random(3)
    with proxy.connect(db=SOURCE_DB, autocommit=True) as conn, conn.cursor() as c:
        for i in range(30):
            k = rnd.randrange(1, ROWS + 1)
            c.execute(f"UPDATE {SOURCE_TABLE} SET note = %s WHERE order_id = %s", (f"ryw {i}", k))
            if c.rowcount == 0:
                continue
            c.execute(f"SELECT note FROM {SOURCE_TABLE} WHERE order_id = %s", (k,))
            check_eq(c.fetchone()[0], f"ryw {i}", "a session reads its own write")
    n = writer.ops
    wait_for("the writer writes on", lambda: writer.ops > n + 100, timeout=60)


def test_switch_writes():
    writer.phase = "switch_writes"
    got, answer = api("POST", f"/{JOB}/switch_writes")
    check_eq(got, 202, f"switch_writes: {answer}")
    wait_for("writes switched", lambda: job()["phase"] == "switch_writes", timeout=60)
    check(f"{LOGICAL}_" in explain_targets(f"UPDATE {SOURCE_TABLE} SET note = 'x' WHERE user_id = 77"),
          "a write of the old name goes to the target")
    with proxy.connect(db=SOURCE_DB, autocommit=True) as conn, conn.cursor() as c:
        c.execute(f"INSERT INTO {SOURCE_TABLE} (user_id, amount, note) VALUES (4343, 2.00, 'after the switch')")
        c.execute(f"SELECT order_id FROM {SOURCE_TABLE} WHERE user_id = 4343 AND note = 'after the switch'")
        key = c.fetchone()[0]

    def on_source():
        with backend("p0") as b, b.cursor() as c:
            c.execute(f"SELECT note FROM {SOURCE_DB}.{SOURCE_TABLE} WHERE order_id = %s", (key,))
            return c.fetchone()
    wait_for("a row written on the target reaches the source (the way back)", on_source, timeout=10)
    # The source refuses writes that missed the switch (a client beside the proxy here).
    with backend("p0") as b, b.cursor() as c:
        try:
            c.execute(f"UPDATE {SOURCE_DB}.{SOURCE_TABLE} SET note = 'beside the proxy' WHERE order_id = %s", (key,))
            raise AssertionError("a write to the source after the switch was taken")
        except pymysql.err.OperationalError as e:
            check("migrated" in str(e), f"the source's refusal: {e}")
    # A restart in switch_writes: the routes are back before the first client.
    kill_and_restart()
    check_eq(job()["phase"], "switch_writes", "phase after the restart")
    check(f"{LOGICAL}_" in explain_targets(f"UPDATE {SOURCE_TABLE} SET note = 'x' WHERE user_id = 77"),
          "writes still on the target after a restart")
    n = writer.ops
    wait_for("the writer writes on the target", lambda: writer.ops > n + 200, timeout=60)
    compare("after cutover (writes on the target)")
    check(job()["reverse"]["synced"] > 0, "target changes applied to the source")


def test_rollback_from_switch_writes():
    writer.phase = "after_rollback"
    got, answer = api("POST", f"/{JOB}/rollback")
    check_eq(got, 202, f"rollback: {answer}")
    wait_for("rolled back", lambda: job()["phase"] == "verify", timeout=60)
    check(f"{LOGICAL}_" not in explain_targets(f"SELECT * FROM {SOURCE_TABLE} WHERE user_id = 77"),
          "reads of the old name on the source again")
    n = writer.ops
    wait_for("the writer writes on the source", lambda: writer.ops > n + 200, timeout=60)
    compare("after rollback")


def test_cutover_and_cleanup():
    writer.phase = "cleanup"
    got, answer = api("POST", f"/{JOB}/switch_reads")
    check_eq(got, 409, f"switch_reads needs a fresh verification after a rollback: {answer}")
    got, answer = api("POST", f"/{JOB}/verify", {"sample_percent": 20})
    check_eq(got, 202, f"verify: {answer}")
    wait_for("verify done", lambda: job()["verify"]["done"], timeout=600)
    check_eq(job()["verify"]["differences"], [], "differences")
    for step in ("switch_reads", "switch_writes"):
        got, answer = api("POST", f"/{JOB}/{step}")
        check(got in (200, 202), f"{step}: {answer}")
        wait_for(step, lambda s=step: job()["phase"] == s, timeout=60)
    n = writer.ops
    wait_for("the writer writes on the target", lambda: writer.ops > n + 100, timeout=60)
    # The writer stops first: after cleanup the source no longer follows the target.
    writer.stop_event.set()
    writer.thread.join(30)
    writer.report()
    dw = job()["double_write"]
    print(f"  write OKs that waited for the target: {dw['acks_waited']} (late {dw['acks_late']}), "
          f"{dw['ack_wait_us'] / max(1, dw['acks_waited']) / 1000:.2f} ms on average", flush=True)
    got, answer = api("POST", f"/{JOB}/cleanup", {"rename_source_to": "bad name"})
    check_eq(got, 400, f"bad rename: {answer}")
    got, answer = api("POST", f"/{JOB}/cleanup", {"rename_source_to": f"{SOURCE_TABLE}_old"})
    check_eq(got, 202, f"cleanup: {answer}")
    wait_for("cleaned up", lambda: job()["phase"] == "cleaned_up", timeout=60)
    for node in ("p0", "p1"):
        with backend(node) as b, b.cursor() as c:
            c.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_NAME LIKE '\\_sw\\_%'")
            check_eq(c.fetchone()[0], 0, f"no migration trigger left on {node}")
    compare("after cleanup (the source renamed, kept as it was at cleanup)", source_table=f"{SOURCE_TABLE}_old")
    with proxy.connect(db=SOURCE_DB, autocommit=True) as conn, conn.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {SOURCE_TABLE}")  # the old name still served, by the target
        check(c.fetchone()[0] > 0, "the old name reads the target")


def test_metrics():
    m = metrics(admin_port, prefix="shardwire_migration_")
    check_eq(m.get(f'rows_copied{{job="{JOB}"}}'), job()["backfill"]["rows_copied"], "rows_copied exported")
    check_eq(m.get(f'verify_differences{{job="{JOB}"}}'), 0, "verify_differences exported")
    check(m.get(f'changes_applied_total{{job="{JOB}"}}', 0) > 0, f"changes_applied_total exported: {m}")
    check(m.get(f'acks_waited_total{{job="{JOB}"}}', 0) >= 100, f"acks_waited_total exported: {m}")
    check_eq(m.get(f'phase{{job="{JOB}",phase="verify"}}'), 1, "phase exported")


if __name__ == "__main__":
    main_cases([test_setup, test_refusals, test_double_write_applies_every_write,
                test_backfill_survives_a_proxy_kill, test_verify_survives_a_proxy_kill,
                test_verify_finds_and_repairs_differences, test_comparison_before_the_switch, test_metrics,
                test_switch_reads, test_switch_writes, test_rollback_from_switch_writes, test_cutover_and_cleanup],
               lambda: [proxy])
