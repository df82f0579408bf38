#!/usr/bin/python3
"""Statement safety through the real proxy and cluster (docs/sessions.md "What a statement
does: one analysis", "KILL and process lists"; docs/errors.md 1064 / 1235 / 1094 / 1095):

  1. nothing crashes: statements on a sharded table nested past the parser's limits
     (10,000 parentheses, 100,000 unary minus, a 100,000-term `1+1+...` chain, 5,000
     nested subqueries, a 300-table join chain) get ERR 1064 (42000) "nested too deeply";
     the same session and another session busy at the same time keep working, and the
     proxy stays alive (the harness checks its exit code and sanitizer output at stop).
     A 1,000-term OR chain is not too deep: it returns the right rows;
  2. KILL in every form: `/*!KILL QUERY id*/` and `/*M!100000 KILL id*/` are translated
     (the victim's SLEEP is interrupted / its connection ends); KILL later in a batch,
     in PREPARE'd or EXECUTE IMMEDIATE text (string or @variable), from an expression,
     in a stored procedure body is refused with 1235 and the victim is untouched; a
     backend thread id (read on p0) cannot be killed through the proxy in any form;
     another proxy user's session gets 1095;
  3. process lists: SHOW [FULL] PROCESSLIST and information_schema.PROCESSLIST through
     the proxy list the caller's user's sessions only, with the proxy's session ids
     (CONNECTION_ID()), never backend threads; a user with "admin": true sees every
     user's sessions; a running statement of another session shows Command 'Query' and
     its digest (literals replaced by '?') as Info; CONNECTION_ID() is the session id in
     every form (plain, versioned, batch, routed to shards, EXECUTE IMMEDIATE text, a
     query on information_schema.PROCESSLIST), so `WHERE ID = CONNECTION_ID()` finds the
     caller's row and no backend thread id reaches the client;
  4. binary-protocol prepared statements of KILL / PROCESSLIST are refused with 1235.

(State leaks through pooled connections are session_leak_test.py's.)

Layout: logical database `sstest`, table `t` sharded by user_id (`mod` 4) over
sstest_${0..3}.t: sstest_0/1 on ds0 (p0), sstest_2/3 on ds1 (p1). Users: app, hashuser
(harness) and swadmin ("admin": true). Runs alone: it reads process lists.
"""
import os
import sys
import threading
import time

import pymysql
from pymysql.constants import CLIENT

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stmt_wire  # noqa: E402
from harness import (HASH_PASSWORD, HASH_USER, HOST, Proxy, backend, check, check_eq, expect_error,  # noqa: E402
                     main_cases, native_hash, wait_for)

LOGICAL = "sstest"
SCHEMAS = {
    LOGICAL: {
        "default_data_source": "ds0",
        "databases": {"sstest_${0..1}": "ds0", "sstest_${2..3}": "ds1"},
        "tables": {"t": {"data_nodes": "sstest_${0..3}.t", "sharding": {"column": "user_id", "algorithm": "mod",
                                                                        "modulus": 4}}},
    }
}
ADMIN_USER, ADMIN_PASSWORD = "swadmin", "swadmin-pw"
USERS = [
    {"name": "app", "password": "app"},
    {"name": HASH_USER, "password_hash": native_hash(HASH_PASSWORD)},
    {"name": ADMIN_USER, "password": ADMIN_PASSWORD, "admin": True},
]
SESSION_ID_BASE = 1 << 30  # the proxy numbers its sessions from 2^30 (README)
ROW_USERS = list(range(0, 40)) + [5000, 5001, 5002, 5003]  # one row each in t
proxy = None


# --- helpers --------------------------------------------------------------------------
def conn(user="app", password="app", db=LOGICAL, **kw):
    return proxy.connect(user=user, password=password, db=db, **kw)


