#!/usr/bin/python3
"""The HTTP admin plane against a live proxy and cluster (docs/admin.md): bearer-token
auth, health and readiness, topology and backend counters, promoting a primary and
draining a replica through the API, and malformed requests (4xx, never a crash, SQL
sessions unaffected)."""
import http.client
import json
import socket
import time

from harness import Proxy, check, check_eq, cluster_port, expect_error, free_port, main_cases, wait_for

TOKEN = "s3cret-token"
proxy = None
admin_port = None


def call(method, path, body=None, token=TOKEN, raw_body=None):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    payload = r.read()
    c.close()
    return r.status, json.loads(payload) if payload else None, r


def port_of_read():
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("SELECT @@port")
        return cur.fetchone()[0]


def group(doc, name):
    return next(g for g in doc["groups"] if g["name"] == name)


def test_auth():
    check_eq(call("GET", "/healthz", token=None)[0], 401, "no token")
    status, body, r = call("GET", "/v1/topology", token="wrong")
    check_eq(status, 401, "wrong token")
    check("error" in body and r.getheader("WWW-Authenticate") == "Bearer", f"{body} {r.getheaders()}")
    check_eq(call("GET", "/healthz")[1], {"status": "ok"}, "healthz with the token")


def test_ready_and_topology():
    wait_for("readyz", lambda: call("GET", "/readyz")[0] == 200)
    status, doc, _ = call("GET", "/v1/topology")
    check_eq(status, 200, "topology")
    ds0 = group(doc, "ds0")
    check_eq(ds0["primary"], f"127.0.0.1:{cluster_port('p0')}", "ds0 primary")
    roles = {s["address"]: (s["role"], s["up"]) for s in ds0["servers"]}
    check_eq(roles, {f"127.0.0.1:{cluster_port('p0')}": ("primary", True),
                     f"127.0.0.1:{cluster_port('r0')}": ("replica", True)}, "ds0 servers")


def test_backend_counters_move():
    def statements(address):
        doc = call("GET", "/v1/backends")[1]
        return next(s for s in group(doc, "ds0")["servers"] if s["address"] == address)["statements"]
    r0 = f"127.0.0.1:{cluster_port('r0')}"
    wait_for("reads on r0", lambda: port_of_read() == cluster_port("r0"))
    before = statements(r0)
    for _ in range(5):
        port_of_read()
    check(statements(r0) >= before + 5, f"r0 statements {before} -> {statements(r0)}")


def test_drain_and_promote():
    p0, r0 = cluster_port("p0"), cluster_port("r0")
    status, body, _ = call("POST", f"/v1/groups/ds0/servers/127.0.0.1:{r0}", {"weight": 0})
    check_eq((status, body["weight"]), (200, 0), "weight 0")
    check_eq(port_of_read(), p0, "a drained replica gets no reads")
    call("POST", f"/v1/groups/ds0/servers/127.0.0.1:{r0}", {"weight": 1})
    wait_for("reads back on r0", lambda: port_of_read() == r0)
    try:
        status, body, _ = call("POST", "/v1/groups/ds0/promote", {"address": f"127.0.0.1:{r0}"})
        check_eq((status, body["role"]), (200, "primary"), "promote r0")
        with proxy.connect() as c:
            # r0 is read_only (a replica): the write is refused there instead of reaching p0
            e = expect_error(1290, lambda: c.cursor().execute("CREATE DATABASE IF NOT EXISTS swadmin"))
            check(str(r0) in e.args[1], e.args[1])
    finally:
        status, _, _ = call("POST", "/v1/groups/ds0/promote", {"address": f"127.0.0.1:{p0}"})
        check_eq(status, 200, "promote p0 back")
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS swadmin")
        cur.execute("DROP DATABASE swadmin")


