#!/usr/bin/python3
"""Differential compatibility runner: every script of the corpus runs once directly on
p0 and once through a shardwire proxy in front of p0, on the same database name, and
every response must be the same: rows, column definitions (the raw packets: names,
types, flags, charsets, lengths, decimals, MariaDB's extended metadata), errors (errno,
SQLSTATE, message), OK packets (affected rows, insert id, status flags, warning count,
info, session state reports: the client negotiates CLIENT_SESSION_TRACK), and the rows
of SHOW WARNINGS whenever a statement left warnings.

Three modes: `text` (each statement one COM_QUERY; a statement holding `;` under
`DELIMITER` is sent as one batch), `binary` (each statement COM_STMT_PREPARE +
COM_STMT_EXECUTE + COM_STMT_CLOSE, as drivers with server-side prepared statements do; a
statement the server cannot prepare must fail the same way through the proxy) and
`churn` (text, but through the proxy another session takes the backend connection the
script's session released before each statement, so the session's state must follow it
to another connection every time: multiplexing under test).

    differ.py [--mode text|binary|churn|all] [--only NAME] [--verbose] [corpus files...]

Known differences (tests/compat/known_differences.txt) are reported but do not fail the
run; a known difference that no longer differs fails it, so the list stays true.
The cluster and proxy come from the integration harness (run it through ctest:
integration/compat).
"""
import argparse
import glob
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import wire  # noqa: E402
from harness import HOST, Proxy, backend, cluster_port, demo_schemas  # noqa: E402

DB = "swcompat"
COM_STMT_PREPARE, COM_STMT_EXECUTE, COM_STMT_CLOSE = 0x16, 0x17, 0x19
CLIENT_PS_MULTI_RESULTS = 1 << 18
CLIENT_SESSION_TRACK = 1 << 23
MARIADB_EXTENDED_METADATA = 1 << 3  # MariaDB extended capability (CLIENT_MYSQL unset)
MORE_RESULTS = 0x0008
# Status bits that may differ between two runs on the same server for reasons no client
# can see (SERVER_QUERY_WAS_SLOW).
STATUS_IGNORED = 0x0800


# --- the corpus ----------------------------------------------------------------------
def statements(path):
    """(line, text) of each statement: `;` at the end of a line ends one; `DELIMITER x`
    changes the terminator (mysqltest style); `--` lines are comments."""
    out, buf, start, delim = [], [], None, ";"
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            stripped = line.strip()
            if not buf and (not stripped or stripped.startswith("--") or stripped.startswith("#")):
                continue
            m = re.match(r"(?i)^delimiter\s+(\S+)\s*$", stripped)
            if not buf and m:
                delim = m.group(1)
                continue
            if start is None:
                start = n
            buf.append(line.rstrip("\n"))
            if stripped.endswith(delim):
                text = "\n".join(buf).rstrip()
                out.append((start, text[: len(text) - len(delim)].rstrip()))
                buf, start = [], None
    if buf:
        out.append((start, "\n".join(buf)))
    return out


