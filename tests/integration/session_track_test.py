#!/usr/bin/python3
"""CLIENT_SESSION_TRACK as clients see it: the session state reports in every OK (and
OK-form terminator) through the proxy are those the server sends to the same client
directly, byte for byte: schema at login and after USE / COM_INIT_DB, system variables
after SET NAMES / autocommit / time_zone, everything after session_track_system_variables
= '*', state changes once the client's session asks for them, nothing after
COM_RESET_CONNECTION, and the same through prepared statements and batches.

Backend connections always track state changes (the proxy's own witness); a client
whose session does not must never see those entries, including when its statements
run on a connection another session used before (workers 1, interleaved sessions).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, check, check_eq, cluster_port, main_cases  # noqa: E402

CLIENT_SESSION_TRACK = 1 << 23
CAPS = (wire.BASE_CAPS | wire.CLIENT_DEPRECATE_EOF | wire.CLIENT_MULTI_STATEMENTS | wire.CLIENT_PLUGIN_AUTH_LENENC
        | CLIENT_SESSION_TRACK)
STATE_CHANGED = 0x4000
proxy = None


def reports(p):
    """(status, [(type, data)]) of an OK payload (0x00 or 0xFE header)."""
    _, pos = wire.read_lenenc(p, 1)
    _, pos = wire.read_lenenc(p, pos)
    status, _ = struct.unpack_from("<HH", p, pos)
    pos += 4
    entries = []
    if status & STATE_CHANGED and pos < len(p):
        n, pos = wire.read_lenenc(p, pos)
        pos += n  # info
        total, pos = wire.read_lenenc(p, pos)
        end = pos + total
        while pos < end:
            t = p[pos]
            n, pos = wire.read_lenenc(p, pos + 1)
            entries.append((t, p[pos:pos + n]))
            pos += n
    return status, entries


class Session:
    """A raw session that records every OK's status and state report."""

    def __init__(self, port, db=None, caps=CAPS):
        self.c = wire.Conn(HOST, port, timeout=30)
        self.c.read_greeting()
        self.c.send(wire.packet(self.c.handshake_response("app", "app", caps, db), 1))
        _, p = self.c.read_packet()
        check(p[:1] == b"\x00", f"login: {p[:80]!r}")
        self.log = [("login", reports(p))]

    def record(self, what):
        while True:
            r = wire.read_response(self.c, True)
            last = r["packets"][-1]
            self.log.append((what, r["kind"], r.get("err") or reports(last)))
            if r["kind"] == "err" or not (r.get("status", 0) & 0x0008):
                return

    def query(self, sql):
        self.c.command(wire.COM_QUERY, sql.encode())
        self.record(sql)

    def command(self, cmd, arg=b"", what=None):
        self.c.command(cmd, arg)
        _, p = self.c.read_packet()
        self.log.append((what or hex(cmd), "ok" if p[:1] == b"\x00" else "err", reports(p) if p[:1] == b"\x00" else p))

    def prepared(self, sql):
        """Prepare, execute (no parameters), close: the execute's report is recorded."""
        self.c.command(0x16, sql.encode())
        _, p = self.c.read_packet()
        check(p[:1] == b"\x00", f"prepare {sql}: {p[:80]!r}")
        stmt, columns, params = struct.unpack_from("<IHH", p, 1)
        for _ in range(columns + params):
            self.c.read_packet()
        self.c.command(0x17, struct.pack("<IBI", stmt, 0, 1))
        self.record("prepared " + sql)
        self.c.command(0x19, struct.pack("<I", stmt))

    def close(self):
        self.c.close()


def run(script, port, db):
    s = Session(port, db)
    try:
        script(s)
        return s.log
    finally:
        s.close()


def compare(script, db=None):
    direct = run(script, cluster_port("p0"), db)
    through = run(script, proxy.port, db)
    check_eq(len(through), len(direct), "responses")
    for d, t in zip(direct, through):
        check_eq(t, d, f"after {d[0]!r}")
    return direct


