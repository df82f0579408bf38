#!/usr/bin/python3
"""Parameters of prepared statements on sharded tables are bound, never spliced into SQL.

A routed prepared statement is planned per EXECUTE with the bound values (docs/sessions.md),
so whatever the proxy sends to the nodes must mean exactly what the server makes of the
same parameters: no value may end a string, open a comment or join a quote into a
multi-byte character, in any type, client character set or sql_mode.

Differential test. The sharded logical table `order_info` of logical database sw_pbind
(the demo's rule: `gene` on user_id/order_id, modulus 64, sw_pbind_0..3 on ds0 = p0,
sw_pbind_4..7 on ds1 = p1) is created THROUGH the proxy; the same rows are loaded into
its physical tables and into an unsharded reference table sw_pbind_ref.order_info on p0:
one row of user 42 per test string (note = the string, bnote = its UTF-8 bytes) and per
test byte string (bnote only), NULLs, decimals, and rows of other users. Then the same
statements run through the proxy on `order_info` and DIRECTLY on p0 on the reference
table, and their results (rows, or the errno of an error) must be equal:

  binary protocol (COM_STMT_PREPARE / COM_STMT_EXECUTE, types sent with every execute),
  templates:
    note      SELECT COUNT(*), SUM(amount), MIN(order_id) ... WHERE user_id = 42 AND note = ?
    bnote     SELECT COUNT(*), MIN(order_id) ... WHERE user_id = 42 AND bnote = ?
    like      SELECT COUNT(*) ... WHERE user_id = 42 AND note LIKE ?
    echo      SELECT COUNT(*), HEX(?) ... WHERE user_id = 42
    never     SELECT COUNT(*) ... WHERE user_id = 42 AND amount > ? AND 1 = 0   (0 unless spliced)
    amount    SELECT COUNT(*), SUM(amount) ... WHERE user_id = 42 AND amount > ?
    user      SELECT COUNT(*), SUM(amount) ... WHERE user_id = ?  (fans out unless an integer)
    two       ... WHERE user_id = 42 AND (note = ? OR note = ?)
    amt_note  ... WHERE user_id = 42 AND amount > ? AND note = ?
    insert    INSERT INTO order_info (order_id, user_id, amount, note, bnote) VALUES (?, ?, ?, ?, ?)
              (user 45; afterwards every row inserted, as HEX, is compared)
  values: quotes ' " and `, backslashes, \\', comment openers -- # /* */ /*!, NUL bytes,
  ^Z, line breaks, multi-byte lead bytes before 0x5C or a quote (0xBF5C, 0x815C, 0xA15C,
  sjis/cp932 0x835C 'ソ', big5 0xAF5C '能', ...), '0--', '1e308', '-0', 2^63, 2^64-1,
  negative, '1e2', '.5', '1.', NaN and inf (as text, and as DOUBLE bits where only a splice
  can make a difference), '', LIKE wildcards, and ordinary text in many scripts;
  types: LONG, LONGLONG signed and unsigned, TINY, SHORT, DOUBLE, FLOAT, NEWDECIMAL (246)
  with any text, DECIMAL (0), VAR_STRING (253), STRING (254), VARCHAR (15), BLOB (252),
  DATE, DATETIME, TIME, TIMESTAMP binary forms, NULL (type 6, and the null bitmap);
  client character sets utf8mb4, latin1, binary, gbk, big5, sjis, cp932, gb2312, euckr,
  ujis from the handshake's collation id, gbk/sjis/big5/cp932 by SET NAMES, and
  utf8mb4/gbk under sql_mode NO_BACKSLASH_ESCAPES (set as a literal, and as an
  expression the proxy cannot follow).

  SQL level: SET @p = <value as _charset X'..' or a number>; PREPARE s FROM '... note = ?'
  (and the `never` and `amount` templates); EXECUTE s USING @p — in several character sets
  and under NO_BACKSLASH_ESCAPES.

A DECIMAL parameter is 0 to the server when its text is no number; such payloads are used
in numeric templates only (never, amount, user), where a splice shows whatever the proxy
makes of them. Temporal parameters likewise (never, user).

Prints one line per difference (the first 150, or $SW_MAX_PRINTED), a summary by mode and
template, the values whose differences look like splices (rows where `AND 1 = 0` allows
none, more rows than the server, node SQL that is invalid), all differing values,
"cases run, differing", and exits 1 if anything differs.

  param_binding_test.py [--mode NAME]... [--quick]   (quick: fewer modes, for development)
"""
import argparse
import collections
import copy
import os
import struct
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stmt_wire as sw  # noqa: E402
from harness import HOST, Proxy, backend, cluster_port, demo_schemas  # noqa: E402