# --- a client that keeps every response packet --------------------------------------------
class Client:
    def __init__(self, port, db=DB):
        self.c = wire.Conn(HOST, port, timeout=60)
        # As MariaDB's own connectors: session state reports in every OK and extended
        # metadata in every column definition, both compared byte for byte.
        caps = (wire.BASE_CAPS | wire.CLIENT_MULTI_STATEMENTS | CLIENT_PS_MULTI_RESULTS | CLIENT_SESSION_TRACK
                | (wire.CLIENT_CONNECT_WITH_DB if db else 0)) & ~wire.CLIENT_LONG_PASSWORD
        self.c.read_greeting()
        token = wire.native_token("app", self.c.scramble)
        login = struct.pack("<IIB", caps, 1 << 24, 45) + b"\0" * 19 + struct.pack("<I", MARIADB_EXTENDED_METADATA)
        login += b"app\0" + bytes([len(token)]) + token + (db.encode() + b"\0" if db else b"")
        login += b"mysql_native_password\0"
        self.c.send(wire.packet(login, 1))
        _, p = self.c.read_packet()
        if p[:1] != b"\x00":
            raise RuntimeError(f"login on port {port} failed: {p!r}")

    def close(self):
        try:
            self.c.command(wire.COM_QUIT)
        except (OSError, wire.Closed):
            pass
        self.c.close()

    def _result(self):
        """One result as comparable tuples; more: whether another result follows."""
        _, p = self.c.read_message()
        if p[:1] == b"\x00":
            affected, pos = wire.read_lenenc(p, 1)
            insert_id, pos = wire.read_lenenc(p, pos)
            status, warnings = struct.unpack_from("<HH", p, pos)
            info = p[pos + 4:]
            return ("ok", affected, insert_id, status & ~STATUS_IGNORED, warnings, info), status & MORE_RESULTS, warnings
        if p[:1] == b"\xff":
            return ("err",) + wire.parse_err(p), 0, 0
        if p[:1] == b"\xfb":
            return ("local_infile",), 0, 0
        ncols, _ = wire.read_lenenc(p, 0)
        defs = [self.c.read_message()[1] for _ in range(ncols)]
        _, q = self.c.read_message()
        rows = []
        while True:
            _, q = self.c.read_message()
            if q[:1] == b"\xff":
                return ("rows+err", tuple(defs), tuple(rows)) + wire.parse_err(q), 0, 0
            if wire.is_terminator(q):
                warnings, status = struct.unpack_from("<HH", q, 1)
                return ("rows", tuple(defs), tuple(rows), status & ~STATUS_IGNORED, warnings), status & MORE_RESULTS, warnings
            rows.append(q)

    def _results(self):
        out, warned = [], False
        while True:
            r, more, warnings = self._result()
            out.append(r)
            warned = warned or warnings > 0
            if not more:
                return out, warned

    def query(self, sql):
        self.c.command(wire.COM_QUERY, sql.encode())
        return self._results()

    def prepared(self, sql):
        """PREPARE, EXECUTE (no parameters: the corpus has literals), CLOSE."""
        self.c.command(COM_STMT_PREPARE, sql.encode())
        _, p = self.c.read_message()
        if p[:1] == b"\xff":
            return [("prepare-err",) + wire.parse_err(p)], False
        sid, ncols, nparams = struct.unpack_from("<IHH", p, 1)
        meta = []
        for count in (nparams, ncols):
            for _ in range(count):
                meta.append(self.c.read_message()[1])
            if count:
                self.c.read_message()
        out = [("prepared", ncols, nparams, tuple(meta))]
        if nparams:
            out.append(("skipped: statement has parameters",))
            self.c.send(wire.packet(struct.pack("<BI", COM_STMT_CLOSE, sid), 0))
            return out, False
        self.c.send(wire.packet(struct.pack("<BIBI", COM_STMT_EXECUTE, sid, 0, 1), 0))
        results, warned = self._results()
        self.c.send(wire.packet(struct.pack("<BI", COM_STMT_CLOSE, sid), 0))
        return out + results, warned


def run_script(port, stmts, mode, db=DB, churn=False):
    """Every statement's responses (and SHOW WARNINGS after one that warned). `churn`:
    another session takes the backend connection the script's session just released
    (a transaction holding it) before each statement, so every statement runs on another
    backend connection than the one before: what the session carries must be restated."""
    reset_database()
    client = Client(port, db)
    # Two sessions in turn: one takes the connection just released (the pool hands out
    # the most recent idle one), then the other lets its own go: the script's next
    # statement never finds the connection it used last.
    others = [Client(port, DB), Client(port, DB)] if churn else []
    out = []
    try:
        for i, (line, sql) in enumerate(stmts):
            try:
                results, warned = client.query(sql) if mode != "binary" else client.prepared(sql)
                if warned:
                    results = results + [("warnings",) + tuple(client.query("SHOW WARNINGS")[0])]
            except (wire.Closed, OSError) as e:
                out.append((line, sql, [("connection lost", str(e))]))
                client = Client(port, db)
                continue
            out.append((line, sql, results))
            if others:
                others[i % 2].query("BEGIN")
                others[i % 2].query("SELECT 1")
                others[(i + 1) % 2].query("COMMIT")
    finally:
        client.close()
        for o in others:
            o.close()
    return out


