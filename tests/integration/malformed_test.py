#!/usr/bin/python3
"""Malformed, hostile and odd clients on raw sockets.

Each case uses its own connection and asserts the proxy either answers an ERR packet
with the expected errno or closes the connection, within a bounded time. After EVERY
case, healthy pymysql sessions opened before the first case (kept open throughout)
still run SELECT 1, and a new connection works.

Proxies: `main` (max_allowed_packet 1 MiB, handshake_timeout_ms 1000), `big`
(max_allowed_packet 20 MiB, for a real multi-packet message over the limit) and
`idle` (client_idle_timeout_s 1; its own proxy so the healthy sessions survive).
"""
import os
import sys
import struct
import time

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, check, check_eq, main_cases, rss_kb  # noqa: E402
from wire import BASE_CAPS, Closed, Conn, header, packet  # noqa: E402

CLOSE_WITHIN = 3.0  # seconds the proxy has to react to a broken client
CLIENT_INTERACTIVE = 1 << 10
P = {}              # name -> Proxy
HEALTHY = {}        # name -> pymysql session opened before the cases


def raw(name="main", timeout=5.0):
    return Conn(HOST, P[name].port, timeout=timeout)


def expect_err_or_close(c, codes, require_err=False, timeout=CLOSE_WITHIN):
    """Reads until the proxy closes; any ERR must carry one of `codes`."""
    packets, waited = c.read_until_closed(timeout)
    errs = [wire.parse_err(p) for _, p in packets if p[:1] == b"\xff"]
    others = [p[:32] for _, p in packets if p[:1] != b"\xff"]
    check(not others, f"unexpected non-ERR packets before close: {others}")
    if require_err:
        check(len(errs) == 1, f"expected exactly one ERR packet before close, got {errs}")
    for code, state, msg in errs:
        check(code in codes, f"ERR {code} ({state}) {msg!r}: expected errno in {codes}")
    return errs, waited


def expect_err_stays_open(c, code):
    seq, p = c.read_packet()
    check(p[:1] == b"\xff", f"expected ERR, got {p[:32]!r}")
    got = wire.parse_err(p)
    check_eq(got[0], code, f"errno of {got}")
    check_eq(seq, 1, "sequence id of the ERR")
    c.command(wire.COM_PING)
    c.expect_ok()  # the session is still usable
    return got


def after_case():
    for name, conn in HEALTHY.items():
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            check_eq(cur.fetchone(), (1,), f"healthy session on {name}")
    for name in HEALTHY:
        check_eq(P[name].value("SELECT 2"), 2, f"new connection to {name}")


def case(fn):
    def wrapped():
        fn()
        after_case()
    wrapped.__name__ = fn.__name__
    return wrapped


# --- handshake phase -------------------------------------------------------------
@case
def truncated_header():
    with raw() as c:
        c.read_greeting()
        c.send(b"\x05\x00")
        c.shutdown_write()
        expect_err_or_close(c, {1043})


@case
def header_claims_more_than_sent():
    with raw() as c:
        c.read_greeting()
        c.send(header(100, 1) + b"\x0f" * 10)
        c.shutdown_write()
        expect_err_or_close(c, {1043})


@case
def handshake_wrong_sequence_id():
    with raw() as c:
        c.read_greeting()
        c.send(packet(c.handshake_response(), 5))
        expect_err_or_close(c, {1043, 1156}, require_err=True)


@case
def handshake_garbage_framed():
    with raw() as c:
        c.read_greeting()
        c.send(packet(b"\x01\x02\x03", 1))
        expect_err_or_close(c, {1043, 1835}, require_err=True)


@case
def handshake_garbage_http():
    with raw() as c:
        c.read_greeting()
        c.send(b"GET / HTTP/1.1\r\nHost: shardwire\r\n\r\n")
        expect_err_or_close(c, {1043, 1153, 1156})


@case
def handshake_user_without_nul():
    with raw() as c:
        c.read_greeting()
        body = c.handshake_response()[:32] + b"app"
        c.send(packet(body, 1))
        expect_err_or_close(c, {1043, 1835}, require_err=True)