def test_bad_requests():
    check_eq(call("GET", "/v1/nothing")[0], 404, "unknown path")
    status, body, r = call("DELETE", "/v1/topology")
    check_eq((status, r.getheader("Allow")), (405, "GET"), "wrong method")
    check_eq(call("POST", "/v1/groups/ds0/promote", raw_body="{not json")[0], 400, "malformed JSON")
    check_eq(call("POST", "/v1/groups/ds0/promote", {"addr": "x"})[0], 400, "missing address")
    check_eq(call("POST", "/v1/groups/ds0/promote", {"address": "127.0.0.1:1"})[0], 422, "not a server")
    check_eq(call("POST", "/v1/groups/nope/promote", {"address": "x"})[0], 404, "unknown group")
    check_eq(call("POST", f"/v1/groups/ds0/servers/127.0.0.1:{cluster_port('r0')}", {"weight": -1})[0], 400,
             "bad weight")
    s = socket.create_connection(("127.0.0.1", admin_port), timeout=5)
    s.sendall(f"POST /v1/groups/ds0/promote HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
              f"Content-Length: {2 << 20}\r\n\r\n".encode())
    answer = s.recv(200)
    s.close()
    check(answer.startswith(b"HTTP/1.1 413"), f"body over 1 MB -> {answer[:60]!r}")
    for garbage in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\xff" * 100 + b"\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", admin_port), timeout=5)
        s.sendall(garbage)
        answer = s.recv(200)
        s.close()
        check(answer.startswith(b"HTTP/1.1 400"), f"{garbage[:20]!r} -> {answer[:60]!r}")
    s = socket.create_connection(("127.0.0.1", admin_port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished, then dropped
    s.close()
    check_eq(proxy.value("SELECT 1"), 1, "SQL sessions unaffected")
    check_eq(call("GET", "/healthz")[0], 200, "admin still serving")


def raw_request(text, timeout=5):
    s = socket.create_connection(("127.0.0.1", admin_port), timeout=timeout)
    try:
        s.sendall(text.encode())
        answer = b""
        while True:  # refusals close the connection
            chunk = s.recv(4096)
            if not chunk:
                return answer
            answer += chunk
    finally:
        s.close()


def test_host_names_and_auth_before_body():
    auth = f"Authorization: Bearer {TOKEN}\r\n"
    for host, status in (("evil.example", b"403"), ("evil.example:6080", b"403"), ("localhost", b"200"),
                         (f"127.0.0.1:{admin_port}", b"200"), (f"[::1]:{admin_port}", b"200")):
        answer = raw_request(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n")
        check(answer.startswith(b"HTTP/1.1 " + status), f"Host {host} -> {answer[:60]!r}")
    answer = raw_request(f"GET /healthz HTTP/1.0\r\n{auth}\r\n")
    check(answer.startswith(b"HTTP/1.0 403"), f"no Host -> {answer[:60]!r}")
    # A wrong token is answered from the header: the announced body is never awaited.
    t0 = time.monotonic()
    answer = raw_request("POST /v1/groups/ds0/promote HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer no\r\n"
                         f"Content-Length: {900 << 10}\r\n\r\n")
    check(answer.startswith(b"HTTP/1.1 401"), f"wrong token, body pending -> {answer[:60]!r}")
    check(time.monotonic() - t0 < 3, "the 401 waited for the body")


def test_connection_limit():
    idle = [socket.create_connection(("127.0.0.1", admin_port), timeout=5) for _ in range(4)]
    try:
        wait_for("the 4 idle connections accepted", lambda: call_refused())
        check_eq(proxy.value("SELECT 1"), 1, "SQL sessions unaffected")
    finally:
        for s in idle:
            s.close()
    wait_for("admin serving again", lambda: not call_refused())


def call_refused():
    try:
        return call("GET", "/healthz")[0] != 200
    except (ConnectionError, http.client.HTTPException, OSError):
        return True


def start():
    global proxy, admin_port
    admin_port = free_port()
    p = cluster_port
    proxy = Proxy("admin", config={
        "admin": {"enabled": True, "listen": f"127.0.0.1:{admin_port}", "token": TOKEN, "max_connections": 4},
        "data_sources": {"ds0": {"replicas": [f"127.0.0.1:{p('r0')}"]}},
        "backend_defaults": {"reads": {"causal_reads": "off"}},
        "monitor": {"interval_ms": 200},
    }).start()
    return [proxy]


if __name__ == "__main__":
    main_cases([test_auth, test_ready_and_topology, test_backend_counters_move, test_drain_and_promote,
                test_bad_requests, test_host_names_and_auth_before_body, test_connection_limit], start)