def reset_database():
    conn = backend("p0", root=True)
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
        # Objects a script makes outside its database.
        c.execute("DROP USER IF EXISTS 'swcompat_u'@'%'")
    conn.close()


# --- comparing --------------------------------------------------------------------------
def describe(results):
    parts = []
    for r in results:
        if r[0] in ("rows", "rows+err"):
            parts.append(f"{r[0]}: {len(r[1])} columns {[column_summary(d) for d in r[1]]}, rows {list(r[2])[:5]}"
                         + (f", status 0x{r[3]:x} warnings {r[4]}" if r[0] == "rows" else f", then ERR {r[3:]}"))
        else:
            parts.append(repr(r)[:400])
    return "\n        ".join(parts)


def column_summary(d):
    pos, names = 0, []
    for _ in range(6):
        n, pos = wire.read_lenenc(d, pos)
        names.append(d[pos:pos + n].decode(errors="replace"))
        pos += n
    _, pos = wire.read_lenenc(d, pos)
    charset, length, type_, flags, decimals = struct.unpack_from("<HIBHB", d, pos)
    return f"{names[4]}:{type_}/{charset}/{length}/0x{flags:x}/{decimals} {names[1]}.{names[2]}({names[3]}.{names[5]})"


def load_known():
    known = {}
    path = os.path.join(HERE, "known_differences.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                key, _, reason = line.partition("  # ")
                known[key.strip()] = reason.strip()
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("text", "binary", "churn", "all"), default="all")
    ap.add_argument("--only")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(HERE, "corpus", "*.sql")))
    if args.only:
        files = [f for f in files if args.only in os.path.basename(f)]
    modes = ("text", "binary", "churn") if args.mode == "all" else (args.mode,)
    known = load_known()
    seen_known, unexpected, total = set(), [], 0
    # With the demo's sharding rules loaded: pass-through must hold beside routed tables.
    # One worker: the churn sessions share the script session's pool.
    proxy = Proxy("compat", {"log": {"level": "warn"}, "workers": 1, "schemas": demo_schemas()}).start()
    try:
        for path in files:
            name = os.path.basename(path)
            stmts = statements(path)
            # "-- differ: no database" in a script: log in without one (it says USE itself).
            with open(path, encoding="utf-8") as f:
                db = None if "-- differ: no database" in f.read() else DB
            for mode in modes:
                direct = run_script(cluster_port("p0"), stmts, mode, db)
                through = run_script(proxy.port, stmts, mode, db, churn=mode == "churn")
                differ = 0
                for (line, sql, a), (_, _, b) in zip(direct, through):
                    total += 1
                    if a == b:
                        continue
                    key = f"{name}:{line}:{mode}"
                    differ += 1
                    if key in known:
                        seen_known.add(key)
                        if args.verbose:
                            print(f"  known {key}: {known[key]}")
                        continue
                    unexpected.append(key)
                    print(f"DIFF {key}: {sql[:200]!r}\n    direct: {describe(a)}\n    proxy:  {describe(b)}", flush=True)
                print(f"{'ok  ' if not differ else 'diff'} {name} [{mode}] {len(stmts)} statements, {differ} differ",
                      flush=True)
    finally:
        proxy.stop()
    ran = {f"{os.path.basename(p)}" for p in files}
    stale = [k for k in known if k.split(":")[0] in ran and k.split(":")[2] in modes and k not in seen_known]
    for k in stale:
        print(f"STALE {k}: listed as a known difference but identical now: remove it from known_differences.txt")
    print(f"{total} statement runs, {len(unexpected)} unexpected differences, {len(seen_known)} known, {len(stale)} stale")
    sys.exit(1 if unexpected or stale else 0)


if __name__ == "__main__":
    main()
