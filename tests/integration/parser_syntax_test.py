#!/usr/bin/python3
"""Differential syntax check of router/parser + router/formatter against MariaDB.

  parser_syntax_test.py SQLFMT ROUNDTRIP_CASES [PARSE_ERROR_CASES]

For every statement of the round-trip table (tests/router/roundtrip_cases.sql) the
normalized text printed by SQLFMT (tests/router/sqlfmt) must be a syntax error on
MariaDB exactly when the input is. Both texts are checked with `PREPARE s FROM ...`
directly on p0 (not through the proxy), inside a scratch database where the tables
the statements name do not exist: the server reports a syntax error (1064) before a
missing table (1146) or column (1054), so only "1064 or not" is compared. Nothing is
executed, except constant SELECTs (no table, no placeholder, deterministic), whose
rows must also be equal: that catches precedence and parenthesization drift.

Statements the server cannot PREPARE (1295: PREPARE, EXECUTE, DEALLOCATE ...) are
checked as the body of a stored procedure instead (CREATE PROCEDURE parses the body
without running it or resolving tables); when that is refused too (1314: not allowed
in stored procedures), the statement counts as "not checkable".

Every input of the table must itself be valid MariaDB syntax, except the cases
preceded by a marker line:
  #! mysql-only   MySQL syntax MariaDB 10.11 rejects: both texts must give 1064
  #! proxy-only   a shardwire command (SHARDWIRE EXPLAIN ...): not sent to the server

The optional PARSE_ERROR_CASES table is checked against the server only for
information: it prints which of its statements MariaDB accepts (constructs the
parser refuses as unsupported) next to the ones it rejects too.
"""
import os
import re
import subprocess
import sys

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import backend  # noqa: E402

DB = "sw_parser_syntax"
SYNTAX_ERRORS = (1064, 1149)  # ER_PARSE_ERROR, ER_SYNTAX_ERROR
UNSUPPORTED_PS = 1295         # ER_UNSUPPORTED_PS
SP_BADSTATEMENT = 1314        # ER_SP_BADSTATEMENT
PROBE_PROC = "sw_syntax_probe"

# Constant SELECTs whose value may differ between two runs are not compared.
NONDETERMINISTIC = re.compile(
    r"\b(NOW|SYSDATE|CURDATE|CURTIME|CURRENT_DATE|CURRENT_TIME|CURRENT_TIMESTAMP|LOCALTIME|LOCALTIMESTAMP|"
    r"UTC_DATE|UTC_TIME|UTC_TIMESTAMP|UNIX_TIMESTAMP|RAND|UUID|UUID_SHORT|SLEEP|BENCHMARK|CONNECTION_ID|"
    r"LAST_INSERT_ID|ROW_COUNT|FOUND_ROWS|GET_LOCK|RELEASE_LOCK|NEXTVAL|LASTVAL|SETVAL)\b|INTO\s+(OUTFILE|DUMPFILE)",
    re.IGNORECASE)


def load_cases(path):
    """[(line number, statement, marker or None)] of a round-trip table."""
    cases, marker = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#! "):
                marker = line[3:].strip()
                continue
            if not line or line.startswith("#") or line.startswith("=> "):
                continue
            cases.append((n, line, marker))
            marker = None
    return cases


