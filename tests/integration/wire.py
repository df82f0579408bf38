"""A minimal raw MySQL-protocol client for tests that need to misbehave on purpose."""
import hashlib
import socket
import struct
import time

CLIENT_LONG_PASSWORD = 1
CLIENT_CONNECT_WITH_DB = 1 << 3
CLIENT_PROTOCOL_41 = 1 << 9
CLIENT_SSL = 1 << 11
CLIENT_TRANSACTIONS = 1 << 13
CLIENT_SECURE_CONNECTION = 1 << 15
CLIENT_MULTI_STATEMENTS = 1 << 16
CLIENT_MULTI_RESULTS = 1 << 17
CLIENT_PLUGIN_AUTH = 1 << 19
CLIENT_PLUGIN_AUTH_LENENC = 1 << 21
CLIENT_DEPRECATE_EOF = 1 << 24

BASE_CAPS = (CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
             | CLIENT_MULTI_RESULTS | CLIENT_PLUGIN_AUTH)

COM_QUIT, COM_QUERY, COM_PING = 0x01, 0x03, 0x0E


class Closed(Exception):
    """The peer closed (or reset) the connection."""


def header(length, seq):
    return struct.pack("<I", length)[:3] + bytes([seq & 0xFF])


def packet(payload, seq):
    return header(len(payload), seq) + payload


def native_token(password, scramble):
    if not password:
        return b""
    h1 = hashlib.sha1(password.encode()).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(scramble + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


def lenenc(n):
    if n < 0xFB:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfc" + struct.pack("<H", n)
    if n <= 0xFFFFFF:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def read_lenenc(data, pos):
    first = data[pos]
    if first < 0xFB:
        return first, pos + 1
    if first == 0xFC:
        return struct.unpack_from("<H", data, pos + 1)[0], pos + 3
    if first == 0xFD:
        return int.from_bytes(data[pos + 1:pos + 4], "little"), pos + 4
    if first == 0xFE:
        return struct.unpack_from("<Q", data, pos + 1)[0], pos + 9
    raise ValueError(f"not a length-encoded integer: 0x{first:02x}")


def parse_err(payload):
    """(errno, sqlstate, message) of an ERR payload."""
    code = struct.unpack_from("<H", payload, 1)[0]
    if payload[3:4] == b"#":
        return code, payload[4:9].decode(), payload[9:].decode(errors="replace")
    return code, "", payload[3:].decode(errors="replace")


class Conn:
    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.greeting = None
        self.scramble = None
        self.server_caps = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(str(e)) from e

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def _fill(self, n):
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buf)))
            except ConnectionResetError as e:
                raise Closed("reset") from e
            if not chunk:
                raise Closed("eof")
            self.buf += chunk

    def read_packet(self):
        """(seq, payload) of one physical packet."""
        self._fill(4)
        length = int.from_bytes(self.buf[:3], "little")
        seq = self.buf[3]
        self._fill(4 + length)
        payload, self.buf = self.buf[4:4 + length], self.buf[4 + length:]
        return seq, payload

    def read_message(self):
        """(last seq, payload) of one logical message: 16 MiB packets are joined."""
        seq, payload = self.read_packet()
        while len(payload) % 0xFFFFFF == 0 and len(payload) > 0:
            seq, more = self.read_packet()
            payload += more
            if len(more) < 0xFFFFFF:
                break
        return seq, payload

    def read_greeting(self):
        seq, p = self.read_packet()
        assert seq == 0 and p[0] == 10, f"not a v10 greeting: seq {seq} {p[:16]!r}"
        pos = p.index(b"\0", 1) + 1
        pos += 4  # connection id
        part1 = p[pos:pos + 8]
        pos += 9
        caps = struct.unpack_from("<H", p, pos)[0]
        pos += 2 + 1 + 2  # caps low, charset, status
        caps |= struct.unpack_from("<H", p, pos)[0] << 16
        pos += 2
        data_len = p[pos]
        pos += 1 + 10
        part2 = p[pos:pos + max(13, data_len - 8)]
        self.scramble = (part1 + part2).rstrip(b"\0")
        self.server_caps = caps
        self.greeting = p
        return p

    def handshake_response(self, user="app", password="app", caps=BASE_CAPS, db=None, charset=45):
        if db is not None:
            caps |= CLIENT_CONNECT_WITH_DB
        token = native_token(password, self.scramble)
        p = struct.pack("<IIB", caps, 1 << 24, charset) + b"\0" * 23 + user.encode() + b"\0"
        if caps & CLIENT_PLUGIN_AUTH_LENENC:
            p += lenenc(len(token)) + token
        else:
            p += bytes([len(token)]) + token
        if db is not None:
            p += db.encode() + b"\0"
        if caps & CLIENT_PLUGIN_AUTH:
            p += b"mysql_native_password\0"
        return p

    def login(self, user="app", password="app", caps=BASE_CAPS, db=None):
        self.read_greeting()
        self.send(packet(self.handshake_response(user, password, caps, db), 1))
        seq, p = self.read_packet()
        if p[:1] == b"\xff":
            raise AssertionError(f"login failed: {parse_err(p)}")
        assert p[:1] == b"\x00", f"expected OK after login, got {p[:32]!r}"
        return self

    def command(self, cmd, arg=b"", seq=0):
        self.send(packet(bytes([cmd]) + arg, seq))

    def expect_ok(self):
        seq, p = self.read_packet()
        assert p[:1] == b"\x00", f"expected OK, got {p[:64]!r}"
        return p

    def read_until_closed(self, timeout):
        """Reads until EOF/reset; returns (packets read, seconds waited). Fails on timeout."""
        t0 = time.monotonic()
        self.sock.settimeout(timeout)
        packets = []
        try:
            while True:
                packets.append(self.read_packet())
        except Closed:
            return packets, time.monotonic() - t0
        except socket.timeout:
            raise AssertionError(f"connection still open after {timeout}s (read {len(packets)} packets)")


