"""Server-side prepared statements over the raw wire (on top of wire.py), for tests that
must control exactly what a client sends: COM_STMT_PREPARE / COM_STMT_EXECUTE with
explicit parameter types and raw value bytes, COM_STMT_CLOSE, text queries, and the
decoding of text and binary result sets. Works the same against the proxy and directly
against a MariaDB server, so a test can run one statement both ways and compare.

    c = StmtConn(HOST, port, db="x", charset="gbk")        # handshake collation of gbk
    s = c.prepare("SELECT COUNT(*) FROM t WHERE note = ?")
    r = c.execute(s, [Param(VAR_STRING, b"\\xbf\\x5c' OR 1=1 -- ")])
    r.kind            # "rows" | "ok" | "err";  r.rows (tuples), r.errno, r.message

Values decode to int (integer types), float (FLOAT/DOUBLE), str (temporal types, as
the server prints them) and bytes (everything else: DECIMAL, strings, blobs).
"""
import struct

import wire

# MYSQL_TYPE_*
DECIMAL, TINY, SHORT, LONG, FLOAT, DOUBLE, NULL, TIMESTAMP, LONGLONG, INT24 = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
DATE, TIME, DATETIME, YEAR, NEWDATE, VARCHAR, BIT = 10, 11, 12, 13, 14, 15, 16
NEWDECIMAL, ENUM, SET_, TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, VAR_STRING, STRING = 246, 247, 248, 249, 250, 251, 252, 253, 254
UNSIGNED = 0x8000  # the parameter type's unsigned flag (second byte 0x80)
TYPE_NAMES = {DECIMAL: "DECIMAL", TINY: "TINY", SHORT: "SHORT", LONG: "LONG", FLOAT: "FLOAT", DOUBLE: "DOUBLE",
              NULL: "NULL", TIMESTAMP: "TIMESTAMP", LONGLONG: "LONGLONG", INT24: "INT24", DATE: "DATE", TIME: "TIME",
              DATETIME: "DATETIME", YEAR: "YEAR", VARCHAR: "VARCHAR", NEWDECIMAL: "NEWDECIMAL", BLOB: "BLOB",
              VAR_STRING: "VAR_STRING", STRING: "STRING", TINY_BLOB: "TINY_BLOB", MEDIUM_BLOB: "MEDIUM_BLOB",
              LONG_BLOB: "LONG_BLOB"}

COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_CLOSE, COM_STMT_RESET = 0x16, 0x17, 0x19, 0x1A
CLIENT_PS_MULTI_RESULTS = 1 << 18
SERVER_MORE_RESULTS_EXISTS = 0x0008
UNSIGNED_FLAG = 0x0020  # column definition flag
BINARY_CHARSET = 63

# Default collation id of each character set (MariaDB numbering): what a client sends in
# its handshake to ask for that character set.
COLLATIONS = {"big5": 1, "latin1": 8, "ujis": 12, "sjis": 13, "euckr": 19, "gb2312": 24, "gbk": 28,
              "utf8mb4": 45, "binary": 63, "cp932": 95, "utf8mb3": 33, "ascii": 11, "latin2": 9}

_INT_WIDTH = {TINY: 1, SHORT: 2, YEAR: 2, LONG: 4, INT24: 4, LONGLONG: 8}


def type_name(t):
    base = TYPE_NAMES.get(t & 0xFF, str(t & 0xFF))
    return base + (" UNSIGNED" if t & UNSIGNED else "")


class Param:
    """One bound parameter: `type` (MYSQL_TYPE_*, | UNSIGNED) and `raw`, the value exactly
    as it goes on the wire after the type block (fixed-size bytes, a temporal value with
    its length byte, or a string's bytes; the length prefix of strings is added here).
    raw None: the parameter is NULL (its bit in the null bitmap is set)."""

    __slots__ = ("type", "raw")

    def __init__(self, type_, raw):
        self.type, self.raw = type_, raw

    def encoded(self):
        if self.raw is None:
            return b""
        t = self.type & 0xFF
        if t in _INT_WIDTH or t in (FLOAT, DOUBLE, DATE, TIME, DATETIME, TIMESTAMP, NEWDATE) or t == NULL:
            return self.raw
        return wire.lenenc(len(self.raw)) + self.raw

    def __repr__(self):
        return f"Param({type_name(self.type)}, {self.raw!r})"


