#!/usr/bin/python3
"""LOAD DATA LOCAL INFILE through the proxy (README, users[].local_infile) against the real
cluster: refused with 4166 unless both the client and its user enable it, as the server
refuses it; relayed for unsharded tables with the server's affected rows and warnings,
memory bounded for a large file; for sharded tables split by the sharding rule over the
64 physical tables (generated keys included), every row checked on its node; a client
that breaks off mid-file costs only its own session. Clients: the mariadb CLI (--local-infile),
PyMySQL (local_infile=True) and Connector/J (allowLocalInfile).
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pymysql  # noqa: E402

import wire  # noqa: E402
from harness import (HOST, Proxy, backend, check, check_eq, cluster_port, demo_schemas, expect_error,  # noqa: E402
                     main_cases, rss_kb)

# Under AddressSanitizer, freed memory waits in a 256 MB quarantine and counts in RSS:
# keep it small so RSS still shows what the proxy holds (ignored by Release builds).
os.environ["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:strict_string_checks=1:quarantine_size_mb=1"

DB = "sw_load"
NO_SHARD = 1526  # Table has no partition for value
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
    # The demo's sharded order_info (scripts/demo-schema.sh's DDL), made through the proxy
    # so it fans out to db_0..7.order_info_0..7; kept when another test made it already.
    conn = P["main"].connect(db=None)
    with conn.cursor() as c:
        c.execute("CREATE DATABASE IF NOT EXISTS orders")
        c.execute("USE orders")
        c.execute("CREATE TABLE IF NOT EXISTS order_info (order_id BIGINT NOT NULL PRIMARY KEY, "
                  "user_id BIGINT NOT NULL, merchant_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL, "
                  "amount DECIMAL(12,2) NOT NULL, region_id INT NULL, created_at DATETIME NOT NULL, "
                  "KEY idx_user (user_id), KEY idx_created (created_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    conn.close()
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


ORDER_COLS = "user_id, merchant_id, status, amount, created_at"


def physical_check(base, count):
    """Every row of users base..base+count-1 on the node of its sharding columns (node i:
    db_{i // 8}.order_info_{i % 8}, db_0..3 on p0, db_4..7 on p1), each exactly once."""
    total = 0
    for node_name, dbs in (("p0", range(0, 4)), ("p1", range(4, 8))):
        conn = backend(node_name)
        with conn.cursor() as cur:
            for d in dbs:
                for t in range(8):
                    i = d * 8 + t
                    cur.execute(f"SELECT COUNT(*), COALESCE(SUM(MOD(user_id, 64) <> {i} OR MOD(order_id, 64) <> {i}), 0) "
                                f"FROM db_{d}.order_info_{t} WHERE user_id BETWEEN %s AND %s",
                                (base, base + count - 1))
                    n, misplaced = cur.fetchone()
                    check_eq(int(misplaced), 0, f"rows on db_{d}.order_info_{t} that belong elsewhere")
                    total += n
        conn.close()
    check_eq(total, count, "rows across all 64 physical tables (none lost, none twice)")


def clear_users(base, count):
    conn = connect(db="orders")
    with conn.cursor() as c:
        c.execute("DELETE FROM order_info WHERE user_id BETWEEN %s AND %s", (base, base + count - 1))
    conn.close()


def test_sharded_with_generated_keys():
    """PyMySQL: rows split by user_id over 64 tables on two servers, order_id generated
    with the user's gene, affected rows and the server's info summed."""
    base, count = 7_100_000, 3000
    clear_users(base, count)
    path = write("sharded.csv", [f"{base + i},{i % 7},new,{i}.50,2025-01-01 00:00:00" for i in range(count)])
    conn = connect(db="orders")
    n, warnings = load(conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE order_info FIELDS TERMINATED BY ',' "
                             f"({ORDER_COLS})")
    check_eq(n, count, "affected rows")
    check_eq(warnings, (), "no warnings")
    with conn.cursor() as c:
        c.execute("SELECT COUNT(*), SUM(amount) FROM order_info WHERE user_id BETWEEN %s AND %s",
                  (base, base + count - 1))
        got = c.fetchone()
    check_eq((got[0], float(got[1])), (count, sum(i + 0.5 for i in range(count))), "through the proxy")
    conn.close()
    physical_check(base, count)


def test_sharded_csv_options_and_errors():
    """The client's FIELDS/LINES options cut the file for the proxy as for the servers:
    enclosed fields with separators and line breaks, a header skipped once (IGNORE 1
    LINES), explicit keys. A value that routes nowhere is an error; the session goes on."""
    base, count = 7_200_000, 200
    clear_users(base, count)
    # explicit order ids carrying the user's gene (their low 6 bits)
    rows = ["order_id,user_id,merchant_id,status,amount,created_at"]
    rows += [f'{(base + i) * 64 + (base + i) % 64},"{base + i}",1,"a, ""q""\\nz",1.00,2025-01-01' for i in range(count)]
    path = write("quoted.csv", rows)
    conn = connect(db="orders")
    n, _ = load(conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE order_info FIELDS TERMINATED BY ',' "
                      "OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\n' IGNORE 1 LINES "
                      "(order_id, user_id, merchant_id, status, amount, created_at)")
    check_eq(n, count, "affected rows")
    with conn.cursor() as c:
        c.execute("SELECT DISTINCT status FROM order_info WHERE user_id BETWEEN %s AND %s", (base, base + count - 1))
        check_eq(c.fetchall(), (('a, "q"\nz',),), "the enclosed value as the server read it")
    physical_check(base, count)
    bad = write("bad.csv", [f"{base},1,new,1.00,2025-01-01", "not-a-number,1,new,1.00,2025-01-01"])
    err = expect_error(NO_SHARD, load, conn,
                       f"LOAD DATA LOCAL INFILE '{bad}' INTO TABLE order_info FIELDS TERMINATED BY ',' ({ORDER_COLS})")
    check("not-a-number" in str(err), f"the error names the value: {err!r}")
    check_eq(load(conn, "SELECT 3")[0], 1, "the session goes on after the error")
    conn.close()
    physical_check(base, count)  # the good line before the bad one was rolled back with it


def test_sharded_client_breaks_off_rolls_back():
    """More than a chunk of lines reaches the nodes, then the client vanishes: in
    autocommit the whole load is one transaction, so no row stays (as on the server)."""
    base, count = 7_700_000, 230_000  # over the 8 MiB the proxy holds before loading any
    clear_users(base, count)
    c = wire.Conn(HOST, P["main"].port, timeout=30)
    c.login(user="loader", password="loader", caps=wire.BASE_CAPS | (1 << 7), db="orders")
    c.command(wire.COM_QUERY, f"LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE order_info FIELDS TERMINATED BY ',' "
                              f"({ORDER_COLS})".encode())
    seq, p = c.read_packet()
    check(p[:1] == b"\xfb", f"the proxy asks for the file: {p!r}")
    data = "".join(f"{base + i},1,gone,1.00,2025-01-01 00:00:00\n" for i in range(count)).encode()
    for at in range(0, len(data), 60000):
        seq += 1
        c.send(wire.packet(data[at:at + 60000], seq))
    # A chunk is on a node, uncommitted, before the client goes.
    def loaded_uncommitted():
        for node in ("p0", "p1"):
            conn = backend(node, root=True)
            with conn.cursor() as cur:
                cur.execute("SELECT COALESCE(SUM(trx_rows_modified), 0) FROM information_schema.INNODB_TRX")
                n = int(cur.fetchone()[0])
            conn.close()
            if n > 0:
                return True
        return False
    # Polled once a second: twenty root logins a second starve the proxy's CPU on a
    # 2-core machine under ASan, and it never gets to the first chunk.
    deadline = time.monotonic() + 120
    while not loaded_uncommitted():
        check(time.monotonic() < deadline, "a chunk loaded in the open transaction within 120 s")
        time.sleep(1)
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    wait = time.monotonic() + 10
    while True:
        try:
            physical_check(base, 0)
            break
        except AssertionError:
            if time.monotonic() > wait:
                raise
            time.sleep(0.1)


def test_sharded_in_a_transaction_and_ignore():
    """Inside a transaction every node's chunk joins it: ROLLBACK leaves no row. IGNORE
    over rows already there: 0 affected, the duplicates counted as skipped and warned, as
    the server counts them (summed over the nodes)."""
    base, count = 7_600_000, 400
    clear_users(base, count)
    path = write("txn.csv", [f"{(base + i) * 64 + (base + i) % 64},{base + i},1,txn,1.00,2025-01-01"
                             for i in range(count)])
    sql = (f"LOAD DATA LOCAL INFILE '{path}' IGNORE INTO TABLE order_info FIELDS TERMINATED BY ',' "
           "(order_id, user_id, merchant_id, status, amount, created_at)")
    conn = connect(db="orders")
    conn.autocommit(False)
    with conn.cursor() as c:
        c.execute("BEGIN")
        check_eq(c.execute(sql), count, "affected rows inside the transaction")
        c.execute("SELECT COUNT(*) FROM order_info WHERE user_id BETWEEN %s AND %s", (base, base + count - 1))
        check_eq(c.fetchone()[0], count, "the transaction sees its rows")
        c.execute("ROLLBACK")
    conn.autocommit(True)
    physical_check(base, 0)
    with conn.cursor() as c:
        check_eq(c.execute(sql), count, "loaded")
        check_eq(c.execute(sql), 0, "loaded again with IGNORE: every line a duplicate")
        info = c._result.message.decode() if isinstance(c._result.message, bytes) else c._result.message
        check(f"Records: {count}" in info and f"Skipped: {count}" in info, f"the summed info: {info!r}")
        check_eq(c._result.warning_count, count, "a duplicate-key warning per line")
    conn.close()
    physical_check(base, count)


def test_sharded_mariadb_cli_and_connectorj():
    base, count = 7_300_000, 500
    clear_users(base, count)
    path = write("cli_sharded.csv", [f"{base + i}\t2\tcli\t2.00\t2025-01-01" for i in range(count)])
    out = subprocess.run(["mariadb", "--no-defaults", "-h", HOST, "-P", str(P["main"].port), "-uloader", "-ploader",
                          "--local-infile=1", "orders", "-e",
                          f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE order_info ({ORDER_COLS}); "
                          f"SELECT COUNT(*) FROM order_info WHERE user_id BETWEEN {base} AND {base + count - 1}"],
                         capture_output=True, text=True, timeout=60)
    check_eq(out.returncode, 0, f"mariadb --local-infile: {out.stderr}")
    check_eq(out.stdout.split()[-1], str(count), out.stdout)
    physical_check(base, count)
    jbase = 7_400_000
    clear_users(jbase, 100)
    jpath = write("jdbc_sharded.csv", [f"{jbase + i},3,jdbc,{i + 1},2025-01-01" for i in range(100)])
    run = subprocess.run(["java", "-cp", "/usr/share/java/mariadb-java-client.jar",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients", "java", "LoadLocalTest.java")],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SW_PROXY_PORT=str(P["main"].port), SW_DB="orders", SW_FILE=jpath,
                                  SW_SHARDED_BASE=str(jbase)))
    print("    " + run.stdout.strip().replace("\n", "\n    "))
    check_eq(run.returncode, 0, f"LoadLocalTest.java (sharded): {run.stderr[-2000:]}")
    physical_check(jbase, 100)


def test_sharded_large_file_memory_bounded():
    """A sharded file much larger than the proxy's chunk budget: memory does not follow it."""
    base, count = 7_500_000, 250_000
    clear_users(base, count)
    path = os.path.join(TMP, "big_sharded.csv")
    with open(path, "w") as f:
        for i in range(count):
            f.write(f"{base + i},1,{'s' * 16},1.00,2025-01-01 00:00:00\n")
    size_mb = os.path.getsize(path) / (1 << 20)
    before = rss_kb(P["main"].proc.pid)
    peak = [before]
    done = threading.Event()

    def sample():  # the highest RSS while the file goes through
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(P["main"].proc.pid))
            time.sleep(0.01)
    sampler = threading.Thread(target=sample)
    sampler.start()
    conn = connect(db="orders")
    try:
        n, _ = load(conn, f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE order_info FIELDS TERMINATED BY ',' "
                          f"({ORDER_COLS})")
    finally:
        done.set()
        sampler.join()
    after = peak[0]
    conn.close()
    print(f"    {size_mb:.0f} MB file over 64 tables, {n} rows: RSS {before // 1024} MiB, peak {after // 1024} MiB")
    check_eq(n, count, "rows loaded")
    check((after - before) / 1024 < 40, f"RSS grew by {(after - before) / 1024:.0f} MiB for a {size_mb:.0f} MB file")
    physical_check(base, count)
    clear_users(base, count)


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
                test_connectorj_local_infile, test_large_file_memory_bounded, test_sharded_with_generated_keys, test_sharded_csv_options_and_errors,
                test_sharded_in_a_transaction_and_ignore, test_sharded_mariadb_cli_and_connectorj,
                test_sharded_large_file_memory_bounded, test_sharded_client_breaks_off_rolls_back,
                test_client_breaks_off_mid_file], proxies)