def is_terminator(p):
    return p[:1] == b"\xfe" and len(p) < 0xFFFFFF


def read_response(c, deprecate_eof=False):
    """Reads one result (OK, ERR or a result set) in either EOF mode.

    Returns a dict: kind ('ok'|'err'|'rows'), packets (all payloads), rows (raw row
    payloads), columns, eofs (payloads of EOF packets), status (of the final packet).
    """
    seq, p = c.read_message()
    out = {"packets": [p], "rows": [], "eofs": [], "columns": 0, "seqs": [seq]}

    def nxt():
        s, q = c.read_message()
        out["packets"].append(q)
        out["seqs"].append(s)
        return q

    if p[:1] == b"\x00":
        out["kind"] = "ok"
        _, pos = read_lenenc(p, 1)
        _, pos = read_lenenc(p, pos)
        out["status"] = struct.unpack_from("<H", p, pos)[0]
        return out
    if p[:1] == b"\xff":
        out["kind"], out["err"] = "err", parse_err(p)
        return out
    out["kind"] = "rows"
    out["columns"], _ = read_lenenc(p, 0)
    for _ in range(out["columns"]):
        nxt()
    if not deprecate_eof:
        q = nxt()
        assert q[:1] == b"\xfe" and len(q) == 5, f"expected EOF after column definitions, got {q[:16]!r}"
        out["eofs"].append(q)
    while True:
        q = nxt()
        if q[:1] == b"\xff":
            out["kind"], out["err"] = "err", parse_err(q)
            return out
        if is_terminator(q):
            out["terminator"] = q
            if len(q) == 5:
                out["eofs"].append(q)
                out["status"] = struct.unpack_from("<H", q, 3)[0]
            else:
                _, pos = read_lenenc(q, 1)
                _, pos = read_lenenc(q, pos)
                out["status"] = struct.unpack_from("<H", q, pos)[0]
            return out
        out["rows"].append(q)
