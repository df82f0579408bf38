#!/usr/bin/python3
"""Holds N client connections open and idle for bench/idle_connections.sh.

  idle_clients.py PORT N

Opens N connections (pymysql, user app) to 127.0.0.1:PORT one after another, runs one
statement on each (so every session has been served, then left idle), prints
"ready <seconds to open>" and keeps them open until a line arrives on stdin. Prints
"failed <n> <first error>" instead when any connection fails."""
import sys
import time

import pymysql


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    conns, failures, first = [], 0, None
    t0 = time.monotonic()
    for i in range(n):
        try:
            c = pymysql.connect(host="127.0.0.1", port=port, user="app", password="app", database="sbtest",
                                autocommit=True, connect_timeout=30)
            with c.cursor() as cur:
                cur.execute("SELECT id FROM sbtest1 WHERE id = %s", (i % 1000 + 1,))
                cur.fetchall()
            conns.append(c)
        except pymysql.MySQLError as e:
            failures += 1
            first = first or repr(e)
    took = time.monotonic() - t0
    print(f"failed {failures} {first}" if failures else f"ready {took:.1f}", flush=True)
    sys.stdin.readline()
    for c in conns:
        c.close()


if __name__ == "__main__":
    main()