@case
def handshake_auth_length_beyond_payload():
    for caps, length in ((BASE_CAPS | wire.CLIENT_PLUGIN_AUTH_LENENC, wire.lenenc(200)), (BASE_CAPS, b"\xfa")):
        with raw() as c:
            c.read_greeting()
            full = c.handshake_response(caps=caps)
            body = full[:32] + b"app\0" + length + b"\x11" * 20
            c.send(packet(body, 1))
            expect_err_or_close(c, {1043, 1835}, require_err=True)


@case
def handshake_without_protocol_41():
    with raw() as c:
        c.read_greeting()
        c.send(packet(c.handshake_response(caps=BASE_CAPS & ~wire.CLIENT_PROTOCOL_41), 1))
        expect_err_or_close(c, {1043, 1251}, require_err=True)


@case
def ssl_request():
    with raw() as c:
        c.read_greeting()
        check(not c.server_caps & wire.CLIENT_SSL, "TLS is not configured: not offered")
        c.send(packet(struct.pack("<IIB", BASE_CAPS | wire.CLIENT_SSL, 1 << 24, 45) + b"\0" * 23, 1))
        expect_err_or_close(c, {1043})


@case
def wrong_password_then_close():
    with raw() as c:
        c.read_greeting()
        c.send(packet(c.handshake_response(password="wrong"), 1))
        errs, _ = expect_err_or_close(c, {1045}, require_err=True)
        check("Access denied for user 'app'" in errs[0][2], errs)


@case
def silent_client_handshake_timeout():
    with raw() as c:
        t0 = time.monotonic()
        c.read_greeting()
        _, waited = expect_err_or_close(c, {1043, 1159}, timeout=CLOSE_WITHIN)
        elapsed = time.monotonic() - t0
        check(elapsed >= 0.8, f"closed after {elapsed:.2f}s, before handshake_timeout_ms=1000")


@case
def handshake_half_then_silent():
    with raw() as c:
        c.read_greeting()
        c.send(packet(c.handshake_response(), 1)[:20])
        expect_err_or_close(c, {1043, 1159}, timeout=CLOSE_WITHIN)


# --- command phase -----------------------------------------------------------------
@case
def command_wrong_sequence_id():
    with raw() as c:
        c.login()
        c.send(packet(b"\x03SELECT 1", 3))
        expect_err_or_close(c, {1156}, require_err=True)


@case
def command_zero_length():
    with raw() as c:
        c.login()
        c.send(header(0, 0))
        expect_err_or_close(c, {1835}, require_err=True)


@case
def command_unknown_byte():
    with raw() as c:
        c.login()
        c.command(0x7F, b"whatever")
        expect_err_stays_open(c, 1047)


@case
def command_binlog_dump():
    with raw() as c:
        c.login()
        # COM_BINLOG_DUMP: pos u32, flags u16, server id u32, file name
        c.command(0x12, b"\x04\0\0\0\0\0\x39\x30\0\0mysql-bin.000001")
        seq, p = c.read_packet()
        check(p[:1] == b"\xff", f"COM_BINLOG_DUMP must be refused, got {p[:32]!r}")
        check(wire.parse_err(p)[0] in (1047, 1235), wire.parse_err(p))
    with raw() as c:  # COM_REGISTER_SLAVE and COM_BINLOG_DUMP_GTID too
        c.login()
        for cmd in (0x15, 0x1E):
            c.command(cmd, b"\0" * 18)
            seq, p = c.read_packet()
            check(p[:1] == b"\xff" and wire.parse_err(p)[0] in (1047, 1235), f"command 0x{cmd:02x}: {p[:32]!r}")


@case
def command_header_claims_more_then_close():
    with raw() as c:
        c.login()
        c.send(header(100, 0) + b"\x03SELECT")
        c.shutdown_write()
        expect_err_or_close(c, {1043, 1835, 1156})


@case
def command_over_max_allowed_packet_one_header():
    with raw() as c:
        c.login()
        c.send(header(2 << 20, 0) + b"\x03SELECT '")
        expect_err_or_close(c, {1153}, require_err=True)
    with raw() as c:  # the header of a full 16 MiB packet, i.e. the start of a multi-packet message
        c.login()
        c.send(header(0xFFFFFF, 0))
        expect_err_or_close(c, {1153}, require_err=True)


