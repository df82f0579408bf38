#!/usr/bin/python3
"""Response framing as clients see it, byte by byte, in both EOF modes.

The backend always speaks CLIENT_DEPRECATE_EOF to the proxy; none of the driver
tests' clients (libmariadb 3.3, PyMySQL) ask for it, so this is where clients that
DO ask for it are covered: no EOF after column definitions, result sets ended by an
OK packet with a 0xFE header. And for the others: EOFs synthesized where the
protocol wants them. Sequence ids must count up from 1 in every response.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, check, check_eq, main_cases  # noqa: E402
from wire import BASE_CAPS, CLIENT_DEPRECATE_EOF, CLIENT_MULTI_STATEMENTS, Conn  # noqa: E402

MORE_RESULTS = 0x0008
proxy = None
MODES = (False, True)  # deprecate_eof off, on


def session(deprecate, multi=False, db=None):
    caps = BASE_CAPS | (CLIENT_DEPRECATE_EOF if deprecate else 0) | (CLIENT_MULTI_STATEMENTS if multi else 0)
    c = Conn(HOST, proxy.port, timeout=30)
    c.login(caps=caps, db=db)
    return c


def query(c, sql, deprecate):
    c.command(wire.COM_QUERY, sql.encode())
    return wire.read_response(c, deprecate)


def check_framing(r, deprecate, what, contiguous=True):
    if contiguous:  # (for multi-packet messages read_response records the last seq only)
        check_eq(r["seqs"], list(range(1, len(r["seqs"]) + 1)), f"{what}: sequence ids")
    if r["kind"] != "rows":
        return
    if deprecate:
        check_eq(r["eofs"], [], f"{what}: no EOF packets for a DEPRECATE_EOF client")
        t = r["terminator"]
        check(t[:1] == b"\xfe" and len(t) >= 7, f"{what}: OK-form terminator expected, got {t!r}")
    else:
        check_eq(len(r["eofs"]), 2, f"{what}: EOF after definitions and at the end")
        check(all(len(e) == 5 for e in r["eofs"]), f"{what}: 5-byte EOFs: {r['eofs']}")


def text_row(payload, columns):
    out, pos = [], 0
    for _ in range(columns):
        if payload[pos] == 0xFB:
            out.append(None)
            pos += 1
            continue
        n, pos = wire.read_lenenc(payload, pos)
        out.append(payload[pos:pos + n].decode(errors="replace") if n < 200 else payload[pos:pos + n])
        pos += n
    check_eq(pos, len(payload), "row fully consumed")
    return out


def test_result_set():
    for dep in MODES:
        with session(dep) as c:
            r = query(c, "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL", dep)
            check_framing(r, dep, f"select dep={dep}")
            check_eq([text_row(p, 2) for p in r["rows"]], [["1", "x"], ["2", None]], "rows")
            check(r["status"] & 0x0002, "autocommit flag in the terminator")
            r = query(c, "SELECT 1 FROM DUAL WHERE 0", dep)
            check_framing(r, dep, f"empty dep={dep}")
            check_eq(r["rows"], [], "no rows")
            r = query(c, "DO 1", dep)
            check_eq(r["kind"], "ok", "OK for DO")
            check_framing(r, dep, "OK")
            r = query(c, "SELEC 1", dep)
            check_eq((r["kind"], r["err"][0], r["err"][1]), ("err", 1064, "42000"), "ERR")


def test_warnings_in_terminator():
    for dep in MODES:
        with session(dep) as c:
            r = query(c, "SELECT CAST('1x' AS INT), CAST('2y' AS INT)", dep)
            check_framing(r, dep, "warnings")
            t = r["terminator"]
            if len(t) == 5:  # EOF: header, warnings, status
                warnings = struct.unpack_from("<H", t, 1)[0]
            else:  # OK form: header, affected rows, insert id, status, warnings
                _, pos = wire.read_lenenc(t, 1)
                _, pos = wire.read_lenenc(t, pos)
                warnings = struct.unpack_from("<H", t, pos + 2)[0]
            check_eq(warnings, 2, f"warning count dep={dep}")


def test_multi_results():
    for dep in MODES:
        with session(dep, multi=True) as c:
            c.command(wire.COM_QUERY, b"SELECT 1; DO 0; SELECT 'two' UNION ALL SELECT 'three'; SELEC 4; SELECT 5")
            first = wire.read_response(c, dep)
            check_framing(first, dep, "1st")
            check(first["status"] & MORE_RESULTS, "MORE_RESULTS after the first set")
            second = wire.read_response(c, dep)
            check_eq(second["kind"], "ok", "DO 0")
            check(second["status"] & MORE_RESULTS, "MORE_RESULTS on the OK")
            third = wire.read_response(c, dep)
            check_eq(len(third["rows"]), 2, "third set")
            fourth = wire.read_response(c, dep)
            check_eq((fourth["kind"], fourth["err"][0]), ("err", 1064), "error ends the batch")
            # the batch ended: the next command gets a fresh response with seq 1
            r = query(c, "SELECT 6", dep)
            check_eq(text_row(r["rows"][0], 1), ["6"], "after the batch")
            check_eq(r["seqs"][0], 1, "new response starts at seq 1")
            # sequence ids keep counting over the result sets of one response
            c.command(wire.COM_QUERY, b"SELECT 1; SELECT 2")
            a = wire.read_response(c, dep)
            b = wire.read_response(c, dep)
            check_eq(b["seqs"][0], a["seqs"][-1] + 1, "seq continues into the second result set")
            check(not b["status"] & MORE_RESULTS, "last set")


def test_field_list():
    for dep in MODES:
        with session(dep, db="mysql") as c:
            c.command(0x04, b"db\0")
            defs, seqs = [], []
            while True:
                seq, p = c.read_packet()
                seqs.append(seq)
                if wire.is_terminator(p):
                    break
                check(p[:1] != b"\xff", "COM_FIELD_LIST failed: %r" % (p,))
                defs.append(p)
            check(len(defs) > 5, f"column definitions of mysql.db: {len(defs)}")
            check_eq(seqs, list(range(1, len(seqs) + 1)), "sequence ids")
            check((len(p) == 5) != dep, f"terminator form dep={dep}: {p!r}")


def test_prepare_execute():
    for dep in MODES:
        with session(dep) as c:
            c.command(0x16, b"SELECT ? AS p, 'lit' AS l, ? AS q")
            seq, ok = c.read_packet()
            check_eq(ok[:1], b"\x00", "prepare OK")
            stmt_id, ncols, nparams = struct.unpack_from("<IHH", ok, 1)
            check_eq((ncols, nparams), (3, 2), "columns, params")
            pkts = [c.read_packet()[1] for _ in range(nparams + ncols + (0 if dep else 2))]
            eofs = [p for p in pkts if p[:1] == b"\xfe" and len(p) == 5]
            check_eq(len(eofs), 0 if dep else 2, f"EOFs after definitions dep={dep}")
            c.command(0x19, struct.pack("<I", stmt_id))  # COM_STMT_CLOSE: no response
            c.command(0x16, b"SELECT 7, 'seven'")
            _, ok = c.read_packet()
            stmt_id, ncols, nparams = struct.unpack_from("<IHH", ok, 1)
            for _ in range(ncols + (0 if dep else 1)):
                c.read_packet()
            c.command(0x17, struct.pack("<IBI", stmt_id, 0, 1))  # COM_STMT_EXECUTE, no params
            r = wire.read_response(c, dep)
            check_framing(r, dep, f"binary result dep={dep}")
            check_eq(len(r["rows"]), 1, "one binary row")
            check_eq(r["rows"][0][:1], b"\x00", "binary row header")
            c.command(wire.COM_PING)
            c.expect_ok()


def test_big_row():
    value = b"z" * (17 << 20)
    for dep in MODES:
        with session(dep) as c:
            r = query(c, "SELECT REPEAT('z', %d), 'tail'" % len(value), dep)
            check_framing(r, dep, "17 MiB row", contiguous=False)
            check_eq(len(r["rows"]), 1, f"one row dep={dep}")
            row = r["rows"][0]
            n, pos = wire.read_lenenc(row, 0)
            check(n == len(value) and row[pos:pos + n] == value, f"17 MiB value dep={dep}")
            check_eq(row[pos + n:], b"\x04tail", "second column after the big one")


def main():
    def start():
        global proxy
        proxy = Proxy("wire-proxy").start()
        return [proxy]

    main_cases([test_result_set, test_warnings_in_terminator, test_multi_results, test_field_list,
                test_prepare_execute, test_big_row], start)


if __name__ == "__main__":
    main()
