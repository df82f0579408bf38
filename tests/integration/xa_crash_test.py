#!/usr/bin/python3
"""XA transactions survive the proxy and the backends dying at every step of the commit
(docs/transactions.md, proxy/xa/fault_hook.hpp).

  - the proxy SIGKILLs itself (SHARDWIRE_XA_FAULT) after the first XA PREPARE, after
    all prepares, after the decision is logged, after the first XA COMMIT; restarted,
    its recovery leaves each transaction fully committed (decision logged) or fully
    absent, and no prepared branch behind;
  - a backend is killed (SIGKILL) and started again while the commit is held at each
    step: the transaction is rolled back everywhere before the decision and committed
    everywhere after it, the client told which;
  - randomized: transactions from two clients across both data sources, the proxy
    killed at random steps of random commits, restarted each time: every transaction
    is all or nothing, every acknowledged one is there, 0 prepared branches remain.
    SW_XA_CRASH_TXNS sets how many (CI: 120; the closing note's run: 600).

Writes: order_info rows on ds0 (p0) and order_item rows on ds1 (p1) of sw_xa, tagged
per transaction. Kills and restarts cluster instances: runs alone.
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import HOST, Proxy, backend, check, check_eq, env, free_port, run_cases, wait_for  # noqa: E402
from xa_common import (LOGICAL, USER_DS0, USER_DS1, admin, clear_branches, create_tables, physical,  # noqa: E402
                       prepared_branches, schemas)

STEPS = ["after_first_prepare", "after_prepares", "after_decision", "after_first_commit"]
DECIDED = {"after_decision", "after_first_commit"}  # the decision is on disk: the transaction commits

proxy = None
admin_port = free_port()


def start_proxy(fault=None):
    """Starts (or restarts after a crash) the one proxy, with the fault armed or not."""
    global proxy
    if fault:
        os.environ["SHARDWIRE_XA_FAULT"] = fault
    else:
        os.environ.pop("SHARDWIRE_XA_FAULT", None)
    try:
        if proxy is None:
            proxy = Proxy("xa-crash", config={
                "schemas": schemas(mode="xa"),
                "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"},
                "transactions": {"recovery_interval_ms": 300, "commit_retry_ms": 30000},
            })
        elif proxy.proc and proxy.proc.poll() is None:
            proxy.terminate()
            proxy.wait_exit(20)
        proxy.start()
    finally:
        os.environ.pop("SHARDWIRE_XA_FAULT", None)
    return proxy


def recovered():
    """After a start: the first recovery pass ran and no prepared branch is left."""
    def done():
        status, state = admin(admin_port, "GET", "/v1/transactions")
        return status == 200 and state["recovery_runs"] >= 1 and not state["in_doubt"] and \
            not prepared_branches("p0") and not prepared_branches("p1")
    wait_for("recovery resolved every prepared branch", done, timeout=30)


def run_txn(conn, tag):
    """One transaction on both data sources; 'ok', 'error' (a clean refusal) or 'unknown'
    (the connection was lost: the outcome is for recovery to settle)."""
    try:
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("INSERT INTO order_info (user_id, amount, note) VALUES (%s, 1, %s)", (USER_DS0, tag))
            cur.execute("INSERT INTO order_item (order_id, user_id, sku) VALUES (%s, %s, %s)", (USER_DS1, USER_DS1, tag))
            cur.execute("COMMIT")
        return "ok"
    except pymysql.OperationalError as e:
        if e.args[0] in (2006, 2013, 2003, 2055):
            return "unknown"
        return "error"
    except (pymysql.MySQLError, OSError):
        return "unknown"


def presence(tags):
    """tag -> (rows on ds0, rows on ds1), read on the primaries."""
    _, info = physical(USER_DS0, "order_info")
    _, item = physical(USER_DS1, "order_item")
    out = {t: [0, 0] for t in tags}
    with backend("p0") as b, b.cursor() as c:
        c.execute(f"SELECT note, COUNT(*) FROM {info} WHERE note LIKE 'x%%' GROUP BY note")
        for note, n in c.fetchall():
            if note in out:
                out[note][0] = n
    with backend("p1") as b, b.cursor() as c:
        c.execute(f"SELECT sku, COUNT(*) FROM {item} WHERE sku LIKE 'x%%' GROUP BY sku")
        for sku, n in c.fetchall():
            if sku in out:
                out[sku][1] = n
    return out


def check_outcomes(outcomes):
    """Every transaction all or nothing; acknowledged ones present; refused ones absent."""
    seen = presence(outcomes.keys())
    counts = {"committed": 0, "absent": 0}
    for tag, outcome in outcomes.items():
        on0, on1 = seen[tag]
        check(on0 == on1 and on0 in (0, 1), f"{tag} ({outcome}): {on0} row(s) on ds0, {on1} on ds1: a partial commit")
        if outcome == "ok":
            check_eq(on0, 1, f"{tag} was acknowledged: it must be there")
        if outcome == "error":
            check_eq(on0, 0, f"{tag} was refused: it must be absent")
        counts["committed" if on0 else "absent"] += 1
    check_eq(prepared_branches("p0") + prepared_branches("p1"), [], "prepared branches left")
    return counts


def test_setup():
    clear_branches()
    start_proxy()
    create_tables(proxy)


def test_proxy_killed_at_each_step():
    for step in STEPS:
        start_proxy(step)
        tag = f"x-kill-{step}"
        with proxy.connect(db=LOGICAL) as c:
            outcome = run_txn(c, tag)
        check_eq(outcome, "unknown", f"{step}: the proxy died during COMMIT")
        proxy.proc.wait(timeout=10)
        check_eq(proxy.proc.returncode, -signal.SIGKILL, f"{step}: killed by its fault hook")
        start_proxy()
        recovered()
        on0, on1 = presence([tag])[tag]
        want = 1 if step in DECIDED else 0
        check_eq((on0, on1), (want, want), f"{step}: rows on ds0, ds1 after recovery")
        print(f"  proxy killed {step}: {'committed' if want else 'rolled back'} by recovery", flush=True)


def kill_backend(node):
    pidf = os.path.join(env("SW_CLUSTER_DIR"), node, "mysqld.pid")
    pid = int(open(pidf).read().strip())
    os.kill(pid, signal.SIGKILL)
    wait_for(f"{node} gone", lambda: not os.path.exists(f"/proc/{pid}"), timeout=30)
    script = os.path.join(env("SHARDWIRE_SOURCE_DIR"), "scripts", "cluster.sh")
    subprocess.run([script, "up"], check=True, stdout=subprocess.DEVNULL, timeout=300)


def test_backend_restarted_at_each_step():
    for i, step in enumerate(STEPS):
        node = "p1" if i % 2 == 0 else "p0"
        hold = os.path.join(tempfile.mkdtemp(prefix="sw-xa-hold-"), "held")
        start_proxy(f"{step}:wait={hold}")
        tag = f"x-backend-{step}"
        result = {}
        conn = proxy.connect(db=LOGICAL)
        t = threading.Thread(target=lambda: result.setdefault("outcome", run_txn(conn, tag)))
        t.start()
        wait_for(f"commit held at {step}", lambda: os.path.exists(hold), timeout=30)
        t0 = time.monotonic()
        kill_backend(node)
        os.unlink(hold)
        t.join(timeout=120)
        conn.close()
        check(not t.is_alive(), f"{step}: COMMIT returned")
        recovered()
        on0, on1 = presence([tag])[tag]
        # Before the decision the lost branch makes the commit fail: rolled back
        # everywhere. After it, commits are retried until the backend is back.
        if step == "after_first_prepare":
            want, told = 0, "error"
        else:
            want, told = 1, "ok"
        check_eq(result["outcome"], told, f"{step} with {node} restarted: what the client was told")
        check_eq((on0, on1), (want, want), f"{step} with {node} restarted: rows on ds0, ds1")
        print(f"  {node} restarted {step} ({time.monotonic() - t0:.1f}s): client told {told}, "
              f"{'committed' if want else 'rolled back'} everywhere", flush=True)
        check(proxy.alive(), "the proxy survived")


def test_randomized_crashes():
    total = int(os.environ.get("SW_XA_CRASH_TXNS", "120"))
    rng = random.Random(int(os.environ.get("SW_XA_CRASH_SEED", "17")))
    outcomes, crashes, per_step = {}, 0, {s: 0 for s in STEPS}
    lock = threading.Lock()
    next_id = [0]
    t_start = time.monotonic()
    while next_id[0] < total:
        step = rng.choice(STEPS)
        nth = rng.randint(1, 8)
        start_proxy(f"{step}:{nth}")
        died = threading.Event()

        def client():
            conn = None
            while not died.is_set():
                with lock:
                    if next_id[0] >= total:
                        return
                    next_id[0] += 1
                    tag = f"x-r{next_id[0]}"
                try:
                    if conn is None:
                        conn = proxy.connect(db=LOGICAL)
                    outcome = run_txn(conn, tag)
                except pymysql.MySQLError:
                    outcome = "unknown"
                outcomes[tag] = outcome
                if outcome == "unknown":
                    died.set()
            if conn:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass

        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        if died.is_set():
            proxy.proc.wait(timeout=10)  # a lost connection means the fault hook killed it
            check_eq(proxy.proc.returncode, -signal.SIGKILL, "the proxy was killed by its fault hook")
            crashes += 1
            per_step[step] += 1
            start_proxy()
            recovered()
    start_proxy()
    recovered()
    counts = check_outcomes(outcomes)
    acked = sum(1 for o in outcomes.values() if o == "ok")
    unknown = sum(1 for o in outcomes.values() if o == "unknown")
    print(f"  {len(outcomes)} transactions in {time.monotonic() - t_start:.0f}s, {crashes} proxy crashes "
          f"({', '.join(f'{s} {n}' for s, n in per_step.items())}); acknowledged {acked}, "
          f"in flight at a crash {unknown}; after recovery {counts['committed']} fully committed, "
          f"{counts['absent']} fully absent, 0 partial, 0 prepared branches left", flush=True)


def main():
    ok = False
    try:
        ok = run_cases([test_setup, test_proxy_killed_at_each_step, test_backend_restarted_at_each_step,
                        test_randomized_crashes], [])
    finally:
        if proxy is not None:
            proxy.keep = proxy.keep or not ok
            if proxy.proc and proxy.proc.poll() is None:
                try:
                    proxy.stop()
                except AssertionError as e:
                    print(f"FAIL stopping the proxy: {e}", flush=True)
                    ok = False
            if not ok:
                proxy.print_log()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