@case
def command_over_max_allowed_packet_multi_packet():
    big = P["big"]
    # under the limit: a 19 MiB multi-packet query works
    conn = big.connect(max_allowed_packet=64 << 20)
    with conn.cursor() as cur:
        cur.execute("SELECT LENGTH('" + "x" * (19 << 20) + "')")
        check_eq(cur.fetchone(), (19 << 20,), "19 MiB query through a 20 MiB proxy")
    conn.close()
    # over: 16 MiB - 1 packet, then the header of a 5 MiB continuation (21 MiB in all)
    with raw("big", timeout=30) as c:
        c.login()
        first = b"\x03SELECT '" + b"y" * (0xFFFFFF - 9)
        try:
            c.send(packet(first, 0) + header(5 << 20, 1))
        except Closed:
            pass  # the proxy may reject before reading it all
        expect_err_or_close(c, {1153}, timeout=10)


@case
def pipelined_commands():
    with raw() as c:
        c.login()
        c.send(packet(b"\x0e", 0) + packet(b"\x03SELECT 1", 0) + packet(b"\x0e", 0))
        c.expect_ok()
        r = wire.read_response(c)
        check_eq((r["kind"], r["rows"]), ("rows", [b"\x011"]), "SELECT 1 between two pings")
        check_eq(r["seqs"], [1, 2, 3, 4, 5], "sequence ids of the result set")
        c.expect_ok()


@case
def disconnect_mid_result():
    with raw(timeout=10) as c:
        c.login()
        c.command(wire.COM_QUERY, b"SELECT CONNECTION_ID()")
        pkts = [c.read_packet() for _ in range(5)]  # count, def, EOF, row, EOF
        backend_id = int(pkts[3][1][1:].decode())
        c.command(wire.COM_QUERY, b"SELECT seq, REPEAT('x', 200) FROM sbtest.seq_1_to_3000000")
        for _ in range(2000):
            c.read_packet()
    # the backend connection was mid-response: it must be dropped, never reused
    ids = set()
    for i in range(20):
        conn = P["main"].connect()
        with conn.cursor() as cur:
            cur.execute("SELECT CONNECTION_ID(), COUNT(*), SUM(seq) FROM sbtest.seq_1_to_1000")
            cid, n, total = cur.fetchone()
            check_eq((n, int(total)), (1000, 500500), f"session {i} result")
            ids.add(cid)
            cur.execute("SELECT 'still in sync'")
            check_eq(cur.fetchone(), ("still in sync",), f"session {i} second statement")
        conn.close()
    check(backend_id not in ids, f"backend connection {backend_id} reused after a broken response")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with HEALTHY["main"].cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s", (backend_id,))
            if cur.fetchone()[0] == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"backend thread {backend_id} still on p0 10 s after its client vanished")


@case
def idle_timeout():
    with Conn(HOST, P["idle"].port) as c:
        c.login()
        t0 = time.monotonic()
        for _ in range(5):  # an active session survives past the idle timeout
            time.sleep(0.4)
            c.command(wire.COM_PING)
            c.expect_ok()
        check(time.monotonic() - t0 > 1.5, "pinged past the idle timeout")
        t0 = time.monotonic()
        expect_err_or_close(c, {1159}, timeout=4.0)
        elapsed = time.monotonic() - t0
        check(elapsed >= 0.8, f"idle session closed after {elapsed:.2f}s, before client_idle_timeout_s=1")
    conn = P["idle"].connect()
    time.sleep(2.5)
    try:
        conn.ping(reconnect=False)
    except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
        return
    raise AssertionError("pymysql session idle for 2.5 s should have been closed")


