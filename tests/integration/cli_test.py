#!/usr/bin/python3
"""The mariadb / mariadb-admin command-line clients through the proxy.

Writes are checked DIRECTLY on the backend p0, not through the proxy.
"""
import hashlib
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HASH_PASSWORD, HASH_USER, HOST, Proxy, backend, backend_value,  # noqa: E402
                     check, check_eq, main_cases)

DB = "sw_cli"
proxy = None


def cli(*args, user="app", password="app", db=None, stdin=None, tool="mariadb", timeout=60):
    cmd = [tool, "--no-defaults", f"-h{HOST}", f"-P{proxy.port}", "--protocol=TCP", f"-u{user}",
           "--connect-timeout=10"]
    if password is not None:
        cmd.append(f"-p{password}")
    cmd += list(args)
    if db is not None:
        cmd.append(db)
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)


def ok(*args, **kw):
    r = cli(*args, **kw)
    check(r.returncode == 0, f"{args}: exit {r.returncode}, stderr: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode()


def fails(expected_stderr, *args, **kw):
    r = cli(*args, **kw)
    err = r.stderr.decode(errors="replace")
    check(r.returncode != 0, f"{args}: expected failure, got exit 0 with {r.stdout[:200]!r}")
    check(expected_stderr in err, f"{args}: expected {expected_stderr!r} in stderr, got {err!r}")
    return err


def setup():
    conn = backend()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
    conn.close()


def test_select():
    check_eq(ok("-N", "-B", "-e", "SELECT 1+1, 'héllo', NULL"), "2\théllo\tNULL\n", "select output")
    out = ok("-N", "-B", "-e", "SELECT @@port, @@hostname IS NOT NULL")
    check_eq(out.split("\t")[0], str(int(os.environ["SW_CLUSTER_PORT"])), "backend behind the proxy is p0")


def test_crud_checked_on_backend():
    ok("-e", f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, name VARCHAR(64), n INT) ENGINE=InnoDB")
    ok("-e", f"INSERT INTO {DB}.t VALUES (1,'one',10),(2,'two',20),(3,'three',30)")
    check_eq(backend_value(f"SELECT COUNT(*) FROM {DB}.t"), 3, "rows on p0 after INSERT")
    ok("-e", f"UPDATE {DB}.t SET n = n + 1, name = 'TWO' WHERE id = 2")
    check_eq(backend_value(f"SELECT CONCAT(name, ':', n) FROM {DB}.t WHERE id = 2"), "TWO:21", "p0 after UPDATE")
    ok("-e", f"DELETE FROM {DB}.t WHERE id = 3")
    check_eq(backend_value(f"SELECT GROUP_CONCAT(id ORDER BY id) FROM {DB}.t"), "1,2", "p0 after DELETE")
    check_eq(ok("-N", "-B", "-e", f"SELECT name FROM {DB}.t ORDER BY id"), "one\nTWO\n", "read back via proxy")
    # affected-row counts travel in OK packets
    out = ok("-vvv", "-e", f"UPDATE {DB}.t SET n = 0")
    check("Query OK, 2 rows affected" in out, f"affected rows in CLI output: {out!r}")


def test_multi_statements():
    check_eq(ok("-N", "-B", "-e", "select 1; select 2"), "1\n2\n", "two result sets")
    out = ok("-N", "-B", "-e", f"select 'a'; DO 1; select 'b' union select 'c'; USE {DB}; select database()")
    check_eq(out, f"a\nb\nc\n{DB}\n", "result sets mixed with OKs")


def test_syntax_error():
    err = fails("ERROR 1064 (42000)", "-e", "SELEC 1")
    check("near 'SELEC 1'" in err, f"backend's message is relayed: {err!r}")
    # an error in the middle of a multi-statement batch stops the batch
    r = cli("-N", "-B", "-e", "select 1; selec 2; select 3")
    check(r.returncode != 0 and r.stdout == b"1\n", f"batch stopped at the error: {r.stdout!r}")
    check(b"ERROR 1064 (42000)" in r.stderr, r.stderr)
    fails("ERROR 1146 (42S02)", "-e", f"SELECT * FROM {DB}.missing")


def test_wrong_password():
    err = fails("ERROR 1045 (28000)", "-e", "SELECT 1", password="wrong")
    check("Access denied for user 'app'@'127.0.0.1' (using password: YES)" in err, err)
    err = fails("ERROR 1045 (28000)", "-e", "SELECT 1", password=None)
    check("Access denied for user 'app'@'127.0.0.1' (using password: NO)" in err, err)


def test_unknown_user():
    err = fails("ERROR 1045 (28000)", "-e", "SELECT 1", user="nobody", password="app")
    check("Access denied for user 'nobody'@'127.0.0.1' (using password: YES)" in err, err)


def test_password_hash_user():
    check_eq(ok("-N", "-B", "-e", "SELECT 7", user=HASH_USER, password=HASH_PASSWORD), "7\n", "hash user")
    fails("ERROR 1045 (28000)", "-e", "SELECT 1", user=HASH_USER, password=HASH_PASSWORD + "x")


def test_use_and_connect_with_db():
    check_eq(ok("-N", "-B", "-e", "SELECT DATABASE()"), "NULL\n", "no database by default")
    check_eq(ok("-N", "-B", "-e", f"USE {DB}; SELECT DATABASE(); SELECT COUNT(*) FROM t"), f"{DB}\n2\n", "USE")
    check_eq(ok("-N", "-B", "-e", "SELECT DATABASE(), COUNT(*) FROM t", db=DB), f"{DB}\t2\n", "connect with db")
    check_eq(ok("-N", "-B", "-e", "USE sbtest; SELECT DATABASE()", db=DB), "sbtest\n", "switch db")


def test_unknown_db():
    err = fails("ERROR 1049 (42000)", "-e", "SELECT 1", db="sw_no_such_db")
    check("Unknown database 'sw_no_such_db'" in err, err)
    fails("ERROR 1049 (42000)", "-e", "USE sw_no_such_db")
    # the proxy is fine afterwards
    check_eq(ok("-N", "-B", "-e", "SELECT 1", db=DB), "1\n", "after unknown db")


def test_20mb_round_trip():
    value = os.urandom(10 * 1024 * 1024).hex()  # 20 MiB of [0-9a-f]: more than one 16 MiB packet
    digest = hashlib.md5(value.encode()).hexdigest()
    ok("-e", f"CREATE TABLE {DB}.big (id INT PRIMARY KEY, v LONGTEXT)")
    sql = f"INSERT INTO {DB}.big VALUES (1, '{value}');\n".encode()
    ok("--max-allowed-packet=64M", stdin=sql, timeout=120)
    check_eq(backend_value(f"SELECT CONCAT(LENGTH(v), ':', MD5(v)) FROM {DB}.big WHERE id = 1"),
             f"{len(value)}:{digest}", "20 MB value on p0")
    out = ok("--max-allowed-packet=64M", "-N", "-B", "--raw", "-e", f"SELECT v, 'end' FROM {DB}.big WHERE id = 1",
             timeout=120)
    check(out == value + "\tend\n", f"20 MB value read back: got {len(out)} bytes, md5 "
                                    f"{hashlib.md5(out.encode()).hexdigest()}")
    # too big for the client's own default (16M) max_allowed_packet: the CLI says so, the proxy survives
    r = cli("-N", "-B", "-e", f"SELECT v FROM {DB}.big WHERE id = 1", timeout=120)
    check(r.returncode != 0, "16M client limit should refuse a 20 MB row")
    check_eq(ok("-N", "-B", "-e", "SELECT 1"), "1\n", "proxy healthy after client-side packet error")


def test_show_databases():
    out = ok("-N", "-B", "-e", "SHOW DATABASES").split()
    for db in (DB, "sbtest", "information_schema", "mysql"):
        check(db in out, f"{db} in SHOW DATABASES: {out}")


def test_status_command():
    out = ok("-e", "status")
    check("Uptime:" in out and "Threads:" in out, f"COM_STATISTICS line in 'status': {out!r}")
    check(str(proxy.port) in out, f"TCP port in 'status': {out!r}")
    out = ok("status", tool="mariadb-admin")
    check(out.startswith("Uptime:") and "Questions:" in out, f"mariadb-admin status: {out!r}")


def test_admin_ping():
    check_eq(ok("ping", tool="mariadb-admin"), "mysqld is alive\n", "mariadb-admin ping")
    out = ok("ping", "ping", "status", tool="mariadb-admin")
    check(out.count("mysqld is alive") == 2 and "Uptime:" in out, out)
    # mariadb-admin ping exits 0 for "server alive but access denied": check the message
    r = cli("ping", tool="mariadb-admin", password="nope")
    check(b"Access denied for user 'app'@'127.0.0.1'" in r.stderr, r.stderr)


def test_admin_variables_and_processlist():
    out = ok("variables", tool="mariadb-admin")
    check("max_allowed_packet" in out, "mariadb-admin variables")
    out = ok("processlist", tool="mariadb-admin")
    check("show processlist" in out.lower() or "Command" in out, out)


def test_source_file_with_delimiter():
    script = (f"USE {DB};\nDROP PROCEDURE IF EXISTS p;\nDELIMITER //\n"
              "CREATE PROCEDURE p() BEGIN SELECT 'p1'; SELECT 'p2'; END //\nDELIMITER ;\nCALL p();\n").encode()
    check_eq(ok("-N", "-B", stdin=script), "p1\np2\n", "procedure with two result sets via CLI")
    check_eq(ok("-N", "-B", "-e", f"CALL {DB}.p(); SELECT 'after'"), "p1\np2\nafter\n", "CALL then SELECT")


def main():
    global proxy

    def start():
        global proxy
        setup()
        proxy = Proxy("cli-proxy").start()
        return [proxy]

    main_cases([test_select, test_crud_checked_on_backend, test_multi_statements, test_syntax_error,
                test_wrong_password, test_unknown_user, test_password_hash_user, test_use_and_connect_with_db,
                test_unknown_db, test_20mb_round_trip, test_show_databases, test_status_command, test_admin_ping,
                test_admin_variables_and_processlist, test_source_file_with_delimiter], start)


if __name__ == "__main__":
    main()
