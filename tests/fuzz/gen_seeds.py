#!/usr/bin/env python3
"""Writes the seed corpora (tests/fuzz/corpus/<target>/) and the SQL dictionary
(tests/fuzz/sql.dict) from the unit tests' golden data, so the fuzzers start from real
packets and statements. Deterministic: run it again after the goldens change and commit
what differs. Usage: python3 tests/fuzz/gen_seeds.py
"""
import glob
import hashlib
import json
import os
import re
import shutil
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def rel(*p):
    return os.path.join(ROOT, *p)


# --- goldens from the C++ tests ----------------------------------------------------

LITERAL_RUN = re.compile(r'((?:"(?:[^"\\]|\\.)*"\s*)+)')


def hex_goldens(path):
    """Every run of adjacent string literals in a test file that is hex bytes."""
    out = []
    text = open(path).read()
    for m in LITERAL_RUN.finditer(text):
        s = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        digits = s.replace(" ", "")
        if len(digits) >= 4 and len(digits) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", digits) and " " in s:
            out.append(bytes.fromhex(digits))
    return out


def named_hex(path):
    """const std::string name = "hex" ...; definitions (response_tracker_test.cpp)."""
    out = {}
    text = open(path).read()
    for m in re.finditer(r'const std::string (\w+)\s*=\s*((?:"[^"]*"\s*)+);', text):
        out[m.group(1)] = "".join(re.findall(r'"([^"]*)"', m.group(2)))
    for m in re.finditer(r'const std::string ([\w, =]+?)\s*=\s*"([^"]*)",\s*(\w+)\s*=\s*"([^"]*)";', text):
        out[m.group(1)] = m.group(2)
        out[m.group(3)] = m.group(4)
    return out


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


# --- writing -------------------------------------------------------------------------

def write_corpus(target, seeds, ext=""):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for name, data in seeds:
        if isinstance(data, str):
            data = data.encode()
        if not data or data in seen:
            continue
        seen.add(data)
        fname = name or hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(d, fname + ext), "wb") as f:
            f.write(data)
    return len(seen)


def numbered(prefix, items):
    return [("%s_%02d" % (prefix, i), x) for i, x in enumerate(items)]


def frame(payload, seq=0):
    out = b""
    while True:
        chunk = payload[:0xFFFFFF]
        payload = payload[len(chunk):]
        out += struct.pack("<I", len(chunk))[:3] + bytes([seq & 0xFF]) + chunk
        seq += 1
        if len(chunk) < 0xFFFFFF:
            return out


