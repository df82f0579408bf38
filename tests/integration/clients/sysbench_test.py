#!/usr/bin/python3
"""sysbench oltp_read_write through the proxy with --db-ps-mode=auto (server-side prepared
statements through libmariadb, transactions, 4 concurrent sessions) on the unsharded
database sbtest (p0). The proxy also carries the demo's sharded schema, so this is
unsharded traffic through a sharding proxy. 1 table x 10000 rows, uniform keys (with 1000
rows and the default distribution InnoDB itself reports deadlocks now and then), 5 s:
sysbench must exit 0 with transactions, no ignored errors and no reconnects."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import HOST, Proxy, backend_value, check, check_eq, demo_schemas, main_cases  # noqa: E402

proxy = None
TABLE_SIZE = 10000


def sysbench(*args, timeout=120):
    cmd = ["sysbench", "oltp_read_write", "--db-driver=mysql", f"--mysql-host={HOST}", f"--mysql-port={proxy.port}",
           "--mysql-user=app", "--mysql-password=app", "--mysql-db=sbtest", "--tables=1", f"--table-size={TABLE_SIZE}",
           *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = r.stdout + r.stderr
    check(r.returncode == 0, f"sysbench {args[-1]} exited {r.returncode}:\n{out[-3000:]}")
    return out


def stat(out, name):
    m = re.search(rf"^\s*{name}:\s+(\d+)", out, re.M)
    check(m is not None, f"no '{name}:' in the sysbench report:\n{out[-3000:]}")
    return int(m.group(1))


def test_prepare():
    sysbench("cleanup")
    sysbench("prepare")
    check_eq(backend_value("SELECT COUNT(*) FROM sbtest.sbtest1"), TABLE_SIZE, "rows of sbtest.sbtest1 on p0")


def test_oltp_read_write_ps_auto():
    out = sysbench("--threads=4", "--time=5", "--db-ps-mode=auto", "--rand-type=uniform", "--report-interval=0",
                   "run", timeout=90)
    tx, errors, reconnects = stat(out, "transactions"), stat(out, "ignored errors"), stat(out, "reconnects")
    print(f"  sysbench: {tx} transactions, {stat(out, 'queries')} queries, {errors} ignored errors, "
          f"{reconnects} reconnects", flush=True)
    check(tx > 0, f"no transactions:\n{out[-3000:]}")
    check_eq(errors, 0, "ignored errors (deadlocks / lock wait timeouts retried by sysbench)")
    check_eq(reconnects, 0, "reconnects")


def test_cleanup():
    sysbench("cleanup")
    check_eq(backend_value("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'sbtest' "
                           "AND table_name = 'sbtest1'"), 0, "sbtest1 dropped")


def start():
    global proxy
    proxy = Proxy("sysbench-proxy", {"schemas": demo_schemas()}).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_prepare, test_oltp_read_write_ps_auto, test_cleanup], start)