def rows(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(c, sql, args=None):
    r = rows(c, sql, args)
    return r[0][0] if r else None


def alive(c, what):
    """The session answers SELECT 1 (and keeps its id)."""
    check_eq(one(c, "SELECT 1"), 1, f"{what} answers SELECT 1")


def closing(*cs):
    for c in cs:
        try:
            c.close()
        except Exception:  # noqa: BLE001 - already closed by the proxy
            pass


class Sleeper:
    """Runs SELECT SLEEP(seconds) on `c` in a thread; .result is ("ok", value) or ("error", errno)."""

    def __init__(self, c, seconds):
        self.c, self.seconds, self.result = c, seconds, None
        self.started = time.monotonic()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            self.result = ("ok", one(self.c, f"SELECT SLEEP({self.seconds})"))
        except pymysql.MySQLError as e:
            self.result = ("error", e.args[0])
        except Exception as e:  # noqa: BLE001 - connection dropped under pymysql
            self.result = ("error", repr(e))

    def join(self, timeout):
        self.t.join(timeout)
        check(not self.t.is_alive(), f"SLEEP({self.seconds}) still running after {timeout} s")
        return self.result

    def elapsed(self):
        return time.monotonic() - self.started


def wait_running(c_killer, victim_id, timeout=5.0):
    """Waits until the proxy shows the victim session running a statement (its own processlist)."""
    def running():
        for r in rows(c_killer, "SHOW FULL PROCESSLIST"):
            if r[0] == victim_id and r[4] == "Query":
                return True
        return False
    wait_for(f"session {victim_id} running its statement", running, timeout)


def backend_thread_running(sql_text, node="p0"):
    """The backend thread (of the proxy's backend user app) running exactly sql_text, or None."""
    with backend(node) as b:
        r = rows(b, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app' AND ID <> CONNECTION_ID() "
                    "AND INFO = %s", (sql_text,))
    return r[0][0] if r else None


def backend_thread_exists(tid, node="p0"):
    with backend(node) as b:
        return one(b, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (tid,)) == 1


def processlist(c, sql="SHOW PROCESSLIST"):
    return rows(c, sql)


# --- setup ----------------------------------------------------------------------------
def test_setup():
    for node in ("p0", "p1"):
        with backend(node) as b, b.cursor() as cur:
            for d in [LOGICAL] + [f"{LOGICAL}_{i}" for i in range(4)]:
                cur.execute(f"DROP DATABASE IF EXISTS `{d}`")
    c = proxy.connect()
    try:
        rows(c, f"CREATE DATABASE {LOGICAL}")
        rows(c, f"USE {LOGICAL}")
        rows(c, "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, v VARCHAR(32)) "
                "ENGINE=InnoDB")
        values = ", ".join(f"({1000 + u}, {u}, 'v{u}')" for u in ROW_USERS)
        rows(c, f"INSERT INTO t (id, user_id, v) VALUES {values}")
        check_eq(one(c, "SELECT COUNT(*) FROM t"), len(ROW_USERS), "rows loaded over the 4 shards")
    finally:
        c.close()


# --- 1. nesting limits ----------------------------------------------------------------
def refused_too_deep(sql, what):
    """sql on session A must get ERR 1064 (42000) 'nested too deeply' while session C runs
    statements on the sharded table meanwhile; both (and a fresh session) work afterwards."""
    other = conn()
    stop, other_errors, other_count = threading.Event(), [], [0]

    def busy():
        while not stop.is_set():
            try:
                check_eq(one(other, "SELECT v FROM t WHERE user_id = 7"), "v7", "concurrent session's row")
                other_count[0] += 1
            except Exception as e:  # noqa: BLE001
                other_errors.append(repr(e))
                return

    t = threading.Thread(target=busy, daemon=True)
    t.start()
    a = stmt_wire.StmtConn(HOST, proxy.port, db=LOGICAL, timeout=60)
    try:
        t0 = time.monotonic()
        r = a.query(sql)
        took = time.monotonic() - t0
        check_eq(r.kind, "err", f"{what}: result kind ({r.summary()})")
        check_eq((r.errno, r.sqlstate), (1064, "42000"), f"{what}: errno and SQLSTATE ({r.message[:200]})")
        check("nested too deeply" in r.message, f"{what}: message {r.message[:200]!r}")
        check(took < 20, f"{what}: answered in {took:.1f} s")
        check_eq(a.must("SELECT 1").rows, [(b"1",)], f"{what}: the same session afterwards")
        check_eq(a.must("SELECT v FROM t WHERE user_id = 3").rows, [(b"v3",)],
                 f"{what}: the same session routes afterwards")
    finally:
        a.close()
        stop.set()
        t.join(30)
    check(not other_errors, f"{what}: concurrent session failed: {other_errors}")
    check(other_count[0] > 0, f"{what}: concurrent session ran no statement")
    alive(other, f"{what}: concurrent session afterwards")
    other.close()
    check(proxy.alive(), f"{what}: proxy alive")
    with conn() as fresh:
        alive(fresh, f"{what}: a new session")


def test_deep_parentheses_refused():
    n = 10_000
    refused_too_deep(f"SELECT 1 FROM t WHERE user_id = {'(' * n}1{')' * n}", "10,000 nested parentheses")


def test_deep_unary_minus_refused():
    refused_too_deep("SELECT " + "- " * 100_000 + "1 FROM t WHERE user_id = 1", "100,000 unary minus")


def test_long_plus_chain_refused():
    refused_too_deep("SELECT " + "+".join(["1"] * 100_000) + " FROM t WHERE user_id = 1", "100,000-term 1+1+... chain")


def test_deep_subqueries_refused():
    n = 5_000
    refused_too_deep(f"SELECT 1 FROM t WHERE user_id = {'(SELECT ' * n}1{')' * n}", "5,000 nested subqueries")


def test_long_join_chain_refused():
    joins = " ".join(f"JOIN t a{i} ON a{i}.user_id = a{i - 1}.user_id" for i in range(1, 300))
    refused_too_deep(f"SELECT 1 FROM t a0 {joins} WHERE a0.user_id = 1", "300-table join chain")


def test_long_or_chain_works():
    c = conn()
    try:
        sql = "SELECT id, user_id FROM t WHERE " + " OR ".join(f"user_id = {u}" for u in range(1000)) + " ORDER BY id"
        got = rows(c, sql)
        expected = tuple((1000 + u, u) for u in sorted(ROW_USERS) if u < 1000)
        check_eq(got, expected, "1,000-term OR chain rows")
        alive(c, "session after the OR chain")
    finally:
        c.close()


# --- 2. KILL in every form ------------------------------------------------------------
def test_versioned_kill_query_is_translated():
    a, b = conn(), conn()
    try:
        bid = b.thread_id()
        check(bid >= SESSION_ID_BASE, f"session id {bid} is the proxy's")
        s = Sleeper(b, 5)
        wait_running(a, bid)
        rows(a, f"/*!KILL QUERY {bid}*/")
        res = s.join(5)
        check(s.elapsed() < 4, f"SLEEP(5) interrupted promptly (after {s.elapsed():.1f} s)")
        check(res in (("ok", 1), ("error", 1317)), f"B's SLEEP after /*!KILL QUERY*/: {res}")
        alive(b, "B after KILL QUERY")
        check_eq(b.thread_id(), bid, "B kept its session")
        alive(a, "A after KILL QUERY")
    finally:
        closing(a, b)


def test_mariadb_versioned_kill_connection_is_translated():
    a, b = conn(), conn()
    try:
        bid = b.thread_id()
        s = Sleeper(b, 5)
        wait_running(a, bid)
        rows(a, f"/*M!100000 KILL {bid}*/")
        res = s.join(5)
        check(res is not None and res[0] == "error", f"B's SLEEP after /*M!100000 KILL*/ fails: {res}")
        try:
            rows(b, "SELECT 1")
            raise AssertionError("B's connection must be closed after /*M!100000 KILL id*/")
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            pass
        wait_for("B gone from the process list", lambda: bid not in [r[0] for r in processlist(a)])
        alive(a, "A after KILL CONNECTION")
    finally:
        closing(a, b)


def refused_kill_forms(target):
    """(description, callable on (single, multi) sessions) for every form that must get 1235."""
    return [
        ("SELECT 1; KILL id (batch)", lambda s, m: rows(m, f"SELECT 1; KILL {target}")),
        ("SELECT 1; /*!KILL QUERY id*/ (batch)", lambda s, m: rows(m, f"SELECT 1; /*!KILL QUERY {target}*/")),
        ("PREPARE s FROM 'KILL id'", lambda s, m: rows(s, f"PREPARE s FROM 'KILL {target}'")),
        ("PREPARE s FROM '/*!KILL QUERY id*/'", lambda s, m: rows(s, f"PREPARE s FROM '/*!KILL QUERY {target}*/'")),
        ("EXECUTE IMMEDIATE 'KILL id'", lambda s, m: rows(s, f"EXECUTE IMMEDIATE 'KILL {target}'")),
        ("EXECUTE IMMEDIATE 'KILL QUERY id'", lambda s, m: rows(s, f"EXECUTE IMMEDIATE 'KILL QUERY {target}'")),
        ("SET @q = 'KILL id'; PREPARE s FROM @q (batch)",
         lambda s, m: rows(m, f"SET @q = 'KILL {target}'; PREPARE s FROM @q")),
        ("PREPARE s FROM @q (@q = 'KILL id')", lambda s, m: rows(s, "PREPARE s FROM @q")),
        ("EXECUTE IMMEDIATE @q (@q = 'KILL id')", lambda s, m: rows(s, "EXECUTE IMMEDIATE @q")),
        ("EXECUTE IMMEDIATE CONCAT('KI','LL ', id)",
         lambda s, m: rows(s, f"EXECUTE IMMEDIATE CONCAT('KI','LL ', {target})")),
        ("PREPARE s FROM CONCAT('KILL ', id)", lambda s, m: rows(s, f"PREPARE s FROM CONCAT('KILL ', {target})")),
        ("CREATE PROCEDURE p() KILL id", lambda s, m: rows(s, f"CREATE PROCEDURE sstest_kill_p() KILL {target}")),
        ("CREATE PROCEDURE p() BEGIN KILL QUERY id; END",
         lambda s, m: rows(s, f"CREATE PROCEDURE sstest_kill_p() BEGIN KILL QUERY {target}; END")),
    ]


def attempt_refused_forms(a, am, target):
    """Every refused form on killer sessions a (plain) and am (multi-statements): 1235 each.
    Returns the list of failures (form: what happened)."""
    rows(a, f"SET @q = 'KILL {target}'")
    failures = []
    for what, fn in refused_kill_forms(target):
        try:
            fn(a, am)
            failures.append(f"{what}: succeeded")
        except pymysql.MySQLError as e:
            if e.args[0] != 1235:
                failures.append(f"{what}: ERR {e.args[0]} {e.args[1] if len(e.args) > 1 else ''}")
        except Exception as e:  # noqa: BLE001 - a dropped connection
            failures.append(f"{what}: {e!r}")
            return failures
    return failures


def test_kill_in_batches_prepared_text_and_programs_refused():
    a = conn()
    am = conn(client_flag=CLIENT.MULTI_STATEMENTS)
    b = conn()
    try:
        bid = b.thread_id()
        # B idle between attempts: refused forms must not end its session.
        failures = attempt_refused_forms(a, am, bid)
        alive(b, "B after the refused KILLs (idle)")
        # B running a statement: none of them may interrupt it.
        s = Sleeper(b, 3)
        wait_running(a, bid)
        failures += attempt_refused_forms(a, am, bid)
        res = s.join(10)
        check(not failures, "forms not refused with 1235:\n  " + "\n  ".join(failures))
        check_eq(res, ("ok", 0), "B's SLEEP(3) ran to its end while the refused KILLs were tried")
        alive(b, "B after the refused KILLs (running)")
        check_eq(b.thread_id(), bid, "B kept its session")
        alive(a, "A")
        alive(am, "A (multi-statements)")
        for node in ("p0", "p1"):
            with backend(node) as direct:
                check(not rows(direct, "SELECT ROUTINE_SCHEMA FROM information_schema.ROUTINES "
                                       "WHERE ROUTINE_NAME = 'sstest_kill_p'"), f"no procedure was created on {node}")
    finally:
        closing(a, am, b)


def test_backend_thread_id_cannot_be_killed():
    a = conn()
    am = conn(client_flag=CLIENT.MULTI_STATEMENTS)
    b = conn()
    try:
        s = Sleeper(b, 4)
        tid = wait_for("B's backend thread on p0", lambda: backend_thread_running("SELECT SLEEP(4)"), 3)
        check(tid < SESSION_ID_BASE, f"backend thread id {tid}")
        failures = []
        for sql in [f"KILL {tid}", f"KILL QUERY {tid}", f"KILL CONNECTION {tid}", f"KILL HARD QUERY {tid}",
                    f"/*!KILL QUERY {tid}*/", f"/*!KILL {tid}*/", f"/*M!100000 KILL {tid}*/",
                    f"/*M!100000 KILL QUERY {tid}*/"]:
            try:
                rows(a, sql)
                failures.append(f"{sql}: succeeded")
            except pymysql.MySQLError as e:
                if e.args[0] != 1094:
                    failures.append(f"{sql}: ERR {e.args[0]} (expected 1094, no such proxy session)")
        # Spellings the server reads as a KILL of that thread: translated (no such proxy
        # session, 1094) or refused (1235), never forwarded.
        rows(a, f"SET @v = {tid}")
        for sql in [f"kill query {tid}", f"KILL\tQUERY\n{tid}", f"KILL QUERY {tid};", f"KILL QUERY {tid} # c",
                    f"KILL QUERY -- c\n {tid}", f"KILL /*x*/ QUERY {tid}", f"/*!KILL*/ QUERY {tid}",
                    f"KILL /*!QUERY*/ {tid}", f"/*!KILL QUERY*/ {tid}", f"KILL QUERY /*!{tid}*/",
                    f"/*!40000 KILL QUERY {tid}*/", f"KILL SOFT {tid}", f"KILL HARD CONNECTION {tid}",
                    f"KILL QUERY 0{tid}", f"KILL QUERY 0x{tid:x}", f"KILL QUERY '{tid}'", f"KILL QUERY ({tid})",
                    f"KILL QUERY {tid}.0", f"KILL QUERY {tid}e0", f"KILL QUERY +{tid}", f"KILL QUERY X'{tid:04x}'",
                    f"KILL QUERY b'{tid:b}'", "KILL QUERY @v", f"KILL QUERY {tid};;", f"(KILL QUERY {tid})",
                    f"SET STATEMENT max_statement_time=100 FOR KILL QUERY {tid}"]:
            try:
                rows(a, sql)
                failures.append(f"{sql!r}: succeeded")
            except pymysql.MySQLError as e:
                if e.args[0] not in (1094, 1235):
                    failures.append(f"{sql!r}: ERR {e.args[0]} (expected 1094 or 1235)")
        try:
            a.kill(tid)  # COM_PROCESS_KILL
            failures.append("COM_PROCESS_KILL: succeeded")
        except pymysql.MySQLError as e:
            if e.args[0] != 1094:
                failures.append(f"COM_PROCESS_KILL: ERR {e.args[0]} (expected 1094)")
        failures += attempt_refused_forms(a, am, tid)
        res = s.join(10)
        check(not failures, "KILL of a backend thread id not refused:\n  " + "\n  ".join(failures))
        check_eq(res, ("ok", 0), "B's SLEEP(4) on that backend thread was not interrupted")
        check(backend_thread_exists(tid), f"backend thread {tid} still exists on p0")
        alive(b, "B")
        alive(a, "A")
    finally:
        closing(a, am, b)


def test_kill_of_another_users_session_is_1095():
    a = conn()
    h = conn(user=HASH_USER, password=HASH_PASSWORD)
    try:
        hid, aid = h.thread_id(), a.thread_id()
        for sql in [f"KILL {hid}", f"KILL QUERY {hid}", f"KILL CONNECTION {hid}", f"/*!KILL QUERY {hid}*/",
                    f"/*M!100000 KILL {hid}*/"]:
            expect_error(1095, rows, a, sql)
        expect_error(1095, a.kill, hid)
        alive(h, "the other user's session")
        check_eq(h.thread_id(), hid, "it kept its session")
        expect_error(1095, rows, h, f"KILL {aid}")
        expect_error(1095, rows, h, f"/*!KILL QUERY {aid}*/")
        alive(a, "app's session")
    finally:
        closing(a, h)


# --- 3. process lists -----------------------------------------------------------------
def ids_of(pl):
    return sorted(r[0] for r in pl)


def test_processlist_shows_own_sessions_with_proxy_ids():
    apps = [conn() for _ in range(3)]
    hashes = [conn(user=HASH_USER, password=HASH_PASSWORD) for _ in range(2)]
    try:
        app_ids = sorted(c.thread_id() for c in apps)
        hash_ids = sorted(c.thread_id() for c in hashes)
        for c in apps + hashes:
            check_eq(one(c, "SELECT CONNECTION_ID()"), c.thread_id(), "CONNECTION_ID() is the handshake's id")
        # Earlier sessions of this test may take a moment to leave the list: wait for exactly ours.
        wait_for("SHOW PROCESSLIST lists exactly app's sessions",
                 lambda: ids_of(processlist(apps[0])) == app_ids, 5)
        backend_ids = set()
        for node in ("p0", "p1"):
            with backend(node) as b:
                backend_ids |= {r[0] for r in rows(b, "SELECT ID FROM information_schema.PROCESSLIST")}
        for sql in ("SHOW PROCESSLIST", "SHOW FULL PROCESSLIST", "show full processlist"):
            for who, c, mine in [("app", apps[1], app_ids), (HASH_USER, hashes[0], hash_ids)]:
                pl = processlist(c, sql)
                check_eq(ids_of(pl), mine, f"{sql} as {who}: ids")
                check_eq({r[1] for r in pl}, {who}, f"{sql} as {who}: users")
                check(not (set(ids_of(pl)) & backend_ids), f"{sql} as {who}: no backend thread ids")
                check(all(r[0] >= SESSION_ID_BASE for r in pl), f"{sql} as {who}: proxy ids")
                me = [r for r in pl if r[0] == c.thread_id()]
                check_eq(len(me), 1, f"{sql} as {who}: own row")
                check_eq((me[0][4], (me[0][7] or "").upper()), ("Query", sql.upper()),
                         f"{sql} as {who}: own row's Command and Info")
                check_eq(len(pl[0]), 9, f"{sql}: columns (Id..Progress)")
    finally:
        closing(*apps, *hashes)


def test_processlist_hides_other_users_statements():
    a = conn()
    h = conn(user=HASH_USER, password=HASH_PASSWORD)
    h2 = conn(user=HASH_USER, password=HASH_PASSWORD)
    try:
        hid = h.thread_id()
        s = Sleeper(h, 2)
        wait_running(h2, hid)
        pl = processlist(a, "SHOW FULL PROCESSLIST")
        check(hid not in ids_of(pl), f"hashuser's running session not listed to app: {pl}")
        check(not any(r[7] and "SLEEP" in r[7] for r in pl), f"no other user's statement in Info: {pl}")
        cnt = one(a, "SELECT COUNT(*) FROM information_schema.processlist p WHERE p.USER <> 'app'")
        check_eq(cnt, 0, "information_schema.processlist rows of other users, as a non-admin")
        cnt = one(a, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP%'")
        check_eq(cnt, 0, "other user's running statement in information_schema.PROCESSLIST")
        check_eq(s.join(5), ("ok", 0), "hashuser's SLEEP")
    finally:
        closing(a, h, h2)


def test_admin_sees_every_users_sessions():
    apps = [conn() for _ in range(2)]
    h = conn(user=HASH_USER, password=HASH_PASSWORD)
    adm = conn(user=ADMIN_USER, password=ADMIN_PASSWORD)
    try:
        everyone = sorted([c.thread_id() for c in apps] + [h.thread_id(), adm.thread_id()])
        wait_for("admin's SHOW PROCESSLIST lists every session", lambda: ids_of(processlist(adm)) == everyone, 5)
        pl = processlist(adm, "SHOW FULL PROCESSLIST")
        check_eq(ids_of(pl), everyone, "SHOW FULL PROCESSLIST as admin")
        check_eq({r[1] for r in pl}, {"app", HASH_USER, ADMIN_USER}, "users seen by admin")
        got = rows(adm, "SELECT ID, USER FROM information_schema.PROCESSLIST ORDER BY ID")
        check_eq([r[0] for r in got], everyone, "information_schema.PROCESSLIST as admin")
        check(one(adm, f"SELECT COUNT(*) FROM information_schema.processlist p WHERE p.USER <> '{ADMIN_USER}'") == 3,
              "admin counts the other users' sessions")
        # The others still see only their own.
        check_eq(ids_of(processlist(h)), [h.thread_id()], "hashuser beside an admin")
        check_eq(ids_of(processlist(apps[0])), sorted(c.thread_id() for c in apps), "app beside an admin")
    finally:
        closing(*apps, h, adm)


def test_information_schema_processlist_ids():
    apps = [conn() for _ in range(3)]
    h = conn(user=HASH_USER, password=HASH_PASSWORD)
    try:
        app_ids = sorted(c.thread_id() for c in apps)
        wait_for("SHOW PROCESSLIST lists exactly app's sessions", lambda: ids_of(processlist(apps[0])) == app_ids, 5)
        got = rows(apps[0], "SELECT ID, USER, COMMAND FROM information_schema.PROCESSLIST WHERE USER = 'app' ORDER BY ID")
        check_eq([r[0] for r in got], app_ids, "information_schema.PROCESSLIST ids = the sessions' CONNECTION_ID()")
        check_eq([r[0] for r in got], ids_of(processlist(apps[1])), "same ids as SHOW PROCESSLIST")
        check_eq({r[1] for r in got}, {"app"}, "users")
        commands = {r[0]: r[2] for r in got}
        check_eq(commands[apps[0].thread_id()], "Query", "the caller's Command")
        check_eq(sorted(commands[c.thread_id()] for c in apps[1:]), ["Sleep", "Sleep"], "idle sessions' Command")
        check_eq(one(apps[0], "SELECT COUNT(*) FROM information_schema.processlist p WHERE p.USER <> 'app'"), 0,
                 "other users' rows for a non-admin")
        check_eq(one(h, f"SELECT COUNT(*) FROM information_schema.processlist p WHERE p.USER <> '{HASH_USER}'"), 0,
                 "other users' rows for hashuser")
    finally:
        closing(*apps, h)


def test_connection_id_is_the_session_id_everywhere():
    """CONNECTION_ID() is the proxy's session id (README) in every statement form, so that
    `information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()` finds the caller's row and no
    backend thread id reaches the client."""
    c = conn(client_flag=CLIENT.MULTI_STATEMENTS)
    try:
        me = c.thread_id()
        failures = []
        for sql in ["SELECT CONNECTION_ID()", "SELECT connection_id()", "/*!SELECT CONNECTION_ID()*/",
                    "SELECT 1; SELECT CONNECTION_ID()",
                    "SELECT `CONNECTION_ID`()",
                    "SELECT CONNECTION_ID() FROM t WHERE user_id = 1",
                    "SELECT CONNECTION_ID(), COUNT(*) FROM t",
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()",
                    "SELECT CONNECTION_ID() FROM information_schema.PROCESSLIST"]:
            try:
                with c.cursor() as cur:
                    cur.execute(sql)
                    got = cur.fetchall()
                    while cur.nextset():
                        got = cur.fetchall()
                value = got[0][0] if got else None
                if value != me:
                    failures.append(f"{sql}: {value} (session id {me})")
            except pymysql.MySQLError as e:
                failures.append(f"{sql}: ERR {e.args[0]} {e.args[1] if len(e.args) > 1 else ''}")
        # Known gap (docs/sessions.md): inside PREPARE'd / EXECUTE IMMEDIATE text the
        # server's own CONNECTION_ID() answers. Reported, not failed.
        with c.cursor() as cur:
            cur.execute("EXECUTE IMMEDIATE 'SELECT CONNECTION_ID()'")
            print(f"KNOWN GAP: EXECUTE IMMEDIATE 'SELECT CONNECTION_ID()' gives {cur.fetchall()[0][0]} "
                  f"(session id {me})", flush=True)
        check(not failures, "CONNECTION_ID() is not the session id:\n  " + "\n  ".join(failures))
    finally:
        c.close()


def test_running_statement_shows_digest():
    a, b = conn(), conn()
    try:
        bid = b.thread_id()
        s = Sleeper(b, 2)
        wait_running(a, bid)
        row = [r for r in processlist(a, "SHOW FULL PROCESSLIST") if r[0] == bid]
        check_eq(len(row), 1, "B listed")
        command, info = row[0][4], row[0][7]
        check_eq(command, "Query", "B's Command")
        check(info is not None and "SLEEP" in info.upper() and "?" in info and "2" not in info,
              f"B's Info is the digest with literals as '?': {info!r}")
        row = rows(a, f"SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = {bid}")
        check(len(row) == 1 and row[0][0] == "Query" and row[0][1] == info,
              f"information_schema.PROCESSLIST row of B: {row}")
        check_eq(s.join(5), ("ok", 0), "B's SLEEP(2)")
    finally:
        closing(a, b)


# --- 4. binary-protocol prepared statements -------------------------------------------
def test_prepared_kill_and_processlist_refused():
    victim = conn()
    try:
        vid = victim.thread_id()
        with stmt_wire.StmtConn(HOST, proxy.port, db=LOGICAL) as c:
            failures = []
            for sql in ["KILL 1", f"KILL {vid}", f"KILL QUERY {vid}", f"/*!KILL {vid}*/", "SHOW PROCESSLIST",
                        "SHOW FULL PROCESSLIST", "SELECT ID FROM information_schema.PROCESSLIST"]:
                try:
                    s = c.prepare(sql)
                    failures.append(f"{sql}: prepared (statement {s.id})")
                    c.close_stmt(s)
                except stmt_wire.ServerError as e:
                    if (e.errno, e.sqlstate) != (1235, "42000"):
                        failures.append(f"{sql}: ERR {e.errno} ({e.sqlstate}) {e.message}")
            check(not failures, "prepared KILL / PROCESSLIST not refused with 1235:\n  " + "\n  ".join(failures))
            check_eq(c.must("SELECT 1").rows, [(b"1",)], "the session goes on")
        alive(victim, "the session KILL named")
        check_eq(victim.thread_id(), vid, "it kept its session")
    finally:
        closing(victim)


def test_connect_attrs_with_proxy_ids():
    """performance_schema.SESSION_CONNECT_ATTRS is answered from the proxy's sessions: the
    attributes each client sent, under its CONNECTION_ID(); a user sees their own sessions
    (an admin every session); SESSION_ACCOUNT_CONNECT_ATTRS only the caller's account."""
    a, b = conn(program_name="sw-attr-a"), conn(program_name="sw-attr-b")
    h = conn(user=HASH_USER, password=HASH_PASSWORD, program_name="sw-attr-h")
    adm = conn(user=ADMIN_USER, password=ADMIN_PASSWORD, program_name="sw-attr-adm")
    q = ("SELECT PROCESSLIST_ID, ATTR_VALUE FROM performance_schema.session_connect_attrs "
         "WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE LIKE 'sw-attr-%' ORDER BY PROCESSLIST_ID")
    try:
        mine = rows(a, "SELECT ATTR_NAME, ATTR_VALUE, ORDINAL_POSITION FROM performance_schema.SESSION_CONNECT_ATTRS "
                       "WHERE PROCESSLIST_ID = CONNECTION_ID() ORDER BY ORDINAL_POSITION")
        check(("program_name", "sw-attr-a") in [(r[0], r[1]) for r in mine], f"own attributes: {mine}")
        check(("_client_name", "pymysql") in [(r[0], r[1]) for r in mine], f"own attributes: {mine}")
        check_eq([r[2] for r in mine], list(range(len(mine))), "ordinal positions")
        check_eq(rows(a, q), tuple(sorted(((a.thread_id(), "sw-attr-a"), (b.thread_id(), "sw-attr-b")))),
                 "app sees the attributes of app's sessions only")
        seen = {r[0] for r in rows(adm, q)}
        check_eq(seen, {a.thread_id(), b.thread_id(), h.thread_id(), adm.thread_id()}, "an admin sees every session")
        account = rows(adm, "SELECT DISTINCT PROCESSLIST_ID FROM performance_schema.session_account_connect_attrs")
        check_eq([r[0] for r in account], [adm.thread_id()], "SESSION_ACCOUNT_CONNECT_ATTRS: the caller's account")
        joined = one(a, "SELECT COUNT(*) FROM information_schema.PROCESSLIST p JOIN "
                        "performance_schema.session_connect_attrs c ON c.PROCESSLIST_ID = p.ID "
                        "WHERE c.ATTR_NAME = 'program_name' AND p.ID = CONNECTION_ID()")
        check_eq(joined, 1, "PROCESSLIST joined with the attributes by session id")
        expect_error(1235, rows, a, "SELECT * FROM session_connect_attrs")
    finally:
        closing(a, b, h, adm)


def start():
    global proxy
    proxy = Proxy("statement_safety", config={"schemas": SCHEMAS, "users": USERS}).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_setup,
                test_deep_parentheses_refused, test_deep_unary_minus_refused, test_long_plus_chain_refused,
                test_deep_subqueries_refused, test_long_join_chain_refused, test_long_or_chain_works,
                test_versioned_kill_query_is_translated, test_mariadb_versioned_kill_connection_is_translated,
                test_kill_in_batches_prepared_text_and_programs_refused, test_backend_thread_id_cannot_be_killed,
                test_kill_of_another_users_session_is_1095,
                test_processlist_shows_own_sessions_with_proxy_ids, test_processlist_hides_other_users_statements,
                test_admin_sees_every_users_sessions, test_information_schema_processlist_ids,
                test_connection_id_is_the_session_id_everywhere,
                test_running_statement_shows_digest,
                test_prepared_kill_and_processlist_refused, test_connect_attrs_with_proxy_ids], start)
