#!/usr/bin/python3
"""Backpressure: a large result set streams through the proxy without being buffered.

A 500 MB result is read by the mariadb CLI in --quick mode (mysql_use_result) whose
stdout we stop draining: the CLI blocks, stops reading its socket, and the proxy must
stop reading from the backend instead of buffering. Proxy RSS is sampled while the
client is stalled; afterwards every row must arrive.
"""
import subprocess
import threading
import time

from harness import Proxy, check, check_eq, main_cases, rss_kb

ROWS = 500_000
ROW_BYTES = 1000
RSS_BUDGET_KB = 48 * 1024  # a buffering proxy would grow by ~500 MB here

proxy = None


def test_stalled_client_bounds_proxy_memory():
    pid = proxy.proc.pid
    base = rss_kb(pid)
    cli = subprocess.Popen(
        ["mariadb", "-h127.0.0.1", f"-P{proxy.port}", "-uapp", "-papp", "-Dsbtest", "--quick", "-N",
         "--max-allowed-packet=64M", "-e",
         f"SELECT seq, REPEAT('x', {ROW_BYTES}) FROM seq_1_to_{ROWS}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read a little, then stall for 3 s while the backend could send everything.
    first = cli.stdout.read(1 << 20)
    check(len(first) == 1 << 20, "result started streaming")
    peak = base
    for _ in range(30):
        time.sleep(0.1)
        peak = max(peak, rss_kb(pid))
    growth = peak - base
    print(f"proxy RSS {base} KB -> peak {peak} KB while the client was stalled (+{growth} KB)")
    check(growth < RSS_BUDGET_KB, f"proxy buffered the result: RSS grew {growth} KB while the client stalled")

    # Drain the rest: every row must arrive, in order, intact.
    lines = first.count(b"\n")
    total = len(first)
    tail = b""
    while True:
        chunk = cli.stdout.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        lines += chunk.count(b"\n")
        tail = (tail + chunk)[-4096:]
    err = cli.stderr.read().decode()
    check_eq(cli.wait(), 0, f"CLI exit code (stderr: {err})")
    check_eq(lines, ROWS, "rows received")
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    check(last.startswith(f"{ROWS}\t".encode()) and last.endswith(b"x" * 10), "last row intact")
    print(f"streamed {total / 1e6:.0f} MB; proxy RSS afterwards {rss_kb(pid)} KB")


def test_concurrent_streams_and_point_queries():
    """Two big streams in flight do not starve short statements of other sessions."""
    results = []

    def stream():
        out = subprocess.run(
            ["mariadb", "-h127.0.0.1", f"-P{proxy.port}", "-uapp", "-papp", "-Dsbtest", "--quick", "-N", "-e",
             "SELECT seq, REPEAT('y', 500) FROM seq_1_to_200000"],
            capture_output=True)
        results.append((out.returncode, out.stdout.count(b"\n")))

    threads = [threading.Thread(target=stream) for _ in range(2)]
    for t in threads:
        t.start()
    conn = proxy.connect()
    slowest = 0.0
    with conn.cursor() as c:
        for i in range(200):
            t0 = time.monotonic()
            c.execute("SELECT %s", (i,))
            check_eq(c.fetchone()[0], i, "point query answer")
            slowest = max(slowest, time.monotonic() - t0)
    conn.close()
    for t in threads:
        t.join(120)
    check_eq(sorted(results), [(0, 200000), (0, 200000)], "both streams complete")
    print(f"slowest point query during the streams: {slowest * 1000:.1f} ms")
    check(slowest < 2.0, "a short statement waited behind other sessions' streams")


def start():
    global proxy
    proxy = Proxy("streaming").start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_stalled_client_bounds_proxy_memory, test_concurrent_streams_and_point_queries], start)