LOGICAL = "sw_pbind"
REF = "sw_pbind_ref"
USER = 42           # the rows the templates look at (slot 42: sw_pbind_5.order_info_2 on p1)
INSERT_USER = 45    # rows the insert template writes (no other template reads user 45)
MAX_PRINTED = int(os.environ.get("SW_MAX_PRINTED", "150"))

# --- values -------------------------------------------------------------------------
# Text values (stored as notes; sent encoded in the session's character set when it can
# encode them).
TEXT_VALUES = [
    "x", "plain text", "X", "'", '"', "`", "\\", "\\'", "\\\\'", "''", "\\\\", "' OR 1=1 -- ", "' OR '1'='1",
    "x' OR 1=1 #", "x' OR 1=1 /*", "*/ OR 1=1 /*", "\" OR 1=1 -- ", "--", "-- ", "--\n", "#", "# x\n", "/*", "*/",
    "/*!", "/*! OR 1=1 */", "a\x00b", "\x00", "\x00' OR 1=1 -- ", "\\0", "\\x00", "\\' OR 1=1 -- ",
    "\\\\' OR 1=1 -- ", "\\\" OR 1=1 -- ", "%", "_", "\\%", "\\_", "a%", "0--", "0-- ", "1e308", "-0", "1e2",
    ".5", "1.", "9223372036854775808", "18446744073709551615", "-9223372036854775809", "NaN", "inf", "-inf",
    "", " ", "NULL", "42", "042", " 42", "42abc", "0x2A", "X'2A'", "b'1'", "1;SELECT 1",
    "'; DROP TABLE order_info; -- ", "\n", "\r\n", "\t", "\x1a", "\x08", "é", "ü' OR 1=1 -- ", "ß", "ÿ", "€",
    "日本語", "中文' OR 1=1 -- ", "한국어", "ソ", "ソ' OR 1=1 -- ", "表\\", "予'", "能' OR 1=1 -- ", "功",
    "\U0001F600", "?", "??", ":p", "$1", "@p", "@@version",
]
# Raw byte strings, sent as they are in every character set.
BYTE_VALUES = [
    b"\xbf\x5c", b"\xbf\x5c' OR 1=1 -- ", b"\xbf\x5c OR 1=1 -- ", b"\xbf' OR 1=1 -- ", b"\xbf\x5c\x5c' OR 1=1 -- ",
    b"\x81\x5c' OR 1=1 -- ", b"\x81' OR 1=1 -- ", b"\xa1\x5c' OR 1=1 -- ", b"\xa1' OR 1=1 -- ",
    b"\x83\x5c' OR 1=1 -- ", b"\x95\x5c' OR 1=1 -- ", b"\xaf\x5c' OR 1=1 -- ", b"\xe5\x5c' OR 1=1 -- ",
    b"\x8e\x5c'", b"\x8f\xa1\x5c' OR 1=1 -- ", b"\xff\xfe", b"\xc0\x27 OR 1=1 -- ", b"\xbf", b"\x5c", b"x\x5c",
    b"\xbf\x00' OR 1=1 -- ", b"\xbf\x5c\x00", b"\xbf\x22 OR 1=1 -- ", b"\xa1\x60 OR 1=1 -- ",
]
STRING_TYPES = (sw.VAR_STRING, sw.STRING, sw.BLOB, sw.VARCHAR)
DECIMAL_TEXTS = [
    "42", "42.0", "42.00", "41.99", "-0", "0", ".5", "1.", "1e2", "1E+2", "1e-2", "4.2e1", "0--", "42--", "1--",
    "1-- ", "-", "--1", "+1", "1e308", "1e309", "99999999999999999999999999999999999", "18446744073709551616",
    "9223372036854775808", "-9223372036854775809", "0x2A", "abc", "", " 1", "1 ", "1;", "1)", "1 OR 1=1", "1e",
    "e1", ".", "..", "1..2", "1e1e1", "NaN", "inf", "42'", "4-2", "1+1", "0/*", "0#", "0--\n1", "1'--",
]
INTS = [0, 1, -1, 42, 43, 106, 127, -128, 255, 2**31 - 1, -2**31, 2**32 - 1, 2**63 - 1, -2**63]
UINTS = [0, 42, 2**63, 2**64 - 1]
DOUBLES = [0.0, -0.0, 42.0, 42.5, 0.1, 41.99, 1e308, -1e308, 5e-324, 1e-7, 2.0**63, 2.0**64, -2.0**63]
FLOATS = [0.0, -0.0, 42.0, 0.1, 3.4e38, 42.5]
NON_FINITE = [float("nan"), float("inf"), float("-inf"), struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\xff")[0]]
TWO_STRINGS = [("\\", " OR 1=1 -- "), ("'", " OR 1=1 -- "), ("\\", "' OR 1=1 -- "), ("x", "' OR 1=1 -- "),
               ("ソ", "' OR 1=1 -- "), ("\\", "\\"), ("'", "'"), ("x", None), (None, "x"), ("--", "x"),
               ("/*", "*/ OR 1=1 -- "), ("#", "x")]
TWO_BYTES = [(b"\xbf\x5c", b" OR 1=1 -- "), (b"\xbf", b"' OR 1=1 -- "), (b"\x83\x5c", b"' OR 1=1 -- "),
             (b"x\x5c", b" OR 1=1 -- ")]
AMOUNT_NOTE = [("0--", "x"), ("0-- ", "x"), ("42--", "'"), ("1e308", "x"), ("0", "x"), ("abc", "x"),
               ("0/*", "*/ OR 1=1 -- ")]

# --- modes: how the session's character set and sql_mode are set ------------------------
CODECS = {"utf8mb4": "utf-8", "latin1": "cp1252", "binary": "utf-8", "gbk": "gbk", "big5": "big5",
          "sjis": "shift_jis", "cp932": "cp932", "gb2312": "gb2312", "euckr": "euc_kr", "ujis": "euc_jp"}


class Mode:
    def __init__(self, name, charset, handshake=None, setup=(), full=True, user=False, inserts=False, sql=False):
        self.name, self.charset = name, charset
        self.handshake = handshake or charset
        self.setup = list(setup)
        self.full, self.user, self.inserts, self.sql = full, user, inserts, sql

    def encode(self, v):
        if isinstance(v, bytes):
            return v
        try:
            return v.encode(CODECS[self.charset])
        except UnicodeEncodeError:
            return None


NBE = "SET sql_mode = 'NO_BACKSLASH_ESCAPES'"
NBE_EXPR = "SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"
MODES = [
    Mode("utf8mb4", "utf8mb4", user=True, inserts=True, sql=True),
    Mode("gbk", "gbk", user=True, inserts=True, sql=True),
    Mode("sjis", "sjis", user=True, inserts=True, sql=True),
    Mode("big5", "big5", inserts=True, sql=True),
    Mode("cp932", "cp932", inserts=True),
    Mode("binary", "binary", inserts=True, sql=True),
    Mode("latin1", "latin1", inserts=True, sql=True),
    Mode("gb2312", "gb2312", full=False),
    Mode("euckr", "euckr", full=False),
    Mode("ujis", "ujis", full=False),
    Mode("set_names_gbk", "gbk", handshake="utf8mb4", setup=["SET NAMES gbk"], sql=True),
    Mode("set_names_sjis", "sjis", handshake="utf8mb4", setup=["SET NAMES sjis"], full=False),
    Mode("set_names_big5", "big5", handshake="utf8mb4", setup=["SET NAMES big5"], full=False),
    Mode("set_names_cp932", "cp932", handshake="utf8mb4", setup=["SET NAMES cp932"], full=False),
    Mode("utf8mb4_nbe", "utf8mb4", setup=[NBE], inserts=True, sql=True),
    Mode("gbk_nbe", "gbk", setup=[NBE], inserts=True, sql=True),
    Mode("sjis_nbe", "sjis", setup=[NBE], full=False, sql=True),
    Mode("utf8mb4_nbe_expr", "utf8mb4", setup=[NBE_EXPR], full=False, sql=True),
]
QUICK = {"utf8mb4", "gbk", "sjis", "utf8mb4_nbe"}

TEMPLATES = {
    "note": "SELECT COUNT(*), SUM(amount), MIN(order_id) FROM order_info WHERE user_id = 42 AND note = ?",
    "bnote": "SELECT COUNT(*), MIN(order_id) FROM order_info WHERE user_id = 42 AND bnote = ?",
    "like": "SELECT COUNT(*) FROM order_info WHERE user_id = 42 AND note LIKE ?",
    "echo": "SELECT COUNT(*), HEX(?) FROM order_info WHERE user_id = 42",
    "never": "SELECT COUNT(*) FROM order_info WHERE user_id = 42 AND amount > ? AND 1 = 0",
    "amount": "SELECT COUNT(*), SUM(amount) FROM order_info WHERE user_id = 42 AND amount > ?",
    "user": "SELECT COUNT(*), SUM(amount) FROM order_info WHERE user_id = ?",
    "two": "SELECT COUNT(*) FROM order_info WHERE user_id = 42 AND (note = ? OR note = ?)",
    "amt_note": "SELECT COUNT(*) FROM order_info WHERE user_id = 42 AND amount > ? AND note = ?",
    "insert": "INSERT INTO order_info (order_id, user_id, amount, note, bnote) VALUES (?, ?, ?, ?, ?)",
}


def label(v):
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return repr(v)


# --- cases --------------------------------------------------------------------------------
def string_params(mode, types):
    """(label, Param) for every text and byte value the mode can send, in each type."""
    out = []
    for v in TEXT_VALUES + BYTE_VALUES:
        b = mode.encode(v)
        if b is None:
            continue
        for t in types:
            out.append((label(v), sw.p_bytes(t, b)))
    return out


def numeric_params(finite=True):
    out = []
    for v in INTS:
        out.append((str(v), sw.p_int(sw.LONGLONG, v)))
        if -2**31 <= v < 2**31:
            out.append((str(v), sw.p_int(sw.LONG, v)))
        if -2**15 <= v < 2**15:
            out.append((str(v), sw.p_int(sw.SHORT, v)))
        if -128 <= v < 128:
            out.append((str(v), sw.p_int(sw.TINY, v)))
    for v in UINTS:
        out.append((str(v), sw.p_int(sw.LONGLONG, v, unsigned=True)))
        if v < 2**32:
            out.append((str(v), sw.p_int(sw.LONG, v, unsigned=True)))
        if v < 256:
            out.append((str(v), sw.p_int(sw.TINY, v, unsigned=True)))
    out += [(repr(v), sw.p_double(v)) for v in DOUBLES]
    out += [(repr(v), sw.p_float(v)) for v in FLOATS]
    if not finite:
        out += [(repr(v) + ("(payload)" if i == 3 else ""), sw.p_double(v)) for i, v in enumerate(NON_FINITE)]
        out += [(repr(v), sw.p_float(v)) for v in NON_FINITE[:3]]
    return out


def decimal_params():
    out = [(repr(t), sw.p_bytes(sw.NEWDECIMAL, t)) for t in DECIMAL_TEXTS]
    out += [(repr(t), sw.p_bytes(sw.DECIMAL, t)) for t in ("42", "0--", "1e2", "abc", "-0")]
    return out


def temporal_params():
    return [
        ("DATE 2026-01-02", sw.p_date(2026, 1, 2)),
        ("DATETIME 2026-01-02 03:04:05", sw.p_datetime(2026, 1, 2, 3, 4, 5)),
        ("DATETIME .000042", sw.p_datetime(2026, 1, 2, 3, 4, 5, 42)),
        ("DATETIME 0000-00-00 (length 0)", sw.Param(sw.DATETIME, b"\x00")),
        ("DATE (length 0)", sw.Param(sw.DATE, b"\x00")),
        ("TIMESTAMP 2026-01-02 03:04:05", sw.Param(sw.TIMESTAMP, sw.p_datetime(2026, 1, 2, 3, 4, 5).raw)),
        ("TIME -1 02:03:04", sw.p_time(True, 1, 2, 3, 4)),
        ("TIME 00:00:42.5", sw.p_time(False, 0, 0, 0, 42, 500000)),
        ("TIME (length 0)", sw.Param(sw.TIME, b"\x00")),
    ]


def null_params():
    return [("NULL (type NULL)", sw.p_null(sw.NULL)), ("NULL (VAR_STRING, bitmap)", sw.p_null(sw.VAR_STRING)),
            ("NULL (LONGLONG, bitmap)", sw.p_null(sw.LONGLONG)), ("NULL (NEWDECIMAL, bitmap)", sw.p_null(sw.NEWDECIMAL))]


def cases_for(mode):
    """(template, label, [Param...]) of one mode."""
    out = []
    str_types = STRING_TYPES if mode.full else (sw.VAR_STRING,)
    strings = string_params(mode, str_types)
    nums = numeric_params()
    few_nums = [p for p in nums if p[1].type & 0xFF in (sw.LONGLONG, sw.DOUBLE)]
    for lab, p in strings + few_nums + null_params():
        out.append(("note", lab, [p]))
    for lab, p in string_params(mode, (sw.VAR_STRING, sw.BLOB) if mode.full else (sw.VAR_STRING,)) + null_params():
        out.append(("bnote", lab, [p]))
        out.append(("echo", lab, [p]))
    for lab, p in string_params(mode, (sw.VAR_STRING,)):
        out.append(("like", lab, [p]))
    never = strings + numeric_params(finite=False) + decimal_params() + temporal_params() + null_params()
    for lab, p in never:
        out.append(("never", lab, [p]))
    for lab, p in nums + decimal_params() + null_params():
        out.append(("amount", lab, [p]))
    if mode.user:
        user_vals = [(str(v), sw.p_int(sw.LONGLONG, v)) for v in (42, 43, 106, 0, -1, 2**63 - 1, -2**63)]
        user_vals += [(str(v), sw.p_int(sw.LONGLONG, v, unsigned=True)) for v in (42, 2**63, 2**64 - 1)]
        # (No fractions: MariaDB 10.11 finds user 43 for the LITERAL `user_id = 42.5` through the index
        # on user_id, but nothing for the parameter 42.5; that is the server's, not a splice.)
        user_vals += [("42", sw.p_int(sw.LONG, 42)), ("42", sw.p_int(sw.TINY, 42)), ("42.0", sw.p_double(42.0)),
                      ("42.0", sw.p_float(42.0)), ("4.2e1", sw.p_double(4.2e1))]
        user_vals += [(repr(t), sw.p_bytes(sw.NEWDECIMAL, t)) for t in ("42", "42.0", "0--", "42--", "4.2e1",
                                                                          "abc", "42 OR 1=1", "1e2")]
        for v in ("42", "042", " 42", "42abc", "42' OR 1=1 -- ", "42 OR 1=1", "4.2e1", "0--", "' OR 1=1 -- ",
                  b"\xbf\x5c' OR 1=1 -- ", "\\' OR 1=1 -- ", "ソ' OR 1=1 -- ", "", "x"):
            b = mode.encode(v)
            if b is not None:
                user_vals.append((label(v), sw.p_bytes(sw.VAR_STRING, b)))
        user_vals += temporal_params()[:2] + null_params()[:2]
        for lab, p in user_vals:
            out.append(("user", lab, [p]))
    for a, b in TWO_STRINGS + TWO_BYTES:
        ea = None if a is None else mode.encode(a)
        eb = None if b is None else mode.encode(b)
        if (a is not None and ea is None) or (b is not None and eb is None):
            continue
        pa = sw.p_null(sw.VAR_STRING) if a is None else sw.p_bytes(sw.VAR_STRING, ea)
        pb = sw.p_null(sw.VAR_STRING) if b is None else sw.p_bytes(sw.VAR_STRING, eb)
        out.append(("two", f"{label(a)}, {label(b)}", [pa, pb]))
    for a, b in AMOUNT_NOTE:
        eb = mode.encode(b)
        if eb is not None:
            out.append(("amt_note", f"{label(a)}, {label(b)}", [sw.p_bytes(sw.NEWDECIMAL, a), sw.p_bytes(sw.VAR_STRING, eb)]))
    return out


# --- layout and data ------------------------------------------------------------------
def schemas():
    demo = demo_schemas()["orders"]
    rule = copy.deepcopy(demo["tables"]["order_info"])
    rule["data_nodes"] = rule["data_nodes"].replace("db_", f"{LOGICAL}_")
    dbs = {k.replace("db_", f"{LOGICAL}_"): v for k, v in demo["databases"].items()}
    return {LOGICAL: {"default_data_source": demo["default_data_source"], "databases": dbs,
                      "tables": {"order_info": rule}}}


DDL = ("CREATE TABLE order_info (order_id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, "
       "amount DECIMAL(12,2) NULL, note VARCHAR(200) NULL, bnote VARBINARY(200) NULL, KEY idx_user (user_id)) "
       "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")


def physical(user):
    slot = user % 64
    return ("p0" if slot < 32 else "p1"), f"{LOGICAL}_{slot // 8}.order_info_{slot % 8}"


def rows():
    """(order_id, user_id, amount, note, bnote) of every row loaded."""
    out = []

    def add(user, k, amount, note, bnote):
        out.append((64 * k + user % 64, user, amount, note, bnote))

    for i, v in enumerate(TEXT_VALUES):
        add(USER, 1000 + i, f"{i}.{i % 100:02d}", v, v.encode())
    for j, v in enumerate(BYTE_VALUES):
        add(USER, 2000 + j, f"{j}.50", None, v)
    add(USER, 3000, None, None, None)
    add(USER, 3001, "42.00", "nan", b"nan")
    add(USER, 3002, "-5.25", "PLAIN TEXT", b"PLAIN TEXT")
    for k, user in enumerate((106, 170, 43, 7, 1000, 2**31, 2**40 + 5)):
        add(user, 4000 + k, f"{100 + k}.00", "x", b"x")
        add(user, 4100 + k, f"{200 + k}.00", "' OR 1=1 -- ", b"' OR 1=1 -- ")
    return out


def setup(proxy):
    for node in ("p0", "p1"):
        conn = backend(node)
        with conn.cursor() as c:
            for d in [LOGICAL, REF] + [f"{LOGICAL}_{i}" for i in range(8)]:
                c.execute(f"DROP DATABASE IF EXISTS `{d}`")
        conn.close()
    # The sharded table through the proxy (its DDL fans out to the 64 physical tables).
    with sw.StmtConn(HOST, proxy.port) as c:
        c.must(f"CREATE DATABASE {LOGICAL}")
        c.must(f"USE {LOGICAL}")
        c.must(DDL)
    # The reference, unsharded on p0.
    conn = backend("p0")
    with conn.cursor() as c:
        c.execute(f"CREATE DATABASE {REF}")
        c.execute(f"USE {REF}")
        c.execute(DDL)
    conn.close()
    # The same rows in both, written directly (not through the proxy under test).
    data = rows()
    by_table = collections.defaultdict(list)
    for r in data:
        by_table[physical(r[1])].append(r)
    insert = "INSERT INTO {} (order_id, user_id, amount, note, bnote) VALUES (%s, %s, %s, %s, %s)"
    conns = {n: backend(n, charset="utf8mb4") for n in ("p0", "p1")}
    try:
        for (node, table), rs in by_table.items():
            with conns[node].cursor() as c:
                c.executemany(insert.format(table), rs)
        with conns["p0"].cursor() as c:
            c.executemany(insert.format(f"{REF}.order_info"), data)
    finally:
        for c in conns.values():
            c.close()
    # Both hold the same rows (read through the proxy, as HEX so nothing is converted).
    check_sql = "SELECT order_id, user_id, amount, HEX(note), HEX(bnote) FROM order_info ORDER BY order_id"
    with sw.StmtConn(HOST, proxy.port, db=LOGICAL) as p, sw.StmtConn(HOST, cluster_port("p0"), db=REF) as d:
        got, want = p.must(check_sql).rows, d.must(check_sql).rows
    if got != want or len(want) != len(data):
        raise AssertionError(f"sharded and reference tables differ after loading: {len(got)} vs {len(want)} rows "
                             f"({len(data)} loaded)")


# --- running and comparing ----------------------------------------------------------
def norm(r):
    """A comparable form of a Result: ('err', errno) or ('ok', affected) or ('rows', values)."""
    if r.kind == "err":
        return ("err", r.errno)
    if r.kind == "ok":
        return ("ok", r.affected)
    out = []
    for row in r.rows:
        vals = []
        for v in row:
            if isinstance(v, float):
                v = repr(v).encode()
            elif isinstance(v, int):
                v = str(v).encode()
            elif isinstance(v, str):
                v = v.encode()
            vals.append(v)
        out.append(tuple(vals))
    return ("rows", tuple(out))


def suspicion(template, proxy_r, ref_r):
    """Why a difference looks like a splice (or '')."""
    if template == "never" and proxy_r.kind == "rows" and proxy_r.rows and proxy_r.rows[0][0] not in (0, b"0"):
        return "INJECTION: rows where `AND 1 = 0` allows none"
    if proxy_r.kind == "err" and proxy_r.errno in (1064, 1054, 1149) and ref_r.kind != "err":
        return f"SPLICE: the node statement is not valid SQL (ERR {proxy_r.errno})"
    if proxy_r.kind == "rows" and ref_r.kind == "rows" and proxy_r.rows and ref_r.rows:
        try:
            a, b = int(proxy_r.rows[0][0]), int(ref_r.rows[0][0])
            if a > b:
                return f"INJECTION?: matches {a} rows, the server {b}"
        except (TypeError, ValueError):
            pass
    return ""


class Differences:
    def __init__(self):
        self.items = []
        self.cases = 0

    def compare(self, mode, template, lab, types, proxy_r, ref_r):
        """types: the parameter types, for the report."""
        self.cases += 1
        if norm(proxy_r) == norm(ref_r):
            return True
        why = suspicion(template, proxy_r, ref_r)
        self.items.append((mode, template, lab, types, proxy_r.summary(), ref_r.summary(), why))
        if len(self.items) <= MAX_PRINTED:
            print(f"DIFF [{mode}] {template} {lab} ({types}): proxy {proxy_r.summary()} | server {ref_r.summary()}"
                  + (f"  <- {why}" if why else ""), flush=True)
        return False


def types_of(params):
    return ", ".join(sw.type_name(p.type) for p in params)


def open_pair(proxy, mode):
    p = sw.StmtConn(HOST, proxy.port, db=LOGICAL, charset=mode.handshake)
    d = sw.StmtConn(HOST, cluster_port("p0"), db=REF, charset=mode.handshake)
    for sql in mode.setup:
        p.must(sql)
        d.must(sql)
    return p, d


def run_binary(proxy, mode, diffs):
    p, d = open_pair(proxy, mode)
    try:
        stmts = {}
        for name, sql in TEMPLATES.items():
            if name == "insert":
                continue
            try:
                stmts[name] = (p.prepare(sql), d.prepare(sql))
            except sw.ServerError as e:
                diffs.items.append((mode.name, name, "(prepare)", "", str(e), "", "prepare failed"))
                print(f"DIFF [{mode.name}] {name}: prepare failed: {e}", flush=True)
        for template, lab, params in cases_for(mode):
            if template not in stmts:
                continue
            ps, ds = stmts[template]
            diffs.compare(mode.name, template, lab, types_of(params), p.execute(ps, params), d.execute(ds, params))
        if mode.inserts:
            run_inserts(p, d, mode, diffs)
    finally:
        p.close()
        d.close()


INSERT_SEQ = [0]


def run_inserts(p, d, mode, diffs):
    """Writes user 43's rows through both with every string value, then compares them."""
    sql = TEMPLATES["insert"]
    ps, ds = p.prepare(sql), d.prepare(sql)
    amounts = ["1.50", "-0", ".5", "1.", "1e2", "99999.99"]
    values = [v for v in TEXT_VALUES + BYTE_VALUES if mode.encode(v) is not None]
    first = INSERT_SEQ[0] + 1
    for i, v in enumerate(values):
        INSERT_SEQ[0] += 1
        oid = 64 * (100000 + INSERT_SEQ[0]) + INSERT_USER % 64
        b = mode.encode(v)
        params = [sw.p_int(sw.LONGLONG, oid), sw.p_int(sw.LONGLONG, INSERT_USER),
                  sw.p_bytes(sw.NEWDECIMAL, amounts[i % len(amounts)]),
                  sw.p_bytes(sw.VAR_STRING, b), sw.p_bytes(sw.BLOB if i % 2 else sw.VAR_STRING, b)]
        diffs.compare(mode.name, "insert", label(v), types_of(params), p.execute(ps, params), d.execute(ds, params))
    lo, hi = 64 * (100000 + first) + INSERT_USER % 64, 64 * (100000 + INSERT_SEQ[0]) + INSERT_USER % 64
    check_sql = (f"SELECT order_id, amount, HEX(note), HEX(bnote) FROM order_info WHERE user_id = {INSERT_USER} "
                 f"AND order_id BETWEEN {lo} AND {hi} ORDER BY order_id")
    got, want = p.query(check_sql), d.query(check_sql)
    got_rows = {r[0]: r for r in got.rows} if got.kind == "rows" else {}
    for r in (want.rows if want.kind == "rows" else []):
        if got_rows.get(r[0]) != r:
            diffs.items.append((mode.name, "insert", f"row {r[0].decode()}", "", repr(got_rows.get(r[0])), repr(r),
                                "stored value differs"))
            if len(diffs.items) <= MAX_PRINTED:
                print(f"DIFF [{mode.name}] insert: stored row differs: proxy {got_rows.get(r[0])!r} | "
                      f"server {r!r}", flush=True)
    if got.kind != "rows" or len(got.rows) != len(want.rows):
        diffs.items.append((mode.name, "insert", "(row count)", "", got.summary(), want.summary(), ""))


def run_sql_level(proxy, mode, diffs):
    """SET @p = ...; EXECUTE s USING @p on the logical table and on the reference."""
    p, d = open_pair(proxy, mode)
    try:
        names = {"sw_note": TEMPLATES["note"], "sw_never": TEMPLATES["never"], "sw_amount": TEMPLATES["amount"]}
        for name, sql in names.items():
            text = "PREPARE " + name + " FROM '" + sql.replace("'", "''") + "'"
            for conn, who in ((p, "proxy"), (d, "server")):
                r = conn.query(text)
                if r.kind == "err":
                    diffs.items.append((mode.name, f"sql:{name}", "(PREPARE)", "", r.summary(), who, ""))
                    print(f"DIFF [{mode.name}] sql {name}: PREPARE failed on the {who}: {r.summary()}", flush=True)
        intro = "_binary" if mode.charset == "binary" else "_" + mode.charset
        sets = []
        for v in TEXT_VALUES + BYTE_VALUES:
            b = mode.encode(v)
            if b is not None:
                sets.append((label(v), f"SET @p = {intro} {sw.quote_hex(b)}", ("sw_note", "sw_never")))
        for n in ("42", "-0", "1e308", "0.5", "18446744073709551615", "-9223372036854775808", "41.99", "NULL",
                  "'0--'", "'abc'"):
            sets.append((n, f"SET @p = {n}", ("sw_never", "sw_amount", "sw_note")))
        for lab, set_sql, targets in sets:
            for conn in (p, d):
                conn.query(set_sql)
            for name in targets:
                pr, dr = p.query(f"EXECUTE {name} USING @p"), d.query(f"EXECUTE {name} USING @p")
                diffs.compare(mode.name, f"sql:{name}", lab, "EXECUTE USING @p", pr, dr)
    finally:
        p.close()
        d.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", action="append", default=[], help="only these modes (names: see MODES)")
    ap.add_argument("--quick", action="store_true", help=f"only {sorted(QUICK)}")
    args = ap.parse_args()
    modes = [m for m in MODES if (not args.mode or m.name in args.mode) and (not args.quick or m.name in QUICK)]
    if not modes:
        raise SystemExit(f"no such mode; modes: {[m.name for m in MODES]}")
    t_all = time.monotonic()
    diffs = Differences()
    crashed = []
    with Proxy("param-binding", config={"schemas": schemas()}) as proxy:
        setup(proxy)
        print(f"setup: {len(rows())} rows in {LOGICAL}.order_info (through the proxy's DDL) and {REF}.order_info "
              f"({time.monotonic() - t_all:.1f}s)", flush=True)
        for mode in modes:
            t0 = time.monotonic()
            before_cases, before_diffs = diffs.cases, len(diffs.items)
            for part, fn, wanted in (("binary", run_binary, True), ("sql", run_sql_level, mode.sql)):
                if not wanted:
                    continue
                try:
                    fn(proxy, mode, diffs)
                except Exception as e:  # noqa: BLE001 - a broken connection fails this mode, not the run
                    crashed.append(f"{mode.name}/{part}: {e!r}")
                    print(f"FAIL [{mode.name}] {part}: {e!r}", flush=True)
                    traceback.print_exc()
                if not proxy.alive():
                    crashed.append(f"the proxy died (exit code {proxy.proc.returncode}) in {mode.name}/{part}")
                    break
            print(f"mode {mode.name}: {diffs.cases - before_cases} cases, {len(diffs.items) - before_diffs} differing "
                  f"({time.monotonic() - t0:.1f}s)", flush=True)
            if not proxy.alive():
                break
        if crashed:
            proxy.keep = True
    n = len(diffs.items)
    print(f"\nparam_binding: {diffs.cases} cases run, {n} differing, in {time.monotonic() - t_all:.1f}s", flush=True)
    if n:
        if n > MAX_PRINTED:
            print(f"(first {MAX_PRINTED} differences printed above)")
        by_mode = collections.defaultdict(collections.Counter)
        for m, t, *_ in diffs.items:
            by_mode[m][t] += 1
        print("differences by mode and template:")
        for m, counts in by_mode.items():
            print(f"  {m}: " + ", ".join(f"{t} {c}" for t, c in sorted(counts.items())))
        spliced = [d for d in diffs.items if d[6].startswith(("INJECTION", "SPLICE"))]
        if spliced:
            values = collections.Counter(d[2] for d in spliced)
            print(f"looking spliced (rows where none may be, more rows than the server, or invalid SQL on the "
                  f"node): {len(spliced)}, values: " + "; ".join(f"{lab} x{c}" for lab, c in values.most_common(60)))
        by_value = collections.Counter(d[2] for d in diffs.items)
        print("all differing values (occurrences over modes, templates and types): " +
              "; ".join(f"{lab} x{c}" for lab, c in by_value.most_common(100)))
    # Known gap (docs/sessions.md): a string whose bytes are not valid in the client's
    # character set, or a DECIMAL text beyond DOUBLE's range, is taken by the server as a
    # bound parameter but refused as the proxy's hex literal (ERR 1300/1366/1267/1367),
    # and an INSERT of one stores no row. Safe (an error, never another statement), but
    # not the server's answer: counted and listed, not failed. Anything else fails.
    def tolerated(d):
        mode, template, lab, types, proxy_s, ref_s, why = d
        if why.startswith(("INJECTION", "SPLICE")):
            return False
        if proxy_s.startswith(("ERR 1300", "ERR 1366", "ERR 1267", "ERR 1367")):
            return True
        return template == "insert" and (proxy_s == "None" or lab == "(row count)")
    known = [d for d in diffs.items if tolerated(d)]
    hard = [d for d in diffs.items if not tolerated(d)]
    if known:
        print(f"KNOWN GAP: {len(known)} differences are literals the server refuses where it takes the parameter")
    for d in hard[:40]:
        print(f"FAILING: [{d[0]}] {d[1]} {d[2]} ({d[3]}): proxy {d[4]} | server {d[5]} {d[6]}")
    if crashed:
        print("FAILED to run: " + "; ".join(crashed))
    return 1 if hard or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