def load_error_cases(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            sql, _, want = line.partition(" ~ ")
            out.append((sql, want))
    return out


def sqlfmt(binary, statements):
    """[(ok, text)] for each statement: the normalized SQL, or the parse error."""
    res = subprocess.run([binary], input="".join(s + "\n" for s in statements), capture_output=True,
                         text=True, timeout=60, check=True)
    lines = res.stdout.split("\n")[:-1]
    assert len(lines) == len(statements), f"sqlfmt printed {len(lines)} lines for {len(statements)} statements"
    out = []
    for line in lines:
        status, _, text = line.partition(" ")
        assert status in ("OK", "ERR"), f"unexpected sqlfmt output {line!r}"
        out.append((status == "OK", text))
    return out


class Checker:
    def __init__(self, conn):
        self.cur = conn.cursor()

    def _prepare(self, sql):
        try:
            self.cur.execute("PREPARE s FROM %s", (sql,))
        except pymysql.MySQLError as e:
            return e.args[0]
        self.cur.execute("DEALLOCATE PREPARE s")
        return 0

    def _procedure(self, sql):
        body = sql.rstrip().rstrip(";")
        try:
            self.cur.execute(f"CREATE PROCEDURE {PROBE_PROC}() BEGIN {body}; END")
        except pymysql.MySQLError as e:
            return e.args[0]
        self.cur.execute(f"DROP PROCEDURE {PROBE_PROC}")
        return 0

    def status(self, sql, route):
        """(error code or 0) of `sql` checked the given way: 'prepare' or 'procedure'."""
        return self._prepare(sql) if route == "prepare" else self._procedure(sql)

    def rows(self, sql):
        self.cur.execute(sql)
        return self.cur.fetchall()


def is_syntax_error(code):
    return code in SYNTAX_ERRORS


def constant_select(sql):
    s = sql.lstrip("( ").upper()
    return (s.startswith("SELECT") and " FROM " not in f" {s} " and "?" not in sql and ":=" not in sql
            and not NONDETERMINISTIC.search(sql))


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    binary, cases_path = argv[1], argv[2]
    errors_path = argv[3] if len(argv) > 3 else None
    cases = load_cases(cases_path)
    formatted = sqlfmt(binary, [c[1] for c in cases])

    conn = backend()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        c.execute(f"USE {DB}")
    chk = Checker(conn)

    failures, notes = [], []
    counts = dict(checked=0, via_procedure=0, not_checkable=0, proxy_only=0, mysql_only=0, values_compared=0)
    for (line, sql, marker), (ok, norm) in zip(cases, formatted):
        where = f"roundtrip_cases.sql:{line}: {sql}"
        if not ok:
            failures.append(f"{where}\n    sqlfmt: {norm}")
            continue
        if marker == "proxy-only":
            counts["proxy_only"] += 1
            continue
        if marker not in (None, "mysql-only"):
            failures.append(f"{where}\n    unknown marker '#! {marker}'")
            continue
        route = "prepare"
        a, b = chk.status(sql, route), chk.status(norm, route)
        if UNSUPPORTED_PS in (a, b):
            route = "procedure"
            a, b = chk.status(sql, route), chk.status(norm, route)
            if SP_BADSTATEMENT in (a, b) or UNSUPPORTED_PS in (a, b):
                counts["not_checkable"] += 1
                notes.append(f"not checkable (cannot be PREPAREd nor put in a procedure): {sql}")
                continue
            counts["via_procedure"] += 1
        counts["checked"] += 1
        if is_syntax_error(a) != is_syntax_error(b):
            failures.append(f"{where}\n    normalized: {norm}\n    DRIFT: input gives {a or 'no error'}, "
                            f"normalized gives {b or 'no error'} ({route})")
            continue
        if marker == "mysql-only":
            counts["mysql_only"] += 1
            if not is_syntax_error(a):
                failures.append(f"{where}\n    marked mysql-only but MariaDB accepts it ({a or 'no error'})")
            continue
        if is_syntax_error(a):
            failures.append(f"{where}\n    MariaDB rejects the input ({a}): fix the case or mark it '#! mysql-only'")
            continue
        if a != b:
            notes.append(f"same syntax verdict, different error: input {a}, normalized {b}: {sql}")
        if a == 0 and b == 0 and route == "prepare" and constant_select(sql) and constant_select(norm):
            counts["values_compared"] += 1
            ra, rb = chk.rows(sql), chk.rows(norm)
            if ra != rb:
                failures.append(f"{where}\n    normalized: {norm}\n    DRIFT: rows {ra!r} != {rb!r}")

    if errors_path:
        refused_valid, invalid = [], 0
        for sql, _ in load_error_cases(errors_path):
            if not sql.strip():
                invalid += 1
                continue
            code = chk.status(sql, "prepare")
            if code == UNSUPPORTED_PS:
                code = chk.status(sql, "procedure")
            if is_syntax_error(code):
                invalid += 1
            else:
                refused_valid.append(f"{sql}  ({code or 'no error'})")
        print(f"parse_error_cases.sql: {invalid} rejected by MariaDB too, {len(refused_valid)} valid SQL the "
              f"parser refuses (unsupported):")
        for s in refused_valid:
            print(f"    {s}")

    with conn.cursor() as c:
        c.execute(f"DROP PROCEDURE IF EXISTS {DB}.{PROBE_PROC}")
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
    conn.close()

    for n in notes:
        print(f"note: {n}")
    print(f"round-trip cases: {len(cases)}; checked against MariaDB: {counts['checked']} "
          f"({counts['via_procedure']} as a procedure body, {counts['mysql_only']} MySQL-only inputs), "
          f"not checkable: {counts['not_checkable']}, proxy-only: {counts['proxy_only']}, "
          f"constant SELECTs with equal rows: {counts['values_compared']}")
    if failures:
        print(f"\n{len(failures)} FAILURE(S):")
        for f in failures:
            print(f"  {f}")
        return 1
    print("no syntax drift")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