@case
def session_wait_timeout():
    """SET wait_timeout = 1: the idle client is closed after about a second, without an
    error packet, as MariaDB closes it; one that stays busy is not; DEFAULT and a larger
    value keep it open (the proxy's own client_idle_timeout_s is 600 here)."""
    with raw() as c:
        c.login()
        c.command(wire.COM_QUERY, b"SET SESSION wait_timeout = 1")
        c.expect_ok()
        for _ in range(3):  # busy past the timeout: still open
            time.sleep(0.6)
            c.command(wire.COM_PING)
            c.expect_ok()
        packets, waited = c.read_until_closed(5.0)
        check(not packets, f"the server sends nothing when wait_timeout ends a session, got {packets}")
        check(0.8 <= waited < 3.5, f"closed after {waited:.2f}s with wait_timeout=1")
    with raw() as c:
        c.login()
        c.command(wire.COM_QUERY, b"SET wait_timeout = 1")
        c.expect_ok()
        c.command(wire.COM_QUERY, b"SET @@session.wait_timeout = DEFAULT")
        c.expect_ok()
        time.sleep(1.8)
        c.command(wire.COM_PING)
        c.expect_ok()
    check_eq(HEALTHY["main"].ping(reconnect=False), None, "other sessions")


@case
def interactive_timeout_at_login():
    """An interactive client's wait_timeout starts at the server's interactive_timeout
    (read by the proxy at start): with p0's set to 2, an idle interactive client is
    closed after about 2 s, a non-interactive one is not."""
    root = backend("p0", root=True)
    with root.cursor() as cur:
        cur.execute("SET GLOBAL interactive_timeout = 2")
    try:
        px = Proxy("malformed-interactive", {}).start()
    finally:
        with root.cursor() as cur:
            cur.execute("SET GLOBAL interactive_timeout = 28800")
        root.close()
    try:
        with Conn(HOST, px.port) as inter, Conn(HOST, px.port) as plain:
            inter.login(caps=BASE_CAPS | CLIENT_INTERACTIVE)
            plain.login()
            packets, waited = inter.read_until_closed(6.0)
            check(not packets and 1.5 <= waited < 4.5, f"interactive client closed after {waited:.2f}s: {packets}")
            plain.command(wire.COM_PING)
            plain.expect_ok()
    finally:
        px.stop()


def rss_kib(proxy):
    return rss_kb(proxy.proc.pid)


def announced_sizes_do_not_allocate():
    """60 logged-in clients each send a header announcing a 16 MiB packet and one byte of
    it: the proxy's memory follows the bytes that arrived (it grew by ~1 GiB before)."""
    big = P["big"]
    before = rss_kib(big)
    conns = []
    try:
        for _ in range(60):
            c = raw("big", timeout=10)
            c.login()
            c.send(header(0xFFFFFF, 0) + b"\x03")
            conns.append(c)
        # Each session has read its header once its next command is answered: the
        # healthy session's ping runs on the same worker loop after them.
        deadline = time.monotonic() + 1.0
        peak = before
        while time.monotonic() < deadline:
            HEALTHY["big"].ping(reconnect=False)
            peak = max(peak, rss_kib(big))
            time.sleep(0.05)
        grown_mib = (peak - before) / 1024
        print(f"    RSS {before // 1024} MiB -> peak {peak // 1024} MiB with 60 announced 16 MiB packets")
        check(grown_mib < 60, f"RSS grew by {grown_mib:.0f} MiB for 60 one-byte packets")
    finally:
        for c in conns:
            c.close()


def start():
    P["main"] = Proxy("malformed-main", {"max_allowed_packet": 1 << 20, "handshake_timeout_ms": 1000}).start()
    P["big"] = Proxy("malformed-big", {"max_allowed_packet": 20 << 20}).start()
    P["idle"] = Proxy("malformed-idle", {"client_idle_timeout_s": 1}).start()
    for name in ("main", "big"):
        HEALTHY[name] = P[name].connect()
    return list(P.values())


if __name__ == "__main__":
    main_cases([truncated_header, header_claims_more_than_sent, handshake_wrong_sequence_id,
                handshake_garbage_framed, handshake_garbage_http, handshake_user_without_nul,
                handshake_auth_length_beyond_payload, handshake_without_protocol_41, ssl_request,
                wrong_password_then_close, silent_client_handshake_timeout, handshake_half_then_silent,
                command_wrong_sequence_id, command_zero_length, command_unknown_byte, command_binlog_dump,
                command_header_claims_more_then_close, command_over_max_allowed_packet_one_header,
                command_over_max_allowed_packet_multi_packet, pipelined_commands, disconnect_mid_result,
                idle_timeout, session_wait_timeout, interactive_timeout_at_login, announced_sizes_do_not_allocate],
               start)
