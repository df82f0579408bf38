#!/usr/bin/python3
"""TLS and authentication (README, "TLS and authentication") against the real cluster.

`tls`: the proxy offers TLS with the cluster's certificate (scripts/make-certs.sh: a local
CA, subjectAltName localhost/127.0.0.1) and reaches both primaries over TLS with full
verification: ds0 as `app_tls` (REQUIRE SSL on the server, so plain text could not log in),
ds1 as `app_ed` (ed25519). Users: app (mysql_native_password), sha2/sha2
(caching_sha2_password, password in the config), sha2h (caching_sha2_password, only
MySQL's "$A$005$" hash in the config), tlsonly (require_secure_transport).
`strict`: require_secure_transport for everyone, TLS 1.3 only.

Clients: PyMySQL, the mariadb CLI (--ssl, --ssl-verify-server-cert), node mysql2 and
Connector/J (sslMode) where installed by scripts/install-deps.sh.
"""
import base64
import hashlib
import os
import secrets
import shutil
import ssl
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pymysql  # noqa: E402
import wire  # noqa: E402

from harness import HOST, Proxy, backend, check, check_eq, cluster_port, env, expect_error, main_cases  # noqa: E402

TLS_DIR = os.path.join(env("SW_CLUSTER_DIR"), "tls")
CA = os.path.join(TLS_DIR, "ca.pem")
SRC = env("SHARDWIRE_SOURCE_DIR")
CLIENTS = os.path.join(SRC, "tests", "integration", "clients")
P = {}
CLIENT_SSL = 1 << 11