# --- value encoders -----------------------------------------------------------------
def p_int(type_, value, unsigned=False):
    width = _INT_WIDTH[type_]
    raw = value.to_bytes(width, "little", signed=not unsigned)
    return Param(type_ | (UNSIGNED if unsigned else 0), raw)


def p_double(value):
    return Param(DOUBLE, struct.pack("<d", value))


def p_float(value):
    return Param(FLOAT, struct.pack("<f", value))


def p_bytes(type_, value):
    return Param(type_, value if isinstance(value, bytes) else value.encode())


def p_date(y, m, d):
    return Param(DATE, bytes([4]) + struct.pack("<HBB", y, m, d))


def p_datetime(y, mo, d, h=0, mi=0, s=0, us=None):
    if us is None:
        if h == mi == s == 0:
            return Param(DATETIME, bytes([4]) + struct.pack("<HBB", y, mo, d))
        return Param(DATETIME, bytes([7]) + struct.pack("<HBBBBB", y, mo, d, h, mi, s))
    return Param(DATETIME, bytes([11]) + struct.pack("<HBBBBBI", y, mo, d, h, mi, s, us))


def p_time(neg, days, h, m, s, us=None):
    if us is None:
        return Param(TIME, bytes([8]) + struct.pack("<BIBBB", 1 if neg else 0, days, h, m, s))
    return Param(TIME, bytes([12]) + struct.pack("<BIBBBI", 1 if neg else 0, days, h, m, s, us))


def p_null(type_=NULL):
    return Param(type_, None)


# --- results ------------------------------------------------------------------------
class Result:
    __slots__ = ("kind", "columns", "rows", "errno", "sqlstate", "message", "affected", "insert_id", "status",
                 "warnings")

    def __init__(self, kind):
        self.kind = kind
        self.columns, self.rows = [], []
        self.errno, self.sqlstate, self.message = 0, "", ""
        self.affected = self.insert_id = self.status = self.warnings = 0

    def summary(self):
        if self.kind == "err":
            return f"ERR {self.errno} ({self.message[:120]})"
        if self.kind == "ok":
            return f"OK affected={self.affected}"
        return f"rows={self.rows!r}"[:400]

    def __repr__(self):
        return f"Result({self.summary()})"


class Column:
    __slots__ = ("name", "charset", "length", "type", "flags", "decimals")

    def __repr__(self):
        return f"Column({self.name!r}, {type_name(self.type)}, flags=0x{self.flags:x})"


class ServerError(AssertionError):
    def __init__(self, errno, sqlstate, message, what=""):
        super().__init__(f"{what}: ERR {errno} ({sqlstate}) {message}" if what else f"ERR {errno} ({sqlstate}) {message}")
        self.errno, self.sqlstate, self.message = errno, sqlstate, message


class Stmt:
    __slots__ = ("id", "params", "columns", "sql")

    def __repr__(self):
        return f"Stmt({self.id}, params={self.params}, columns={self.columns})"


def parse_column(p):
    pos = 0
    names = []
    for _ in range(6):  # catalog, schema, table, org_table, name, org_name
        n, pos = wire.read_lenenc(p, pos)
        names.append(p[pos:pos + n])
        pos += n
    _, pos = wire.read_lenenc(p, pos)  # length of the fixed fields (0x0c)
    c = Column()
    c.name = names[4].decode(errors="replace")
    c.charset, c.length, c.type, c.flags, c.decimals = struct.unpack_from("<HIBHB", p, pos)
    return c


def decode_text_row(p, ncols):
    out, pos = [], 0
    for _ in range(ncols):
        if p[pos] == 0xFB:
            out.append(None)
            pos += 1
            continue
        n, pos = wire.read_lenenc(p, pos)
        out.append(p[pos:pos + n])
        pos += n
    return tuple(out)