def lenenc(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def lstr(b):
    if isinstance(b, str):
        b = b.encode()
    return lenenc(len(b)) + b


# --- protocol ----------------------------------------------------------------------

messages = hex_goldens(rel("tests/protocol/messages_test.cpp"))
messages += [h(v) for v in named_hex(rel("tests/protocol/response_tracker_test.cpp")).values()]
handshakes = hex_goldens(rel("tests/protocol/handshake_test.cpp")) + hex_goldens(rel("tests/protocol/auth_test.cpp"))
cli_token = h("a0 1a 2c 1f 1d 5c a9 dd 49 d6 87 0c 83 12 d7 3d 4b 67 a4 b5")
filler = bytes(23)
handshakes += [
    # handshake_test.cpp's concatenated variants
    h("01 a2 08 00 00 00 00 01 21") + filler + b"root\x00\x14" + cli_token + b"mysql_native_password\x00",
    h("08 a2 00 00 00 00 00 01 2d") + filler + h("75 00 00") + b"db1\x00",
    h("00 02 00 00 00 00 00 01 08") + filler + h("75 00 61 62 63 00"),
    # CONNECT_ATTRS + PLUGIN_AUTH_LENENC_DATA, a database and attributes
    h("8d a2 3f 00 00 00 00 01 2d") + filler + b"app\x00" + lstr(cli_token) + b"shop\x00mysql_native_password\x00"
    + lstr(lstr("_os") + lstr("Linux") + lstr("_pid") + lstr("1")),
    # an SSL request (32 bytes) and a pre-4.1 client
    h("8c aa bf 00 00 00 00 10 21") + filler,
    h("05 00 00 00 01") + b"root\x00ABCDEFGH",
    # the config's stored hash form
    b"*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
]

packet_wire = hex_goldens(rel("tests/protocol/packet_test.cpp"))
packets = list(packet_wire)
for i, p in enumerate(messages[:12] + handshakes[:4]):
    packets.append(frame(p, i))
packets += [
    frame(messages[0], 1) + frame(b"\x0e", 0),        # a response, then the next command
    frame(b"\x03SELECT 1", 0),                        # COM_QUERY
    frame(b""),                                       # an empty packet ends a 16 MiB message
    h("ff ff ff 00") + b"x" * 64,                     # first packet of a 16 MiB message
    h("ff ff ff 07") + b"y" * 16 + h("00 00 00 08"),  # a maximal packet and its continuation header
    h("e9 03 00 00"),                                 # a header announcing 1001 bytes
    h("01 00 00 05 0e 01 00 00 03 0e"),               # out of order
]

codec = [
    bytes([13]) + bytes(range(13)) + h("2a 3412 563412 78563412 efcdab8967452301 fc0102 03616263 fb 05 68656c6c6f 6869 00"),
    bytes([8, 5, 5, 5, 5, 6, 6, 7, 8]) + h("fa fc fb00 fd010203 fe0102030405060708 fb 00 02 6869 616200"),
    bytes([6, 7, 7, 9 + 14 * 4, 10, 11, 12]) + h("fd ffffff") + b"z" * 8,
    bytes([4, 5, 5, 5, 5]) + h("ff fb fe 01"),        # the NULL marker and 0xFF are not integers
    bytes([3, 8, 8, 8]) + b"a\x00bc\x00d",
    bytes([2, 13, 200]),
]

# response_tracker: kind, flags (1: backend DEPRECATE_EOF, 2: client, 4: trickle), status, packets.
K = {"none": 0, "ok_err": 1, "eof_err": 2, "raw_single": 3, "result_sets": 4, "field_list": 5,
     "stmt_prepare": 6, "rows": 7}
n = named_hex(rel("tests/protocol/response_tracker_test.cpp"))
captures = [  # tests/protocol/response_tracker_test.cpp: (kind, status hint, EOF mode, DEPRECATE_EOF mode)
    ("result_sets", 0x0002, ["03", n["col_a"], n["col_b"], n["col_c"], n["eof2"], "01 31 fb 01 78", n["eof2"]],
     ["03", n["col_a"], n["col_b"], n["col_c"], "01 31 fb 01 78", n["okfe2"]]),
    ("result_sets", 0x0002, [n["ok_plain"]], [n["ok_plain"]]),
    ("result_sets", 0x0002, [n["err_table"]], [n["err_table"]]),
    ("field_list", 0x0002, [n["col_id"], n["col_v"], n["eof2"]], [n["col_id"], n["col_v"], n["okfe2"]]),
    ("eof_err", 0x0002, [n["eof2"]], [n["okfe2"]]),
    ("stmt_prepare", 0x0002,
     ["00 01 00 00 00 02 00 02 00 00 00 00", n["param"], n["param"], n["eof2"], n["col_s"], n["col_c"], n["eof2"]],
     ["00 01 00 00 00 02 00 02 00 00 00 00", n["param"], n["param"], n["col_s"], n["col_c"]]),
    ("result_sets", 0x0022,
     ["01", n["col_ua"], "fe 00 00 22 00", "00 00 01 00 00 00", "00 00 02 00 00 00", "fe 00 00 22 00"],
     ["01", n["col_ua"], "00 00 01 00 00 00", "00 00 02 00 00 00", "fe 00 00 22 00 00 00"]),
    ("rows", 0x0002, ["00 00 01 00 00 00", "00 00 02 00 00 00", "fe 00 00 82 00"],
     ["00 00 01 00 00 00", "00 00 02 00 00 00", "fe 00 00 82 00 00 00"]),
    ("result_sets", 0x0002, ["01", n["col_ua"], "fe 00 00 62 00"], ["01", n["col_ua"], "fe 00 00 62 00 00 00"]),
    # two result sets (MORE_RESULTS_EXIST), LOCAL INFILE, COM_PING, COM_STATISTICS
    ("result_sets", 0x0002, ["01", n["col_ua"], "fe 00 00 0a 00", "01 31", "fe 00 00 0a 00", n["ok_plain"]],
     ["01", n["col_ua"], "01 31", "fe 00 00 0a 00 00 00", n["ok_plain"]]),
    ("result_sets", 0x0002, ["fb 2f 74 6d 70 2f 78", n["ok_plain"]], ["fb 2f 74 6d 70 2f 78", n["ok_plain"]]),
    ("ok_err", 0x0002, [n["ok_plain"]], [n["ok_plain"]]),
    ("raw_single", 0x0002, [b"Uptime: 5".hex()], [b"Uptime: 5".hex()]),
]


def tracker_input(kind, flags, status, payloads):
    out = bytes([K[kind], flags]) + struct.pack("<H", status)
    for p in payloads:
        b = h(p)
        out += (bytes([len(b)]) if len(b) < 0xF0 else b"\xf0" + struct.pack("<H", len(b))) + b
    return out


tracker = []
for kind, status, eof_mode, dep_mode in captures:
    for client in (0, 2):
        tracker.append(tracker_input(kind, client, status, eof_mode))
        tracker.append(tracker_input(kind, 1 | client, status, dep_mode))
tracker.append(tracker_input("result_sets", 4 | 2, 2, ["01", n["col_ua"], n["eof2"], "00 00 01 00 00 00", n["eof2"]]))
# a row of 16 MiB - 1 bytes of which 64 are buffered, then the terminator
tracker.append(bytes([K["result_sets"], 3, 2, 0]) + b"\x01\x01" + bytes([len(h(n["col_ua"]))]) + h(n["col_ua"])
               + b"\xf1\xff\xff\xff" + b"r" * 64 + b"\x07" + h(n["okfe2"]))

# merger row codec: flags (bit 0 binary), columns, per column (type index, flags, decimals), payload.
T = {"decimal": 0, "tiny": 1, "short": 2, "long": 3, "float": 4, "double": 5, "null": 6, "timestamp": 7,
     "longlong": 8, "int24": 9, "date": 10, "time": 11, "datetime": 12, "year": 13, "newdate": 14, "varchar": 15,
     "bit": 16, "json": 17, "newdecimal": 18, "enum": 19, "set": 20, "tiny_blob": 21, "medium_blob": 22,
     "long_blob": 23, "blob": 24, "var_string": 25, "string": 26, "geometry": 27}


def row_input(binary, cols, payload):
    out = bytes([1 if binary else 0, len(cols)])
    for c in cols:
        name, unsigned, decimals = (c + (False, 0))[:3] if isinstance(c, tuple) else (c, False, 0)
        out += bytes([T[name], 1 if unsigned else 0, decimals])
    return out + payload


def bitmap(nulls, count):
    b = bytearray((count + 7 + 2) // 8)
    for i in nulls:
        b[(i + 2) // 8] |= 1 << ((i + 2) % 8)
    return bytes(b)


rows = [
    row_input(False, ["longlong", "null", "var_string"], h("01 31 fb 01 78")),
    row_input(False, [("newdecimal", False, 2), "double", "float"], lstr("12.50") + lstr("1.5") + lstr("-2.5e-3")),
    row_input(False, ["datetime", "date", "time", "timestamp"],
              lstr("2024-01-02 10:00:00.5") + lstr("2024-02-29") + lstr("-01:30:00") + lstr("0000-00-00 00:00:00")),
    row_input(False, [("longlong", True), "tiny", "year", "string"], lstr("18446744073709551615") + lstr("-128")
              + lstr("2024") + lstr("x" * 300)),
    row_input(False, [("decimal", False, 30), ("newdecimal", False, 38)], lstr("-0.000000000000000000000000000001")
              + lstr("99999999999999999999999999999999999999")),
    row_input(True, ["long"], h("00 00 01 00 00 00")),
    row_input(True, ["long", "var_string", "double"], b"\x00" + bitmap([1], 3) + struct.pack("<i", -5)
              + struct.pack("<d", 2.5)),
    row_input(True, [("longlong", True), "tiny", "short", "int24", "float", "year"],
              b"\x00" + bitmap([], 6) + struct.pack("<Q", 2**64 - 1) + b"\xff" + struct.pack("<h", -2)
              + struct.pack("<i", 7) + struct.pack("<f", 0.5) + struct.pack("<H", 2024)),
    row_input(True, ["datetime", "date", "time", "timestamp"], b"\x00" + bitmap([], 4)
              + h("0b e8 07 01 02 0a 1e 2d 40 e2 01 00") + h("04 e8 07 02 1d") + h("0c 01 01 00 00 00 02 03 04 10 27 00 00")
              + h("00")),
    row_input(True, [("newdecimal", False, 2), "blob", "json"], b"\x00" + bitmap([], 3) + lstr("12.50")
              + lstr(b"\x00\x01\xff") + lstr('{"a":1}')),
    row_input(True, ["long"] * 9, b"\x00" + bitmap(range(9), 9)),
]

# proxy/prepared: parameter count, flags (1: types kept, 2: long data), [type seed], [long data mask], rest.


def execute_rest(params):
    """params: list of (type, value bytes or None for NULL): bitmap, bound flag 1, types, values."""
    bm = bytearray((len(params) + 7) // 8)
    for i, (_, v) in enumerate(params):
        if v is None:
            bm[i // 8] |= 1 << (i % 8)
    out = bytes(bm) + b"\x01" + b"".join(struct.pack("<H", t) for t, _ in params)
    return out + b"".join(v for _, v in params if v is not None)


def prepared(params, flags=0, extra=b""):
    return bytes([len(params), flags]) + extra + execute_rest(params)


prepared_seeds = [
    b"\x00\x00",
    prepared([(3, struct.pack("<i", 5))]),
    prepared([(0xFD, lstr("abc")), (0x8008, struct.pack("<Q", 2**64 - 1))]),
    prepared([(0xFD, lstr("it's a \\ 'quote'\x00")), (6, None), (1, b"\xff")]),
    prepared([(5, struct.pack("<d", float("nan"))), (4, struct.pack("<f", float("inf"))), (5, struct.pack("<d", -0.0))]),
    prepared([(0xF6, lstr("12.5")), (0, lstr("-1e-5")), (0xF6, lstr("1--"))]),
    prepared([(0x0C, h("07 e8 07 02 1d 0a 00 00")), (0x0A, h("04 e8 07 02 1d")), (0x0B, h("08 01 01 00 00 00 02 03 04"))]),
    prepared([(0x07, h("0b e8 07 01 02 0a 1e 2d 40 e2 01 00")), (0x0B, h("0c 00 22 00 00 00 17 3b 3b 3f 42 0f 00")),
              (0x0C, h("00"))]),
    prepared([(0xFC, lstr(b"\x00\x01\x02\xff")), (0x0F, lstr("varchar")), (0xFE, lstr("")), (0xF5, lstr('{"k": 1}'))]),
    prepared([(0x8001, b"\xff"), (0x8002, b"\xff\xff"), (0x8003, b"\xff\xff\xff\xff"), (0x09, b"\x01\x00\x00\x80"),
              (0x0D, struct.pack("<H", 2024)), (2, struct.pack("<h", -300))]),
    prepared([(6, None)] * 64),
    prepared([(3, struct.pack("<i", i)) for i in range(20)]),
    # types kept from the previous execute (bound flag 0): the seed byte picks them
    bytes([2, 1, 0]) + b"\x00\x00" + struct.pack("<H", 0) + b"",
    # long data on parameter 0 (mask 0x01): its value is not in the packet
    bytes([2, 2, 0x01]) + execute_rest([(0xFC, None), (3, struct.pack("<i", 9))]),
    bytes([3, 3, 5, 0x05]) + b"\x00\x00",
    prepared([(0xFD, lstr("x" * 300))], 4),
    prepared([(0xFD, lstr(b"\xbf\x5c"))], 8),  # a GBK lead byte before a backslash
]

# --- SQL -----------------------------------------------------------------------------


def roundtrip_statements():
    out = []
    section = []
    sections = []
    for line in open(rel("tests/router/roundtrip_cases.sql")):
        line = line.rstrip("\n")
        if line.startswith("# ---"):
            if section:
                sections.append(section)
            section = []
        elif line and not line.startswith("#") and not line.startswith("=> "):
            section.append(line)
    if section:
        sections.append(section)
    for s in sections:  # two per section: its first and one from the middle
        out += [s[0], s[len(s) // 2]]
    return out


def error_statements():
    out = []
    for line in open(rel("tests/router/parse_error_cases.sql")):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or " ~ " not in line:
            continue
        stmt = line.split(" ~ ")[0]
        if stmt.strip():
            out.append(stmt)
    return out[::6]


def plan_queries():
    out = []
    for f in sorted(glob.glob(rel("tests/router/plans/*_cases.json"))):
        cases = json.load(open(f))
        out += [c["query"] for c in cases[::40]]
    return out


nasty = [
    ("nested_parens_10000", "SELECT " + "(" * 10000 + "1" + ")" * 10000),
    ("nested_subqueries_300", "SELECT " + "(SELECT " * 300 + "1" + ")" * 300),
    ("nested_functions_3000", "SELECT " + "ABS(" * 3000 + "1" + ")" * 3000),
    ("nested_case_500", "SELECT " + "CASE WHEN 1 THEN " * 500 + "1" + " END" * 500),
    ("nested_joins_500", "SELECT * FROM " + "(" * 500 + "t" + ")" * 500),
    ("not_chain_5000", "SELECT " + "NOT " * 5000 + "1"),
    ("minus_chain_5000", "SELECT " + "- " * 5000 + "1"),
    ("plus_chain_5000", "SELECT 1" + " + 1" * 5000),
    ("and_chain_1000", "SELECT * FROM order_info WHERE user_id = 1" + " AND user_id = 1" * 1000),
    ("in_list_2000", "SELECT * FROM order_info WHERE user_id IN (" + ", ".join(str(i) for i in range(2000)) + ")"),
    ("joins_300", "SELECT * FROM t0" + "".join(" JOIN t%d ON 1" % i for i in range(1, 300))),
    ("union_500", " UNION ".join("SELECT %d" % i for i in range(500))),
    ("versioned_set", "/*!SET autocommit=0*/"),
    ("versioned_kill", "/*M!100500 KILL 5*/"),
    ("versioned_kill_then_select", "/*M!100500 KILL 5*/ SELECT 1"),
    ("versioned_select", "/*!50700 SELECT * FROM order_info WHERE user_id = 3 */"),
    ("versioned_names", "/*!40101 SET NAMES utf8mb4 */;"),
    ("versioned_inline", "SELECT /*!STRAIGHT_JOIN*/ a FROM order_info /*!50100 WHERE user_id = 1 */"),
    ("versioned_write_before_select", "/*M!100000 REPLACE order_info */ SELECT 1"),
    ("batch_select", "SELECT 1; SELECT 2"),
    ("batch_txn", "BEGIN; UPDATE order_info SET status = 1 WHERE user_id = 7; COMMIT"),
    ("batch_vars", "SET @a = 1; SELECT @a; SELECT @a := 2;"),
    ("batch_use", "USE orders; SELECT * FROM order_item WHERE order_id = 5"),
    ("hint_primary", "/* shardwire:primary */ SELECT * FROM order_info WHERE user_id = 3"),
    ("hint_optimizer", "SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM order_info ORDER BY order_id LIMIT 5"),
    ("shardwire_explain", "SHARDWIRE EXPLAIN SELECT * FROM order_info WHERE user_id = 1"),
    ("insert_generated", "INSERT INTO order_info (user_id, status) VALUES (1, 'x'), (2, 'y')"),
    ("literals", "SELECT 'a\\'b', \"c\"\"d\", _utf8mb4'x', N'y', X'0F', 0x0F, B'01', b'1', .5e3, @v, @@session.sql_mode"),
    ("unterminated_string", "SELECT 'abc"),
    ("unterminated_comment", "SELECT 1 /* no end"),
    ("unterminated_identifier", "SELECT `abc"),
    ("comments", "-- c\n# d\n/* e */ SELECT 1 -- trailing"),
    ("kill", "KILL QUERY 12"),
    ("kill_user", "KILL HARD CONNECTION USER app"),
    ("merge_aggregates", "SELECT user_id, COUNT(*), SUM(amount), AVG(amount) FROM order_info GROUP BY user_id "
     "HAVING COUNT(*) > 1 ORDER BY 2 DESC LIMIT 10, 5"),
    # a first byte below 0x10 chooses options (tests/fuzz/sql_input.hpp)
    ("opt_params", "\x08SELECT * FROM order_info WHERE user_id = ? AND order_id IN (?, ?) LIMIT ?"),
    ("opt_params_insert", "\x0cINSERT INTO order_item (user_id, order_id, price) VALUES (?, ?, ?)"),
    ("opt_ansi_quotes", "\x01SELECT \"order_id\" FROM \"order_info\" WHERE \"user_id\" = 1"),
    ("opt_no_backslash", "\x02SELECT 'a\\' FROM order_info WHERE user_id = 'x\\'"),
]


def sql_seeds(extra):
    seeds = numbered("roundtrip", roundtrip_statements()) + numbered("error", error_statements())
    seeds += extra + nasty
    return seeds


# --- dictionary ------------------------------------------------------------------------


def sql_dict():
    words = set()
    for f in glob.glob(rel("router/*.cpp")) + glob.glob(rel("router/*.hpp")):
        for w in re.findall(r'"([A-Z][A-Z_0-9]{1,30})"', open(f).read()):
            words.add(w)
    words |= {"SELECT", "FROM", "WHERE", "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "JOIN", "ON",
              "UNION", "ALL", "WITH", "AS", "AND", "OR", "NOT", "NULL", "IN", "BETWEEN", "LIKE", "IS", "CASE", "WHEN",
              "THEN", "ELSE", "END", "ORDER", "BY", "GROUP", "HAVING", "LIMIT", "OFFSET", "FOR", "KILL", "SHARDWIRE",
              "EXPLAIN", "PREPARE", "EXECUTE", "IMMEDIATE", "DEALLOCATE", "BEGIN", "COMMIT", "ROLLBACK", "USE",
              "SHOW", "CREATE", "TABLE", "DROP", "ALTER", "CALL", "DO", "LOCK", "TABLES", "XA", "HANDLER",
              "REPLACE", "TRUNCATE", "COUNT", "SUM", "AVG", "MIN", "MAX", "DISTINCT", "LAST_INSERT_ID", "GET_LOCK"}
    names = ["orders", "order_info", "order_item", "region", "user_id", "order_id", "item_id", "db_0", "db_7",
             "order_info_3", "ds0"]
    tokens = ["/*!", "/*!50700 ", "/*M!", "/*M!100500 ", "*/", "/*+ ", "/* shardwire:primary */", "-- ", "#", "\n",
              "`", "'", "\"", "''", "\\'", "\\\\", "?", "@", "@@", ":=", "<=>", "<=", ">=", "<>", "!=", "||", "&&",
              "<<", ">>", "->", "->>", "(", ")", ",", ";", ".", "*", "X'", "0x", "b'", "0b", "N'", "_utf8mb4",
              "_binary", "1e9", ".5", "18446744073709551616", "-9223372036854775808"]
    lines = ["# SQL keywords of router/, the demo rules' names, and the lexer's special sequences."]
    for w in sorted(words) + names:
        lines.append('"%s"' % w)
    for t in tokens:
        lines.append('"%s"' % t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0A"))
    return "\n".join(lines) + "\n"


def main():
    counts = {
        "protocol_packet": write_corpus("protocol_packet", numbered("wire", packets), ".bin"),
        "protocol_codec": write_corpus("protocol_codec", numbered("ops", codec), ".bin"),
        "protocol_messages": write_corpus("protocol_messages", numbered("payload", messages), ".bin"),
        "protocol_handshake": write_corpus("protocol_handshake", numbered("payload", handshakes), ".bin"),
        "protocol_response_tracker": write_corpus("protocol_response_tracker", numbered("response", tracker), ".bin"),
        "merger_row_codec": write_corpus("merger_row_codec", numbered("row", rows), ".bin"),
        "proxy_prepared": write_corpus("proxy_prepared", numbered("execute", prepared_seeds), ".bin"),
        "router_lexer": write_corpus("router_lexer", sql_seeds([]), ".sql"),
        "router_sql": write_corpus("router_sql", sql_seeds(numbered("plan", plan_queries())), ".sql"),
    }
    with open(rel("tests/fuzz/sql.dict"), "w") as f:
        f.write(sql_dict())
    for k, v in counts.items():
        print("%-28s %3d seeds" % (k, v))


if __name__ == "__main__":
    main()