# --- MySQL's caching_sha2_password stored form, computed here independently -----------
def _sha256_crypt(pw, salt, rounds=5000):
    """SHA-256 crypt (Drepper) without glibc's 16-byte salt cut, as MySQL runs it."""
    h = hashlib.sha256
    b = h(pw + salt + pw).digest()
    a = h(pw + salt)
    n = len(pw)
    while n > 32:
        a.update(b)
        n -= 32
    a.update(b[:n])
    n = len(pw)
    while n:
        a.update(b if n & 1 else pw)
        n >>= 1
    a = a.digest()
    dp = h(pw * len(pw)).digest()
    p = (dp * (len(pw) // 32 + 1))[:len(pw)]
    ds = h(salt * (16 + a[0])).digest()
    s = (ds * (len(salt) // 32 + 1))[:len(salt)]
    for i in range(rounds):
        c = h()
        c.update(p if i & 1 else a)
        if i % 3:
            c.update(s)
        if i % 7:
            c.update(p)
        c.update(a if i & 1 else p)
        a = c.digest()
    alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    order = [(0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14), (15, 25, 5), (6, 16, 26),
             (27, 7, 17), (18, 28, 8), (9, 19, 29)]
    for x, y, z in order:
        w = (a[x] << 16) | (a[y] << 8) | a[z]
        for _ in range(4):
            out += alphabet[w & 63]
            w >>= 6
    w = (a[31] << 8) | a[30]
    for _ in range(3):
        out += alphabet[w & 63]
        w >>= 6
    return out


def sha2_stored(password):
    salt = base64.b64encode(secrets.token_bytes(15)).decode().replace("+", ".")[:20]
    return "$A$005$" + salt + _sha256_crypt(password.encode(), salt.encode())


SHA2H_PASSWORD = "h4sh-sha2 secret"


# Table t sharded by id over p0 (sw_tls_0) and p1 (sw_tls_1): merged reads over TLS.
SCHEMAS = {"swtls": {"default_data_source": "ds0", "databases": {"sw_tls_0": "ds0", "sw_tls_1": "ds1"},
                     "tables": {"t": {"data_nodes": "sw_tls_${0..1}.t",
                                      "sharding": {"column": "id", "algorithm": "mod", "modulus": 2}}}}}
ROWS = 20000


def drop_tables():
    for node in ("p0", "p1"):
        conn = backend(node, root=True)
        with conn.cursor() as c:
            for db in ("swtls", "sw_tls_0", "sw_tls_1"):
                c.execute(f"DROP DATABASE IF EXISTS {db}")
        conn.close()


def pad(i):
    return chr(65 + i % 26) * (200 + i % 100)


def backend_count(node, db):
    conn = backend(node, root=True)
    with conn.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {db}.t")
        n = c.fetchone()[0]
    conn.close()
    return n


def tls_files():
    return {"cert_file": os.path.join(TLS_DIR, "server-cert.pem"), "key_file": os.path.join(TLS_DIR, "server-key.pem")}


def proxies():
    drop_tables()
    verify = {"mode": "verify_identity", "ca_file": CA}
    users = [
        {"name": "app", "password": "app"},
        {"name": "sha2", "password": "sha2", "auth_plugin": "caching_sha2_password"},
        {"name": "sha2h", "password_hash": sha2_stored(SHA2H_PASSWORD)},
        {"name": "tlsonly", "password": "tlsonly", "require_secure_transport": True},
        {"name": "nopw", "auth_plugin": "caching_sha2_password"},
    ]
    P["tls"] = Proxy("tls", {
        "handshake_timeout_ms": 1000,
        "tls": tls_files(),
        "auth": {"rsa_private_key_file": os.path.join(TLS_DIR, "rsa-key.pem")},
        "users": users,
        "backend_defaults": {"user": "app_tls", "password": "app_tls", "tls": verify},
        "monitor": {"user": "app_tls", "password": "app_tls"},
        "schemas": SCHEMAS,
    }).start()
    # Served by p1 as app_ed (ed25519), over TLS checked against the CA only.
    P["strict"] = Proxy("strict", {
        "tls": dict(tls_files(), require_secure_transport=True, min_version="TLSv1.3"),
        "users": users,
        "backend_defaults": {"user": "app_ed", "password": "app_ed", "tls": {"mode": "verify_ca", "ca_file": CA}},
        "default_data_source": "ds1",
    }).start()
    return [P["tls"], P["strict"]]


def ssl_args(verify=True, **kw):
    ctx = ssl.create_default_context(cafile=CA)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def connect(proxy="tls", user="app", password="app", tls=True, **kw):
    if tls:
        kw["ssl"] = ssl_args() if tls is True else tls
    return P[proxy].connect(user=user, password=password, **kw)


def one(conn, sql):
    with conn.cursor() as c:
        c.execute(sql)
        return c.fetchone()


def tls_version(conn):
    return conn._sock.version() if isinstance(conn._sock, ssl.SSLSocket) else None


# --- clients over TLS ---------------------------------------------------------------
def test_pymysql_verified_tls():
    conn = connect()
    try:
        check(tls_version(conn) in ("TLSv1.2", "TLSv1.3"), f"not TLS: {tls_version(conn)}")
        check_eq(one(conn, "SELECT 1 + 1")[0], 2)
        # The backend connection serving it is TLS too (ds0's account requires it).
        check(one(conn, "SHOW SESSION STATUS LIKE 'Ssl_version'")[1].startswith("TLSv1."), "backend not TLS")
    finally:
        conn.close()


def test_plain_still_allowed_where_not_required():
    conn = connect(tls=False)
    try:
        check_eq(tls_version(conn), None)
        check_eq(one(conn, "SELECT 'plain'")[0], "plain")
    finally:
        conn.close()


def test_wrong_ca_is_refused_by_the_client():
    other = os.path.join(P["tls"].dir, "other-ca")
    subprocess.run(["bash", os.path.join(SRC, "scripts", "make-certs.sh"), other], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        connect(tls=ssl.create_default_context(cafile=os.path.join(other, "ca.pem")))
    except pymysql.err.OperationalError as e:
        check("CERTIFICATE_VERIFY_FAILED" in str(e) or "certificate verify failed" in str(e), str(e))
    else:
        raise AssertionError("a client trusting another CA connected")
    check_eq(one(connect(), "SELECT 2")[0], 2)  # the proxy is fine


def test_mariadb_cli_ssl_verify_server_cert():
    base = ["mariadb", "--no-defaults", "-h", HOST, "-P", str(P["tls"].port), "-uapp", "-papp", "-N", "-B"]
    out = subprocess.run(base + ["--ssl", f"--ssl-ca={CA}", "--ssl-verify-server-cert",
                                 "-e", "SELECT 'cli-ok'; SHOW SESSION STATUS LIKE 'Ssl_cipher'"],
                         capture_output=True, text=True, timeout=30)
    check_eq(out.returncode, 0, f"mariadb --ssl-verify-server-cert: {out.stderr}")
    check("cli-ok" in out.stdout, out.stdout)
    # A CA that did not sign the proxy's certificate: the CLI refuses (2026, TLS error).
    other = os.path.join(P["tls"].dir, "cli-other-ca")
    subprocess.run(["bash", os.path.join(SRC, "scripts", "make-certs.sh"), other], check=True, stdout=subprocess.DEVNULL)
    bad = subprocess.run(base + ["--ssl", f"--ssl-ca={other}/ca.pem", "--ssl-verify-server-cert", "-e", "SELECT 1"],
                         capture_output=True, text=True, timeout=30)
    check(bad.returncode != 0 and "2026" in bad.stderr, f"untrusted certificate accepted: {bad.stderr}")
    # sha2 through the CLI (libmariadb's caching_sha2_password plugin) over TLS.
    sha = subprocess.run(["mariadb", "--no-defaults", "-h", HOST, "-P", str(P["tls"].port), "-usha2", "-psha2",
                          "--ssl", f"--ssl-ca={CA}", "-N", "-B", "-e", "SELECT 'sha2-cli'"],
                         capture_output=True, text=True, timeout=30)
    check_eq(sha.returncode, 0, f"mariadb -usha2: {sha.stderr}")
    check("sha2-cli" in sha.stdout, sha.stdout)


def test_require_secure_transport():
    # Per user: tlsonly needs TLS on the tls proxy, others do not.
    err = expect_error(1045, connect, user="tlsonly", password="tlsonly", tls=False)
    check("Access denied for user 'tlsonly'" in str(err), str(err))
    check_eq(one(connect(user="tlsonly", password="tlsonly"), "SELECT 3")[0], 3)
    # Globally (strict proxy): nobody without TLS, and TLS 1.3 at least.
    expect_error(1045, connect, "strict", tls=False)
    expect_error(1045, connect, "strict", user="sha2", password="sha2", tls=False)
    check_eq(one(connect("strict"), "SELECT 4")[0], 4)
    old = ssl_args(maximum_version=ssl.TLSVersion.TLSv1_2)
    try:
        connect("strict", tls=old)
    except pymysql.err.OperationalError:
        pass
    else:
        raise AssertionError("TLS 1.2 accepted with min_version TLSv1.3")
    check_eq(one(connect("tls", tls=old), "SELECT 5")[0], 5)  # 1.2 is fine by default


def ssl_request_conn(proxy="tls"):
    c = wire.Conn(HOST, P[proxy].port, timeout=10)
    c.read_greeting()
    check(c.server_caps & CLIENT_SSL, "the greeting offers CLIENT_SSL")
    c.send(wire.packet(struct.pack("<IIB", wire.BASE_CAPS | CLIENT_SSL, 1 << 24, 45) + b"\0" * 23, 1))
    return c


def closed_within(c, seconds):
    t0 = time.monotonic()
    try:
        c.sock.settimeout(seconds + 5)
        while c.sock.recv(4096):
            pass
    except (ConnectionResetError, OSError):
        pass
    return time.monotonic() - t0


def test_stalled_and_garbled_tls_handshakes():
    """SSL_REQUEST then nothing: closed at handshake_timeout_ms like any handshake.
    SSL_REQUEST then plain bytes: the TLS handshake fails, the connection ends, nothing
    else is affected; a greeting without TLS configured offers no CLIENT_SSL."""
    c = ssl_request_conn()
    took = closed_within(c, 1.0)
    check(took < 4.0, f"stalled TLS handshake held for {took:.1f}s")
    c.close()
    c = ssl_request_conn()
    c.send(b"GET / HTTP/1.1\r\n\r\n" * 10)
    check(closed_within(c, 1.0) < 4.0, "garbled TLS handshake not closed")
    c.close()
    plain = Proxy("tls-off", {})
    plain.start()
    try:
        w = wire.Conn(HOST, plain.port)
        w.read_greeting()
        check_eq(w.server_caps & CLIENT_SSL, 0, "CLIENT_SSL offered without tls")
        # A client asking anyway gets Bad handshake (1043), as from a server without TLS.
        w.send(wire.packet(struct.pack("<IIB", wire.BASE_CAPS | CLIENT_SSL, 1 << 24, 45) + b"\0" * 23, 1))
        _, p = w.read_packet()
        check_eq(wire.parse_err(p)[0], 1043, "SSL_REQUEST without TLS")
        w.close()
    finally:
        plain.stop()
    check_eq(one(connect(), "SELECT 10")[0], 10)


# --- caching_sha2_password ----------------------------------------------------------------
def test_sha2_fast_path_plain_and_tls():
    for tls in (False, True):
        conn = connect(user="sha2", password="sha2", tls=tls)
        check_eq(one(conn, "SELECT CURRENT_USER() IS NOT NULL")[0], 1)
        conn.close()
    expect_error(1045, connect, user="sha2", password="wrong", tls=False)
    expect_error(1045, connect, user="sha2", password="", tls=False)
    check_eq(one(connect(user="nopw", password="", tls=False), "SELECT 6")[0], 6)
    expect_error(1045, connect, user="nopw", password="x", tls=False)


def test_sha2_stored_hash_full_auth_rsa_then_fast():
    # First login of a hash-only user: full authentication. Without TLS, PyMySQL asks for
    # the proxy's public key and sends the password RSA-encrypted.
    expect_error(1045, connect, user="sha2h", password="not it", tls=False)
    conn = connect(user="sha2h", password=SHA2H_PASSWORD, tls=False)
    check_eq(one(conn, "SELECT 7")[0], 7)
    conn.close()
    # Now cached: the fast path (no key exchange); a wrong password still fails.
    conn = connect(user="sha2h", password=SHA2H_PASSWORD, tls=False)
    check_eq(one(conn, "SELECT 8")[0], 8)
    conn.close()
    expect_error(1045, connect, user="sha2h", password="still not", tls=False)


def test_sha2_full_auth_clear_over_tls():
    # The strict proxy has not seen sha2h yet: full authentication, in clear inside TLS.
    conn = connect("strict", user="sha2h", password=SHA2H_PASSWORD)
    check_eq(one(conn, "SELECT 9")[0], 9)
    conn.close()
    expect_error(1045, connect, "strict", user="sha2h", password="nope")


# --- other clients -------------------------------------------------------------------
def test_node_mysql2_tls_and_sha2():
    script = os.path.join(CLIENTS, "node", "tls_test.js")
    out = subprocess.run(["node", script], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, SW_PROXY_PORT=str(P["tls"].port), SW_CA=CA,
                                  SW_SHA2H_PASSWORD=SHA2H_PASSWORD))
    print(out.stdout, end="")
    check_eq(out.returncode, 0, f"node tls_test.js: {out.stderr}")


def test_connectorj_ssl_mode():
    jar = "/usr/share/java/mariadb-java-client.jar"
    out = subprocess.run(["java", "-cp", jar, os.path.join(CLIENTS, "java", "TlsTest.java")],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SW_PROXY_PORT=str(P["tls"].port), SW_CA=CA))
    print(out.stdout, end="")
    check_eq(out.returncode, 0, f"TlsTest.java: {out.stderr}")


# --- the backend side ------------------------------------------------------------------
def test_backend_tls_and_ed25519():
    for name, port, account in (("tls", "p0", "app_tls@"), ("strict", "p1", "app_ed@")):
        conn = connect(name)
        try:
            got_port, user = one(conn, "SELECT @@port, CURRENT_USER()")
            check_eq(got_port, cluster_port(port), f"{name}: server")
            check(user.startswith(account), f"{name}: backend account {user}")
            check(one(conn, "SHOW SESSION STATUS LIKE 'Ssl_version'")[1].startswith("TLSv1."), f"{name}: backend not TLS")
        finally:
            conn.close()


def test_merged_reads_over_tls_backends():
    """DDL and writes fan out over TLS; ordered and unordered merges read both shards
    through TLS: every row, in order."""
    conn = connect()
    try:
        with conn.cursor() as c:
            c.execute("CREATE DATABASE swtls")
            c.execute("USE swtls")
            c.execute("CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(300) NOT NULL)")
            for lo in range(1, ROWS + 1, 1000):
                ids = range(lo, min(lo + 1000, ROWS + 1))
                c.execute("INSERT INTO t (id, pad) VALUES " + ", ".join(f"({i}, '{pad(i)}')" for i in ids))
            check_eq(backend_count("p0", "sw_tls_0") + backend_count("p1", "sw_tls_1"), ROWS, "rows on the shards")
            c.execute("SELECT id, LENGTH(pad) FROM t ORDER BY id")
            rows = c.fetchall()
            check_eq(len(rows), ROWS, "ordered merge rows")
            check(all(rows[i][0] == i + 1 and rows[i][1] == 200 + (i + 1) % 100 for i in range(ROWS)), "ordered merge")
            c.execute("SELECT id, pad FROM t")
            got = sorted(r[0] for r in c.fetchall())
            check_eq(got, list(range(1, ROWS + 1)), "unordered merge")
            # The startup shadow check reached the servers over TLS too (libmariadb).
            check("metadata shadows: cannot connect" not in P["tls"].log(), "metadata sync without TLS")
            c.execute("SELECT COUNT(*), SUM(LENGTH(pad)) FROM t")
            check_eq(c.fetchone(), (ROWS, sum(200 + i % 100 for i in range(1, ROWS + 1))), "aggregate")
    finally:
        conn.close()


def test_backend_name_mismatch_never_connects():
    bad = Proxy("tls-badname", {
        "backend_defaults": {"user": "app_tls", "password": "app_tls",
                             "tls": {"mode": "verify_identity", "ca_file": CA, "server_name": "db.example"}},
        "server_version": "10.11.0-shardwire-test",  # starts without reaching the backend
    })
    bad.start()
    try:
        err = None
        try:
            bad.connect()
        except pymysql.err.MySQLError as e:
            err = e
        check(err is not None, "connected through a backend whose certificate names another host")
        check("certificate verify failed" in str(err) or "TLS handshake failed" in str(err), str(err))
    finally:
        bad.stop()


CASES = [test_pymysql_verified_tls, test_plain_still_allowed_where_not_required, test_wrong_ca_is_refused_by_the_client,
         test_mariadb_cli_ssl_verify_server_cert, test_require_secure_transport, test_stalled_and_garbled_tls_handshakes, test_sha2_fast_path_plain_and_tls,
         test_sha2_stored_hash_full_auth_rsa_then_fast, test_sha2_full_auth_clear_over_tls,
         test_backend_tls_and_ed25519, test_merged_reads_over_tls_backends, test_backend_name_mismatch_never_connects]
if shutil.which("node"):
    CASES.append(test_node_mysql2_tls_and_sha2)
if shutil.which("java"):
    CASES.append(test_connectorj_ssl_mode)

if __name__ == "__main__":
    main_cases(CASES, proxies)
