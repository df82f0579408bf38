"""What the migration and resharding tests share (docs/migrations.md): a job's admin API,
and a writer that writes through the proxy at a steady rate while the job runs, pausing
for comparisons, riding out the kills of the proxy, with its latency by phase."""
import random
import threading
import time

import pymysql

from harness import HOST, check_eq, wait_for
from xa_common import admin


class JobApi:
    """/v1/migrations of one proxy, and one job's view."""

    def __init__(self, admin_port, name):
        self.admin_port, self.name = admin_port, name

    def __call__(self, method, path="", body=None):
        return admin(self.admin_port, method, f"/v1/migrations{path}", body)

    def job(self):
        status, j = self("GET", f"/{self.name}")
        check_eq(status, 200, f"GET job: {j}")
        return j


class SteadyWriter:
    """Calls write(cursor, rnd) through `proxy` on database `db`, per_second times a second.

    An OperationalError while `killing` (the test kills the proxy) counts as cut off; any
    other error is kept in `errors`. pause() waits until no write is in flight."""

    def __init__(self, proxy, db, write, per_second, seed):
        self.proxy, self.db, self.write = proxy, db, write
        self.interval, self.seed = 1.0 / per_second, seed
        self.phase = "before"
        self.latency = {}
        self.errors = []
        self.ops = 0
        self.interrupted = 0  # writes cut off by a kill of the proxy (their outcome is the server's)
        self.killing = False
        self.stop_event = threading.Event()
        self.running = threading.Event()  # cleared: the writer pauses
        self.running.set()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        rnd = random.Random(self.seed)
        conn = None
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            if not self.running.is_set():
                self.idle.set()
                self.running.wait(0.05)
                next_at = time.monotonic()
                continue
            self.idle.clear()
            next_at += self.interval
            try:
                if conn is None:
                    conn = pymysql.connect(host=HOST, port=self.proxy.port, user="app", password="app", db=self.db,
                                           autocommit=True, connect_timeout=5, read_timeout=30, write_timeout=30)
                t0 = time.monotonic()
                with conn.cursor() as c:
                    self.write(c, rnd)
                took = time.monotonic() - t0
                self.latency.setdefault(self.phase, []).append(took)
                if took > 1.0:
                    print(f"  slow write ({took:.2f} s) in {self.phase} at {time.strftime('%H:%M:%S')}", flush=True)
                self.ops += 1
            except pymysql.err.OperationalError as e:
                conn = None  # reconnect once the proxy is back
                if self.killing:
                    self.interrupted += 1
                    time.sleep(0.05)
                    continue
                self.errors.append(repr(e))
            except Exception as e:  # noqa: BLE001
                self.errors.append(repr(e))
                conn = None
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()

    def pause(self):
        if not self.thread.is_alive():
            return
        self.running.clear()
        self.idle.clear()
        wait_for("the writer paused", self.idle.is_set, timeout=30)

    def resume(self):
        self.running.set()

    def stop(self):
        self.stop_event.set()
        self.thread.join(30)

    def report(self):
        for phase, values in self.latency.items():
            v = sorted(values)
            if v:
                print(f"  writer latency in {phase}: {len(v)} writes, p50 {v[len(v) // 2] * 1000:.2f} ms, "
                      f"p99 {v[int(len(v) * 0.99)] * 1000:.2f} ms, max {v[-1] * 1000:.2f} ms", flush=True)

    def kill_and_restart_proxy(self):
        """SIGKILLs the proxy and starts it again; returns once this writer writes again."""
        self.killing = True
        try:
            self.proxy.proc.kill()
            self.proxy.proc.wait(10)
            self.proxy.start()
            n = self.ops
            wait_for("the writer writes again", lambda: self.ops > n + 5, timeout=30)
        finally:
            self.killing = False
