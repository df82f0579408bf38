#!/usr/bin/python3
"""LOAD DATA LOCAL INFILE through the proxy (README, users[].local_infile) against the real
cluster: refused with 4166 unless both the client and its user enable it, as the server
refuses it; relayed for unsharded tables with the server's affected rows and warnings,
memory bounded for a large file; refused (1235) for sharded tables; a client that breaks
off mid-file costs only its own session. Clients: the mariadb CLI (--local-infile),
PyMySQL (local_infile=True) and Connector/J (allowLocalInfile).
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pymysql  # noqa: E402

import wire  # noqa: E402
from harness import (HOST, Proxy, backend, check, check_eq, cluster_port, demo_schemas, expect_error,  # noqa: E402
                     main_cases, rss_kb)

DB = "sw_load"
P = {}
TMP = tempfile.mkdtemp(prefix="sw-load-")


def proxies():
    conn = backend("p0", root=True)
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, name VARCHAR(20), n TINYINT)")
        c.execute(f"CREATE TABLE {DB}.big (id INT PRIMARY KEY, pad VARCHAR(200))")
    conn.close()
    P["main"] = Proxy("load-local", {
        "users": [{"name": "app", "password": "app"},
                  {"name": "loader", "password": "loader", "local_infile": True}],
        "schemas": demo_schemas(),
    }).start()
    return [P["main"]]


def write(name, lines):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


def connect(user="loader", local=True, direct=False, db=DB):
    """PyMySQL through the proxy as `user` (password = name), or directly on p0 as app."""
    if direct:
        return pymysql.connect(host=HOST, port=cluster_port("p0"), user="app", password="app", database=db,
                               local_infile=local, autocommit=True)
    return pymysql.connect(host=HOST, port=P["main"].port, user=user, password=user, database=db,
                           local_infile=local, autocommit=True)


def load(conn, sql):
    with conn.cursor() as c:
        n = c.execute(sql)
        c.execute("SHOW WARNINGS")
        return n, c.fetchall()


def reset(table="t"):
    conn = backend("p0", db=DB)
    with conn.cursor() as c:
        c.execute(f"DELETE FROM {table}")
    conn.close()


def test_refused_without_both_switches():
    path = write("small.csv", ["1,a,1"])
    sql = f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE t FIELDS TERMINATED BY ','"
    # The user may, the client did not enable it (no CLIENT_LOCAL_FILES): 4166, as the server.
    expect_error(4166, load, connect(local=False), sql)
    # The client did, the user may not (the default): 4166.
    expect_error(4166, load, connect(user="app"), sql)
    check_eq(load(connect(), "SELECT 1")[0], 1, "the session goes on")


def test_same_answer_as_the_server():
    """Affected rows and warnings (a truncated value, a duplicate key skipped by IGNORE)
    as MariaDB reports them directly."""
    path = write("rows.csv", ["1,alpha,1", "2,beta,500", "3,a name longer than twenty,3", "2,dup,2"])
    sql = f"LOAD DATA LOCAL INFILE '{path}' IGNORE INTO TABLE t FIELDS TERMINATED BY ','"
    answers = []
    for direct in (True, False):
        reset()
        conn = connect(direct=direct)
        answers.append(load(conn, sql))
        with conn.cursor() as c:
            c.execute("SELECT * FROM t ORDER BY id")
            answers[-1] = answers[-1] + (c.fetchall(),)
        conn.close()
    check_eq(answers[1], answers[0], "through the proxy vs directly")
    check_eq(answers[0][0], 3, "rows loaded")


def test_mariadb_cli_local_infile():
    reset()
    path = write("cli.csv", [f"{i},cli{i},{i % 100}" for i in range(1, 1001)])
    out = subprocess.run(["mariadb", "--no-defaults", "-h", HOST, "-P", str(P["main"].port), "-uloader", "-ploader",
                          "--local-infile=1", DB, "-e",
                          f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE t FIELDS TERMINATED BY ','; "
                          "SELECT COUNT(*), SUM(n) FROM t"], capture_output=True, text=True, timeout=60)
    check_eq(out.returncode, 0, f"mariadb --local-infile: {out.stderr}")
    check(out.stdout.split()[-2:] == ["1000", str(sum(i % 100 for i in range(1, 1001)))], out.stdout)


def test_connectorj_local_infile():
    reset()
    path = write("jdbc.csv", [f"{i},j{i},{i}" for i in range(1, 101)])
    out = subprocess.run(["java", "-cp", "/usr/share/java/mariadb-java-client.jar",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients", "java", "LoadLocalTest.java")],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SW_PROXY_PORT=str(P["main"].port), SW_DB=DB, SW_FILE=path))
    print("    " + out.stdout.strip().replace("\n", "\n    "))
    check_eq(out.returncode, 0, f"LoadLocalTest.java: {out.stderr[-2000:]}")


def test_large_file_memory_bounded():
    """A 64 MB file goes through in packets: the proxy's memory does not follow its size."""
    path = os.path.join(TMP, "big.csv")
    with open(path, "w") as f:
        for i in range(1, 320_001):
            f.write(f"{i},{'x' * 190}\n")
    size_mb = os.path.getsize(path) / (1 << 20)
    before = rss_kb(P["main"].proc.pid)
    conn = connect()
    n, _ = load(conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE big FIELDS TERMINATED BY ','")
    after = rss_kb(P["main"].proc.pid)
    conn.close()
    print(f"    {size_mb:.0f} MB file, {n} rows: RSS {before // 1024} -> {after // 1024} MiB")
    check_eq(n, 320_000, "rows loaded")
    check((after - before) / 1024 < 24, f"RSS grew by {(after - before) / 1024:.0f} MiB for a {size_mb:.0f} MB file")
    reset("big")


def test_sharded_table_refused():
    path = write("orders.csv", ["1,1,1,new,1.00,1,2024-01-01 00:00:00"])
    conn = connect(db=None)
    with conn.cursor() as c:
        c.execute("CREATE DATABASE IF NOT EXISTS orders")
    err = expect_error(1235, load, conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE orders.order_info")
    check("sharded table" in str(err), str(err))


def test_client_breaks_off_mid_file():
    """The client sends part of the file and vanishes: its backend connection is dropped
    (the server waits for the rest otherwise), other sessions go on, nothing half-loaded
    is reported as done."""
    reset()
    c = wire.Conn(HOST, P["main"].port, timeout=10)
    c.login(user="loader", password="loader", caps=wire.BASE_CAPS | (1 << 7), db=DB)
    c.command(wire.COM_QUERY, b"LOAD DATA LOCAL INFILE 'whatever.csv' INTO TABLE t FIELDS TERMINATED BY ','")
    seq, p = c.read_packet()
    check(p[:1] == b"\xfb" and p[1:] == b"whatever.csv", f"file request relayed: {p!r}")
    c.send(wire.packet(b"1,partial,1\n", seq + 1))
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    other = connect()
    check_eq(load(other, "SELECT 2")[0], 1, "another session")
    # The half-sent LOAD never completed on the server: no row.
    conn = backend("p0", db=DB)
    with conn.cursor() as cur:
        for _ in range(50):
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'LOAD DATA LOCAL%'")
            if cur.fetchone()[0] == 0:
                break
            time.sleep(0.1)
        cur.execute("SELECT COUNT(*) FROM t")
        check_eq(cur.fetchone()[0], 0, "rows of the broken-off LOAD")
    conn.close()


if __name__ == "__main__":
    main_cases([test_refused_without_both_switches, test_same_answer_as_the_server, test_mariadb_cli_local_infile,
                test_connectorj_local_infile, test_large_file_memory_bounded, test_sharded_table_refused, test_client_breaks_off_mid_file], proxies)