def test_schema():
    def script(s):
        s.query("USE information_schema")
        s.command(0x02, b"mysql", "COM_INIT_DB mysql")
        s.query("SELECT DATABASE()")
        s.query("USE mysql")
    log = compare(script, db="mysql")
    check_eq(log[0][1][1], [(1, b"\x05mysql")], "login reports the database")
    compare(script)


def test_system_variables():
    def script(s):
        s.query("SET NAMES latin1")
        s.query("SET @a = 1")  # a user variable: no report unless state changes are tracked
        s.query("SET autocommit = 0")
        s.query("SELECT 1")
        s.query("COMMIT")
        s.query("SET autocommit = 1")
        s.query("SET time_zone = '+01:00'; SELECT 2; SET NAMES utf8mb4")
        s.query("SET session_track_system_variables = '*'")
        s.query("SET sql_mode = 'ANSI'")
        s.query("SET sql_mode = DEFAULT")
        s.query("SET max_join_size = 1000000")
    log = compare(script, db="mysql")
    names = [e for step in log if step[0] == "SET NAMES latin1" for e in step[2][1]]
    check(any(t == 0 and b"character_set_client" in data for t, data in names), f"SET NAMES reported: {names}")


def test_state_change_tracking():
    def script(s):
        s.query("SET @x = 1")
        s.query("CREATE TEMPORARY TABLE sw_track_tmp (i INT)")
        s.query("SET session_track_state_change = 1")
        s.query("SET @y = 2")
        s.query("SELECT @y")
        s.query("SET session_track_state_change = 0")
        s.query("SET @z = 3")
    compare(script, db="mysql")


def test_reset_and_prepared():
    def script(s):
        s.query("SET NAMES latin1")
        s.command(0x1F, b"", "COM_RESET_CONNECTION")
        s.query("SELECT @@character_set_client")
        s.prepared("SET NAMES utf8mb4")
        s.prepared("SET time_zone = '+02:00'")
        s.prepared("SELECT 1")
        s.command(0x0E, b"", "COM_PING")
    compare(script, db="mysql")


def test_other_sessions_between():
    """Statements of one session on connections other sessions used: no report of the
    proxy's own restating of state, no state-change entries the client did not ask for."""
    others = [Session(proxy.port, "mysql") for _ in range(2)]

    def script(s):
        if s.c.sock.getpeername()[1] == proxy.port:
            for o in others:
                o.query("SET NAMES utf8mb4")
                o.query("SELECT 1")
        s.query("SET NAMES latin1")
        for o in others if s.c.sock.getpeername()[1] == proxy.port else []:
            o.query("SET time_zone = '-03:00'")
            o.query("SELECT 2")
        s.query("SELECT 3")
        s.query("SET @v = 1")
        s.query("SELECT @@time_zone")
    try:
        compare(script, db="mysql")
    finally:
        for o in others:
            o.close()


def test_clients_without_tracking():
    """A client that did not ask for reports never gets one."""
    s = Session(proxy.port, "mysql", caps=CAPS & ~CLIENT_SESSION_TRACK)
    try:
        for sql in ("SET NAMES latin1", "USE information_schema", "SET session_track_state_change = 1", "SET @a = 1"):
            s.query(sql)
        for step in s.log:
            status = step[1][0] if step[0] == "login" else step[2][0]
            check(not status & STATE_CHANGED, f"{step[0]}: SESSION_STATE_CHANGED without CLIENT_SESSION_TRACK")
    finally:
        s.close()


def main():
    def start():
        global proxy
        proxy = Proxy("session-track-proxy", config={"workers": 1}).start()
        return [proxy]

    main_cases([test_schema, test_system_variables, test_state_change_tracking, test_reset_and_prepared,
                test_other_sessions_between, test_clients_without_tracking], start)


if __name__ == "__main__":
    main()
