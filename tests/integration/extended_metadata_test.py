#!/usr/bin/python3
"""MariaDB's extended type information (MARIADB_CLIENT_EXTENDED_METADATA) as clients see
it: a client that negotiates it gets, through the proxy, the column definitions the
server sends it directly, byte for byte (type names such as inet6 and uuid, the json
format), in text results, prepared statement metadata and binary results; a client that
does not negotiate it gets none. The proxy offers it as a MariaDB server does: CLIENT_MYSQL
unset, the extended capability in the greeting's last reserved bytes.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, check, check_eq, cluster_port, main_cases  # noqa: E402

EXTENDED_METADATA = 1 << 3
CAPS = (wire.BASE_CAPS | wire.CLIENT_DEPRECATE_EOF | wire.CLIENT_PLUGIN_AUTH_LENENC) & ~wire.CLIENT_LONG_PASSWORD
DB = "sw_extmeta"
QUERY = "SELECT id, addr, uid, doc, CAST(doc AS CHAR) AS plain FROM t ORDER BY id"
proxy = None


def greeting_mariadb_caps(c):
    p = c.greeting
    pos = p.index(b"\0", 1) + 1 + 4 + 9 + 2 + 1 + 2 + 2 + 1 + 6
    return struct.unpack_from("<I", p, pos)[0]


def connect(port, extended):
    c = wire.Conn(HOST, port, timeout=30)
    c.read_greeting()
    token = wire.native_token("app", c.scramble)
    p = struct.pack("<IIB", CAPS | wire.CLIENT_CONNECT_WITH_DB, 1 << 24, 45) + b"\0" * 19
    p += struct.pack("<I", EXTENDED_METADATA if extended else 0)
    p += b"app\0" + wire.lenenc(len(token)) + token + DB.encode() + b"\0" + b"mysql_native_password\0"
    c.send(wire.packet(p, 1))
    _, ok = c.read_packet()
    check(ok[:1] == b"\x00", f"login: {ok[:80]!r}")
    return c


def text_result(c, sql):
    c.command(wire.COM_QUERY, sql.encode())
    r = wire.read_response(c, True)
    check_eq(r["kind"], "rows", sql)
    return r["packets"][1:1 + r["columns"]], r["rows"]


def prepared_result(c, sql):
    """(parameter and column definitions of the prepare, column definitions of the execute)."""
    c.command(0x16, sql.encode())
    _, p = c.read_packet()
    check(p[:1] == b"\x00", f"prepare: {p[:80]!r}")
    stmt, columns, params = struct.unpack_from("<IHH", p, 1)
    defs = [c.read_packet()[1] for _ in range(params + columns)]
    c.command(0x17, struct.pack("<IBI", stmt, 0, 1))
    r = wire.read_response(c, True)
    c.command(0x19, struct.pack("<I", stmt))
    return defs, r["packets"][1:1 + r["columns"]]


def test_setup():
    with backend() as b, b.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute(f"CREATE DATABASE {DB}")
        cur.execute(f"CREATE TABLE {DB}.t (id INT PRIMARY KEY, addr INET6, uid UUID, doc JSON)")
        cur.execute(f"INSERT INTO {DB}.t VALUES (1, '::1', '123e4567-e89b-12d3-a456-426655440000', '{{\"a\": 1}}')")


def test_greeting_offers_it_as_mariadb():
    c = wire.Conn(HOST, proxy.port, timeout=30)
    try:
        c.read_greeting()
        check(not c.server_caps & wire.CLIENT_LONG_PASSWORD, "CLIENT_MYSQL unset, as from MariaDB")
        check_eq(greeting_mariadb_caps(c), EXTENDED_METADATA, "extended capabilities offered")
    finally:
        c.close()


def test_text_and_prepared_definitions_match_the_server():
    for extended in (True, False):
        direct, through = connect(cluster_port("p0"), extended), connect(proxy.port, extended)
        try:
            d_defs, d_rows = text_result(direct, QUERY)
            t_defs, t_rows = text_result(through, QUERY)
            check_eq(t_defs, d_defs, f"text column definitions (extended {extended})")
            check_eq(t_rows, d_rows, "text rows")
            if extended:
                check(b"inet6" in d_defs[1] and b"uuid" in d_defs[2] and b"json" in d_defs[3],
                      f"the server's extended type information: {d_defs}")
            else:
                check(not any(x in b"".join(d_defs) for x in (b"inet6", b"json")), "no extended block without it")
            check_eq(prepared_result(through, QUERY), prepared_result(direct, QUERY),
                     f"prepared metadata and binary result definitions (extended {extended})")
            bare = "SELECT 1 AS one, 'x' AS s"
            check_eq(text_result(through, bare)[0], text_result(direct, bare)[0], "definitions without a table")
        finally:
            direct.close()
            through.close()


def test_proxy_made_definitions_carry_an_empty_block():
    """Results the proxy builds itself (SHOW PROCESSLIST) follow the client's choice."""
    for extended in (True, False):
        c = connect(proxy.port, extended)
        try:
            defs, _ = text_result(c, "SHOW PROCESSLIST")
            for d in defs:
                pos = 0
                for _ in range(6):
                    n, pos = wire.read_lenenc(d, pos)
                    pos += n
                rest = d[pos:]
                if extended:
                    check(rest[:2] == b"\x00\x0c", f"an empty extended block, then the fixed fields: {d!r}")
                else:
                    check(rest[:1] == b"\x0c", f"the fixed fields right after the names: {d!r}")
        finally:
            c.close()


def main():
    def start():
        global proxy
        proxy = Proxy("extended-metadata-proxy").start()
        return [proxy]

    main_cases([test_setup, test_greeting_offers_it_as_mariadb, test_text_and_prepared_definitions_match_the_server,
                test_proxy_made_definitions_carry_an_empty_block], start)


if __name__ == "__main__":
    main()