def _temporal(t, b):
    if t == TIME:
        if not b:
            return "00:00:00"
        neg, days, h, m, s = struct.unpack_from("<BIBBB", b, 0)
        us = struct.unpack_from("<I", b, 8)[0] if len(b) >= 12 else 0
        text = f"{'-' if neg else ''}{days * 24 + h:02d}:{m:02d}:{s:02d}"
        return text + (f".{us:06d}" if us else "")
    y = mo = d = h = mi = s = us = 0
    if len(b) >= 4:
        y, mo, d = struct.unpack_from("<HBB", b, 0)
    if len(b) >= 7:
        h, mi, s = struct.unpack_from("<BBB", b, 4)
    if len(b) >= 11:
        us = struct.unpack_from("<I", b, 7)[0]
    if t in (DATE, NEWDATE):
        return f"{y:04d}-{mo:02d}-{d:02d}"
    text = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
    return text + (f".{us:06d}" if us else "")


def decode_binary_row(p, columns):
    assert p[0] == 0, f"binary row must start with 0x00, got {p[:8]!r}"
    n = len(columns)
    bitmap_len = (n + 7 + 2) // 8
    bitmap = p[1:1 + bitmap_len]
    pos = 1 + bitmap_len
    out = []
    for i, c in enumerate(columns):
        bit = i + 2
        if bitmap[bit // 8] >> (bit % 8) & 1:
            out.append(None)
            continue
        t = c.type
        if t in _INT_WIDTH:
            w = _INT_WIDTH[t]
            out.append(int.from_bytes(p[pos:pos + w], "little", signed=not (c.flags & UNSIGNED_FLAG)))
            pos += w
        elif t == FLOAT:
            out.append(struct.unpack_from("<f", p, pos)[0])
            pos += 4
        elif t == DOUBLE:
            out.append(struct.unpack_from("<d", p, pos)[0])
            pos += 8
        elif t in (DATE, DATETIME, TIMESTAMP, NEWDATE, TIME):
            ln = p[pos]
            out.append(_temporal(t, p[pos + 1:pos + 1 + ln]))
            pos += 1 + ln
        else:
            ln, pos = wire.read_lenenc(p, pos)
            out.append(p[pos:pos + ln])
            pos += ln
    return tuple(out)


class StmtConn:
    """A connection speaking protocol 4.1 with EOF packets (no CLIENT_DEPRECATE_EOF)."""

    def __init__(self, host, port, user="app", password="app", db=None, charset="utf8mb4", timeout=30.0,
                 multi_statements=False):
        self.conn = wire.Conn(host, port, timeout=timeout)
        caps = wire.BASE_CAPS | CLIENT_PS_MULTI_RESULTS
        if multi_statements:
            caps |= wire.CLIENT_MULTI_STATEMENTS
        collation = charset if isinstance(charset, int) else COLLATIONS[charset]
        try:
            self.conn.read_greeting()
            self.conn.send(wire.packet(self.conn.handshake_response(user, password, caps, db, charset=collation), 1))
            _, p = self.conn.read_packet()
        except Exception:
            self.conn.close()
            raise
        if p[:1] == b"\xff":
            self.conn.close()
            raise ServerError(*wire.parse_err(p), what="login")
        if p[:1] != b"\x00":
            self.conn.close()
            raise AssertionError(f"expected OK after login, got {p[:32]!r}")

    def close(self):
        try:
            self.conn.command(wire.COM_QUIT)
        except (OSError, wire.Closed):
            pass
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- reading responses --------------------------------------------------------
    def _ok(self, p, r):
        r.affected, pos = wire.read_lenenc(p, 1)
        r.insert_id, pos = wire.read_lenenc(p, pos)
        r.status, r.warnings = struct.unpack_from("<HH", p, pos)
        return r

    def _read_result(self, binary, columns=None):
        """One result: OK, ERR or a result set (rows decoded)."""
        _, p = self.conn.read_message()
        if p[:1] == b"\x00":
            return self._ok(p, Result("ok"))
        if p[:1] == b"\xff":
            r = Result("err")
            r.errno, r.sqlstate, r.message = wire.parse_err(p)
            return r
        if p[:1] == b"\xfb":
            raise AssertionError("LOCAL INFILE request: not supported by this client")
        ncols, _ = wire.read_lenenc(p, 0)
        r = Result("rows")
        for _ in range(ncols):
            _, q = self.conn.read_message()
            r.columns.append(parse_column(q))
        _, q = self.conn.read_message()
        assert wire.is_terminator(q), f"expected EOF after the column definitions, got {q[:16]!r}"
        while True:
            _, q = self.conn.read_message()
            if q[:1] == b"\xff":
                e = Result("err")
                e.errno, e.sqlstate, e.message = wire.parse_err(q)
                e.columns = r.columns
                return e
            if wire.is_terminator(q):
                r.warnings, r.status = struct.unpack_from("<HH", q, 1)
                return r
            r.rows.append(decode_binary_row(q, r.columns) if binary else decode_text_row(q, ncols))

    def _read_results(self, binary):
        """All results of one command; returns the list (more-results flag followed)."""
        out = []
        while True:
            r = self._read_result(binary)
            out.append(r)
            if r.kind == "err" or not (r.status & SERVER_MORE_RESULTS_EXISTS):
                return out

    # --- commands -------------------------------------------------------------------
    def query_all(self, sql):
        self.conn.command(wire.COM_QUERY, sql if isinstance(sql, bytes) else sql.encode())
        return self._read_results(binary=False)

    def query(self, sql):
        """The first result of a text query (the others, if any, are read and dropped;
        an error in a later one is returned instead)."""
        results = self.query_all(sql)
        for r in results:
            if r.kind == "err":
                return r
        return results[0]

    def must(self, sql):
        r = self.query(sql)
        if r.kind == "err":
            raise ServerError(r.errno, r.sqlstate, r.message, what=str(sql)[:200])
        return r

    def prepare(self, sql):
        """A Stmt, or raises ServerError."""
        self.conn.command(COM_STMT_PREPARE, sql if isinstance(sql, bytes) else sql.encode())
        _, p = self.conn.read_message()
        if p[:1] == b"\xff":
            raise ServerError(*wire.parse_err(p), what=f"prepare {str(sql)[:200]}")
        assert p[:1] == b"\x00", f"unexpected prepare response {p[:32]!r}"
        s = Stmt()
        s.sql = sql
        s.id, s.columns, s.params = struct.unpack_from("<IHH", p, 1)
        for count in (s.params, s.columns):
            for _ in range(count):
                self.conn.read_message()
            if count:
                _, q = self.conn.read_message()
                assert wire.is_terminator(q), f"expected EOF after definitions, got {q[:16]!r}"
        return s

    def execute(self, stmt, params=(), flags=0):
        """Executes with the given Params (types always sent); returns the first Result
        (a procedure's trailing OK is read and dropped)."""
        sid = stmt.id if isinstance(stmt, Stmt) else stmt
        payload = bytearray(struct.pack("<BIBI", COM_STMT_EXECUTE, sid, flags, 1))
        if params:
            bitmap = bytearray((len(params) + 7) // 8)
            for i, prm in enumerate(params):
                if prm.raw is None:
                    bitmap[i // 8] |= 1 << (i % 8)
            payload += bitmap
            payload.append(1)  # new_params_bound_flag
            for prm in params:
                payload += struct.pack("<H", prm.type)
            for prm in params:
                payload += prm.encoded()
        self.conn.send(wire.packet(bytes(payload), 0))
        results = self._read_results(binary=True)
        for r in results:
            if r.kind == "err":
                return r
        return results[0]

    def close_stmt(self, stmt):
        sid = stmt.id if isinstance(stmt, Stmt) else stmt
        self.conn.command(COM_STMT_CLOSE, struct.pack("<I", sid))  # no response

    def ping(self):
        self.conn.command(wire.COM_PING)
        return self._read_result(binary=False)


def quote_hex(b):
    """A byte string as an SQL hex literal (safe in every character set and mode)."""
    return "X''" if not b else "X'" + b.hex().upper() + "'"

