#!/usr/bin/python3
"""Operating the proxy through the admin plane against a live proxy and cluster
(docs/admin.md): adding a replica and seeing reads reach it, draining it
(offline_soft) without failing the statement in flight, offline_hard, removing it,
the state file across a restart, config reload (applied, refused with the running
config intact, SIGHUP), sessions, digests, the slow query log, and /metrics scraped
and parsed."""
import http.client
import json
import math
import os
import re
import signal
import struct
import subprocess
import threading

import wire
from harness import Proxy, backend, check, check_eq, cluster_port, expect_error, free_port, main_cases, wait_for
from wire import parse_err

TOKEN = "ops-token"
proxy = None
admin_port = None
P0 = R0 = None


def call(method, path, body=None, token=TOKEN, raw=False):
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=15)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = c.getresponse()
    payload = r.read().decode()
    c.close()
    if raw:
        return r.status, payload, r
    return r.status, json.loads(payload) if payload else None


def read_port():
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("SELECT @@port")
        return cur.fetchone()[0]


def servers(group="ds0"):
    doc = call("GET", "/v1/backends")[1]
    g = next(g for g in doc["groups"] if g["name"] == group)
    return {s["address"]: s for s in g["servers"]}


def test_add_replica_reads_reach_it():
    check_eq(set(servers()), {P0}, "ds0 starts with its primary only")
    check_eq(read_port(), cluster_port("p0"), "reads on the primary")
    status, body = call("POST", "/v1/groups/ds0/servers", {"address": R0, "weight": 2})
    check_eq((status, body["role"], body["weight"], body["state"]), (201, "replica", 2, "online"), "added")
    check_eq(call("POST", "/v1/groups/ds0/servers", {"address": R0})[0], 409, "added twice")
    wait_for("reads on the new replica", lambda: read_port() == cluster_port("r0"))
    s = servers()[R0]
    check(s["lag_ms"] is not None and s["up"], f"measured by the monitor: {s}")


def long_read_running_on_r0():
    conn = backend("r0", root=True)
    try:
        with conn.cursor() as c:
            c.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                      "WHERE INFO = 'SELECT SLEEP(1.5), @@port'")
            return c.fetchone()[0] == 1
    finally:
        conn.close()


def test_offline_soft_drains_without_failing_a_statement():
    wait_for("reads on r0", lambda: read_port() == cluster_port("r0"))
    result = {}

    def long_read():
        try:
            with proxy.connect() as c, c.cursor() as cur:
                cur.execute("SELECT SLEEP(1.5), @@port")
                result["row"] = cur.fetchone()
        except Exception as e:  # noqa: BLE001
            result["error"] = e

    t = threading.Thread(target=long_read)
    t.start()
    # The event is the statement running on r0: a lease count could still be the
    # previous read's connection on its way back to the pool.
    wait_for("the long read runs on r0", long_read_running_on_r0)
    try:
        status, body = call("PATCH", f"/v1/groups/ds0/servers/{R0}", {"state": "offline_soft"})
        check_eq((status, body["state"]), (200, "offline_soft"), "drained")
        for _ in range(5):
            check_eq(read_port(), cluster_port("p0"), "no new reads on a drained replica")
        t.join(10)
        check("error" not in result, f"the statement in flight failed: {result.get('error')}")
        check_eq(result.get("row"), (0, cluster_port("r0")), "the statement in flight finished on r0")
        # The client has its rows a moment before the proxy hands the connection back.
        wait_for("nothing left on r0", lambda: servers()[R0]["pool"]["leased"] == 0, timeout=5)
    finally:
        t.join(10)
        call("PATCH", f"/v1/groups/ds0/servers/{R0}", {"state": "online"})
    wait_for("reads back on r0", lambda: read_port() == cluster_port("r0"))


def test_offline_hard_closes_pooled_connections():
    wait_for("r0 pooled", lambda: read_port() == cluster_port("r0") and servers()[R0]["pool"]["open"] >= 1)
    try:
        status, body = call("POST", f"/v1/groups/ds0/servers/{R0}", {"state": "offline_hard"})
        check_eq((status, body["state"]), (200, "offline_hard"), "offline_hard")
        wait_for("r0's connections closed", lambda: servers()[R0]["pool"]["open"] == 0)
        check_eq(read_port(), cluster_port("p0"), "reads on the primary")
    finally:
        call("POST", f"/v1/groups/ds0/servers/{R0}", {"state": "online", "max_replica_lag_ms": 5000})
    check_eq(servers()[R0]["max_replica_lag_ms"], 5000, "own lag bound")
    wait_for("reads back on r0", lambda: read_port() == cluster_port("r0"))


def test_remove_replica():
    check_eq(call("DELETE", f"/v1/groups/ds0/servers/{P0}")[0], 422, "the primary cannot be removed")
    check_eq(call("PATCH", f"/v1/groups/ds0/servers/{P0}", {"state": "offline_soft"})[0], 422,
             "the primary cannot be drained")
    status, body = call("DELETE", f"/v1/groups/ds0/servers/{R0}")
    check_eq((status, body), (200, {"removed": R0, "group": "ds0"}), "removed")
    check_eq(set(servers()), {P0}, "gone from the topology")
    check_eq(read_port(), cluster_port("p0"), "reads on the primary")
    check_eq(call("DELETE", f"/v1/groups/ds0/servers/{R0}")[0], 404, "removed twice")


def test_changes_survive_a_restart():
    call("POST", "/v1/groups/ds0/servers", {"address": R0, "weight": 3, "state": "offline_soft"})
    state = json.load(open(proxy.config["admin"]["state_file"]))
    check_eq([r["address"] for r in state["groups"]["ds0"]["replicas"]], [R0], "written to the state file")
    proxy.restart()
    wait_for("admin after restart", lambda: call("GET", "/readyz")[0] == 200)
    s = servers()
    check(R0 in s, f"r0 restored: {list(s)}")
    check_eq((s[R0]["weight"], s[R0]["state"]), (3, "offline_soft"), "settings restored")
    check_eq(read_port(), cluster_port("p0"), "still drained after the restart")
    call("PATCH", f"/v1/groups/ds0/servers/{R0}", {"state": "online"})
    wait_for("reads on r0", lambda: read_port() == cluster_port("r0"))


def rewrite(change):
    change(proxy.config)
    proxy.write_config()


def test_reload_applies_and_refuses():
    expect_error(1045, proxy.connect, user="newuser", password="pw")
    rewrite(lambda c: c["users"].append({"name": "newuser", "password": "pw"}))
    status, body = call("POST", "/v1/config/reload")
    check_eq(status, 200, f"reload {body}")
    check("users" in body["changed"], f"changed: {body}")
    with proxy.connect(user="newuser", password="pw") as c, c.cursor() as cur:
        cur.execute("SELECT 1")
    # The API's change to ds0 survives a reload that does not touch ds0's servers.
    check(R0 in servers(), "r0 kept")

    # Refused: bad JSON, a bad value, a setting only a restart changes. Nothing changes.
    with open(proxy.config_path, "w") as f:
        f.write("{ not json")
    status, body = call("POST", "/v1/config/reload")
    check(status == 422 and "not valid JSON" in body["error"], f"{status} {body}")
    rewrite(lambda c: c["data_sources"]["ds0"].update({"pool": {"max_connections": 0}}))
    status, body = call("POST", "/v1/config/reload")
    check(status == 422 and "data_sources.ds0.pool.max_connections" in body["error"], f"{status} {body}")
    rewrite(lambda c: (c["data_sources"]["ds0"].pop("pool"), c.update({"listen": f"127.0.0.1:{free_port()}"})))
    status, body = call("POST", "/v1/config/reload")
    check(status == 422 and "listen changed, which needs a restart" in body["error"], f"{status} {body}")
    rewrite(lambda c: c.update({"listen": f"127.0.0.1:{proxy.port}"}))
    with proxy.connect(user="newuser", password="pw") as c:
        pass  # the running config is intact
    check_eq(proxy.value("SELECT 1"), 1, "SQL unaffected")

    # SIGHUP reloads too: newuser removed.
    rewrite(lambda c: c.update({"users": [u for u in c["users"] if u["name"] != "newuser"]}))
    proxy.proc.send_signal(signal.SIGHUP)

    def refused():
        try:
            proxy.connect(user="newuser", password="pw").close()
            return False
        except Exception:  # noqa: BLE001
            return True
    wait_for("newuser refused after SIGHUP", refused, timeout=5)


def prepare(c, sql):
    """COM_STMT_PREPARE over the raw protocol (no DEPRECATE_EOF): the statement id."""
    c.command(0x16, sql.encode())
    seq, p = c.read_packet()
    check(p[:1] == b"\x00", f"prepare {sql}: {p[:80]!r}")
    stmt_id, columns, params = struct.unpack_from("<IHH", p, 1)
    for n in (params, columns):
        for _ in range(n + (1 if n else 0)):  # definitions, then an EOF
            c.read_packet()
    return stmt_id


def execute(c, stmt_id):
    """COM_STMT_EXECUTE of a statement without parameters: the first response packet."""
    c.command(0x17, struct.pack("<IBI", stmt_id, 0, 1))
    return c.read_packet()[1]


def test_reload_rules_and_servers():
    def explain():
        with proxy.connect(db="swops") as c, c.cursor() as cur:
            cur.execute("SHARDWIRE EXPLAIN SELECT * FROM t WHERE id = 3")
            return cur.fetchall()
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS swops")
        cur.execute("CREATE TABLE IF NOT EXISTS swops.t (id INT)")
    check_eq(explain()[0][1], "", "unsharded before")
    raw = wire.Conn("127.0.0.1", proxy.port).login(db="swops")
    before = prepare(raw, "SELECT id FROM t WHERE id = 3")  # plain: t is not sharded yet
    rewrite(lambda c: c.update({"schemas": {"swops": {
        "default_data_source": "ds0",
        "databases": {"swops_${0..1}": "ds0"},
        "tables": {"t": {"data_nodes": "swops_${0..1}.t_${0..1}",
                         "sharding": {"columns": ["id"], "algorithm": "mod", "modulus": 4}}}}}}))
    status, body = call("POST", "/v1/config/reload")
    check(status == 200 and "schemas" in body["changed"], f"{status} {body}")
    check_eq(len(explain()), 1, "one node after")
    # Prepared as a plain statement before t became sharded: re-prepare, never the old table.
    p = execute(raw, before)
    check(p[:1] == b"\xff" and parse_err(p)[:2] == (1615, "HY000"), f"ER_NEED_REPREPARE: {p[:60]!r}")
    check_eq(raw.command(0x0E) or raw.expect_ok()[:1], b"\x00", "the session goes on (COM_PING)")
    raw.close()
    check(explain()[0][1].startswith("swops_"), f"routed: {explain()}")
    rules = call("GET", "/v1/rules")[1]
    t = next(x for x in rules["tables"] if x["table"] == "t")
    check_eq((t["schema"], t["kind"], t["data_nodes"]), ("swops", "sharded", 4), "GET /v1/rules")
    # Editing ds0's servers in the file: the file wins over the API's changes for ds0 ...
    rewrite(lambda c: c["data_sources"]["ds0"].update({"replicas": [{"address": R0, "weight": 7}]}))
    # ... but never sends writes back to a primary the API moved away from.
    check_eq(call("POST", "/v1/groups/ds0/promote", {"address": R0})[0], 200, "promote r0")
    status, body = call("POST", "/v1/config/reload")
    check(status == 422 and f"{R0} is the primary now" in body["error"], f"{status} {body}")
    check_eq(call("POST", "/v1/groups/ds0/promote", {"address": P0})[0], 200, "promote p0 back")
    status, body = call("POST", "/v1/config/reload")
    check("data_sources.ds0.servers" in body["changed"], f"{body}")
    check_eq(servers()[R0]["weight"], 7, "the file's replica settings")
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("DROP DATABASE swops")


def test_pinned_session_after_promote():
    # A writable new primary (as after a real failover): r0 with read_only off for the test.
    def set_r0_read_only(on):
        with backend("r0", root=True) as b, b.cursor() as cur:
            cur.execute(f"SET GLOBAL read_only = {1 if on else 0}")
        wait_for("monitor sees r0's read_only", lambda: servers()[R0]["read_only"] == on)
    with proxy.connect() as c, c.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS swpin")
        cur.execute("CREATE TEMPORARY TABLE swpin.tmp (id INT)")  # pins the session to p0's connection
        cur.execute("INSERT INTO swpin.tmp VALUES (1)")
        set_r0_read_only(False)
        try:
            check_eq(call("POST", "/v1/groups/ds0/promote", {"address": R0})[0], 200, "promote r0")
            e = expect_error(1290, lambda: cur.execute("INSERT INTO swpin.tmp VALUES (2)"))
            check("pinned" in e.args[1] and P0 in e.args[1], e.args[1])
        finally:
            check_eq(call("POST", "/v1/groups/ds0/promote", {"address": P0})[0], 200, "promote p0 back")
            set_r0_read_only(True)
        cur.execute("INSERT INTO swpin.tmp VALUES (3)")  # p0 is the primary again: the pinned state is intact
        cur.execute("SELECT COUNT(*) FROM swpin.tmp")
        check_eq(cur.fetchone()[0], 2, "rows of the temporary table")
        cur.execute("DROP DATABASE swpin")


def test_sessions():
    c = proxy.connect(db="mysql", program_name="sw-admin-ops")
    with c.cursor() as cur:
        cur.execute("SELECT CONNECTION_ID()")
        sid = cur.fetchone()[0]
    busy = threading.Thread(target=lambda: proxy.value("SELECT SLEEP(1)"))
    busy.start()

    def sleeping():
        doc = call("GET", "/v1/sessions")[1]
        return [s for s in doc["sessions"] if s["statement"] == "SELECT SLEEP(?)"]
    wait_for("a session in SELECT SLEEP", lambda: sleeping())
    s = sleeping()[0]
    check_eq((s["state"], s["user"], s["in_transaction"]), ("statement", "app", False), f"{s}")
    doc = call("GET", "/v1/sessions")[1]
    mine = next(x for x in doc["sessions"] if x["id"] == sid)
    check_eq((mine["state"], mine["schema"], mine["client"]), ("idle", "mysql", "127.0.0.1"), f"{mine}")
    check_eq((mine["attributes"].get("program_name"), mine["attributes"].get("_client_name")),
             ("sw-admin-ops", "pymysql"), "the client's connection attributes")
    busy.join()
    check_eq(call("DELETE", f"/v1/sessions/{sid}")[1], {"closed": sid}, "closed")
    try:
        c.cursor().execute("SELECT 1")
        raise AssertionError("the closed session still answers")
    except Exception as e:  # noqa: BLE001
        check(e.args and e.args[0] in (2006, 2013), f"the closed session's next statement: {e!r}")
    check_eq(call("DELETE", f"/v1/sessions/{sid}")[0], 404, "no longer there")
    check_eq(call("DELETE", "/v1/sessions/abc")[0], 400, "not an id")


def test_trigger_made_on_the_server_pins_after_a_refresh():
    """A trigger created on p0 directly (not through the proxy) is known from the next
    refresh of the trigger tables (monitor.trigger_refresh_ms 300 here): from then on
    a write to its table pins the session (shown in /v1/sessions)."""
    with backend() as b, b.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS sw_ops_trig")
        cur.execute("CREATE TABLE IF NOT EXISTS sw_ops_trig.t (x INT)")
        cur.execute("DROP TRIGGER IF EXISTS sw_ops_trig.t_bi")
    c = proxy.connect(db="sw_ops_trig")
    try:
        with c.cursor() as cur:
            cur.execute("SELECT CONNECTION_ID()")
            sid = cur.fetchone()[0]
            cur.execute("INSERT INTO t VALUES (1)")

        def pinned():
            doc = call("GET", "/v1/sessions")[1]
            return next(x for x in doc["sessions"] if x["id"] == sid)["pinned"]
        check_eq(pinned(), None, "no trigger yet: not pinned")
        with backend() as b, b.cursor() as cur:
            cur.execute("CREATE TRIGGER sw_ops_trig.t_bi BEFORE INSERT ON sw_ops_trig.t FOR EACH ROW "
                        "SELECT 'x' INTO @v")

        def write_pins():
            with c.cursor() as cur:
                cur.execute("INSERT INTO t VALUES (2)")
            return pinned()
        reason = wait_for("a write to t pins once the refresh saw the trigger", write_pins, timeout=10)
        check("trigger" in reason, f"pin reason: {reason}")
    finally:
        c.close()
        with backend() as b, b.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS sw_ops_trig")


def test_digests():
    call("DELETE", "/v1/digests")
    with proxy.connect() as c, c.cursor() as cur:
        for i in range(7):
            cur.execute(f"SELECT {i} + 1, 'x{i}' FROM DUAL WHERE {i} IN ({i}, {i + 1})")
        try:
            cur.execute("SELECT * FROM no_such_table_here")
        except Exception:  # noqa: BLE001
            pass
    # A statement is recorded once its response is written: the client may ask a moment sooner.
    def top():
        doc = call("GET", "/v1/digests?order_by=count&limit=5")[1]
        found = [x for x in doc["digests"] if x["digest"] == "SELECT ? + ?, ? FROM DUAL WHERE ? IN (...)"]
        return doc if found and found[0]["count"] == 7 and doc["count"] >= 2 else None
    doc = wait_for("7 statements under one digest", top, timeout=5)
    check(len(doc["digests"]) <= 5, f"limit: {doc}")
    d = next(x for x in doc["digests"] if x["digest"] == "SELECT ? + ?, ? FROM DUAL WHERE ? IN (...)")
    check_eq((d["count"], d["errors"], d["rows_sent"], d["type"]), (7, 0, 7, "select"), f"{d}")
    check(0 < d["avg_ms"] <= d["p99_ms"] * 1.01 and d["p99_ms"] <= d["max_ms"] + 0.001, f"latency {d}")
    bad = wait_for("the failed statement's digest",
                   lambda: next((x for x in call("GET", "/v1/digests?order_by=errors")[1]["digests"]
                                 if x["digest"] == "SELECT * FROM no_such_table_here"), None), timeout=5)
    check_eq(bad["errors"], 1, "errors counted")
    check_eq(call("GET", "/v1/digests?order_by=nope")[0], 400, "bad order_by")
    check_eq(call("GET", "/v1/digests?limit=0")[0], 400, "bad limit")
    check_eq(call("DELETE", "/v1/digests")[1], {"cleared": True}, "cleared")
    check_eq(call("GET", "/v1/digests")[1]["count"], 0, "empty")


def test_slow_log():
    path = proxy.config["slow_log"]["file"]
    proxy.value("SELECT SLEEP(0.3)")
    proxy.value("SELECT 'fast one'")
    wait_for("slow log line", lambda: os.path.exists(path) and "SLEEP" in open(path).read(), timeout=5)
    lines = open(path).read().splitlines()
    slow = [line for line in lines if "SLEEP" in line]
    check(len(slow) >= 1 and not any("fast one" in line or "'" in line for line in lines), f"{lines}")
    m = re.search(r"duration_ms=([0-9.]+) session=\d+ user=app .* statement=\"SELECT SLEEP\(\?\)\"", slow[-1])
    check(m and float(m.group(1)) >= 250, f"{slow[-1]}")  # SLEEP(0.3) may end a little early


def parse_metrics(text):
    """Prometheus text format: {name: type}, [(name, labels, value)]."""
    types, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)", line)
            check(m, f"not a sample line: {line!r}")
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return types, samples


def scrape(lint=False):
    status, text, r = call("GET", "/metrics", raw=True)
    check_eq(status, 200, "metrics")
    check(r.getheader("Content-Type").startswith("text/plain; version=0.0.4"), r.getheader("Content-Type"))
    if lint:  # Prometheus's own linter (promtool, from scripts/install-deps.sh)
        out = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
        check(out.returncode == 0, f"promtool check metrics: {out.stdout.decode()} {out.stderr.decode()}")
    return parse_metrics(text)


def value(samples, name, **labels):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items()))


def test_metrics():
    types, before = scrape(lint=True)
    for name, kind in {"shardwire_statements_total": "counter", "shardwire_client_connections": "gauge",
                       "shardwire_statement_errors_total": "counter",
                       "shardwire_statement_duration_seconds": "histogram",
                       "shardwire_statement_shards": "histogram", "shardwire_backend_pool_connections": "gauge",
                       "shardwire_replica_lag_seconds": "gauge", "shardwire_rows_merged_total": "counter"}.items():
        check_eq(types.get(name), kind, name)
    with proxy.connect(db="mysql") as c, c.cursor() as cur:
        for _ in range(5):
            cur.execute("SELECT 1")
        try:
            cur.execute("SELECT * FROM no_such_table_here")
        except Exception:  # noqa: BLE001
            pass
        _, during = scrape()
        check(value(during, "shardwire_client_connections") >= 1, "this connection counted")
    sel = dict(type="select", route="unsharded")

    def settled():  # statements are counted once their response is written
        _, s = scrape()
        done = value(s, "shardwire_statement_errors_total", code="1146") > \
            value(before, "shardwire_statement_errors_total", code="1146")
        return s if done else None
    after = wait_for("the failed statement counted", settled, timeout=5)
    check(value(after, "shardwire_statements_total", **sel) >= value(before, "shardwire_statements_total", **sel) + 6,
          "statements counted")
    check_eq(value(after, "shardwire_statement_errors_total", code="1146")
             - value(before, "shardwire_statement_errors_total", code="1146"), 1.0, "ERR 1146 counted")
    buckets = [(float(l["le"]), v) for n, l, v in after if n == "shardwire_statement_duration_seconds_bucket"]
    check(buckets == sorted(buckets) and buckets[-1][0] == math.inf, "buckets cumulative, +Inf last")
    check_eq(buckets[-1][1], value(after, "shardwire_statement_duration_seconds_count"), "+Inf bucket = count")
    check(value(after, "shardwire_replica_lag_seconds", group="ds0", address=R0) >= 0, "r0's lag exported")
    check_eq(value(after, "shardwire_backend_up", group="ds0", address=P0), 1.0, "p0 up")
    check(value(after, "shardwire_config_reloads_total") >= 3, "reloads counted")
    check(value(after, "shardwire_config_reload_failures_total") >= 3, "refused reloads counted")
    # Every metric the Grafana dashboard (docker/) queries is one the proxy exports.
    dash = json.load(open(os.path.join(os.environ["SHARDWIRE_SOURCE_DIR"], "docker/grafana/dashboards/shardwire.json")))
    for expr in (t["expr"] for p in dash["panels"] for t in p["targets"]):
        for m in re.findall(r"shardwire_[a-z_]+", expr):
            check(re.sub(r"_(bucket|sum|count)$", "", m) in types or m in types, f"dashboard metric {m}")
    check_eq(call("POST", "/metrics")[0], 405, "GET only")
    check_eq(call("GET", "/metrics", token="bad")[0], 401, "token required")


def test_start_refuses_to_move_writes_back():
    """The API moved ds0's primary; the config's ds0 servers are edited but still name the
    old primary: the start stops (writes would go back to it) until the config agrees."""
    check_eq(call("POST", "/v1/groups/ds0/promote", {"address": R0})[0], 200, "promote r0")
    rewrite(lambda c: c["data_sources"]["ds0"].update({"replicas": [{"address": R0, "weight": 5}]}))
    proxy.terminate()
    proxy.wait_exit(15)
    proxy._log.close()
    proxy.check_exit()
    out = subprocess.run([os.environ["SHARDWIRE_BIN"], "--config", proxy.config_path], capture_output=True,
                         timeout=30)
    text = out.stderr.decode() + out.stdout.decode()
    check(out.returncode == 1 and f"{R0} was made the primary through the admin API" in text, f"{out.returncode} {text}")
    os.remove(proxy.config["admin"]["state_file"])  # start from the config (p0 primary) again
    proxy.start()
    wait_for("ready", lambda: call("GET", "/readyz")[0] == 200)
    check_eq(servers()[P0]["role"], "primary", "p0 primary from the config")


def test_bad_requests():
    check_eq(call("POST", "/v1/groups/ds0/servers", {"address": "nohost"})[0], 400, "bad address")
    check_eq(call("POST", "/v1/groups/ds0/servers", {"address": "127.0.0.1:1", "state": "gone"})[0], 400,
             "bad state")
    check_eq(call("POST", "/v1/groups/ds0/servers", {"address": "127.0.0.1:1", "color": 1})[0], 400, "unknown key")
    check_eq(call("PATCH", f"/v1/groups/ds0/servers/{R0}", {})[0], 400, "nothing to change")
    check_eq(call("PATCH", f"/v1/groups/ds0/servers/{R0}", {"max_replica_lag_ms": "x"})[0], 400, "bad lag")
    check_eq(call("PUT", f"/v1/groups/ds0/servers/{R0}", {})[0], 405, "PUT")
    check_eq(call("GET", "/v1/config/reload")[0], 405, "reload is POST")
    check_eq(call("GET", "/v1/groups/nope/servers")[0], 404, "unknown group")
    check_eq(proxy.value("SELECT 1"), 1, "SQL unaffected")


def start():
    global proxy, admin_port, P0, R0
    admin_port = free_port()
    P0, R0 = f"127.0.0.1:{cluster_port('p0')}", f"127.0.0.1:{cluster_port('r0')}"
    proxy = Proxy("admin-ops", config={
        "admin": {"enabled": True, "listen": f"127.0.0.1:{admin_port}", "token": TOKEN},
        "backend_defaults": {"reads": {"causal_reads": "off"}},
        "monitor": {"interval_ms": 200, "trigger_refresh_ms": 300},
    })
    proxy.config["admin"]["state_file"] = os.path.join(proxy.dir, "state.json")
    proxy.config["slow_log"] = {"file": os.path.join(proxy.dir, "slow.log"), "threshold_ms": 200}
    return [proxy.start()]


if __name__ == "__main__":
    main_cases([test_add_replica_reads_reach_it, test_offline_soft_drains_without_failing_a_statement,
                test_offline_hard_closes_pooled_connections, test_remove_replica, test_changes_survive_a_restart,
                test_reload_applies_and_refuses, test_reload_rules_and_servers, test_pinned_session_after_promote,
                test_sessions, test_trigger_made_on_the_server_pins_after_a_refresh, test_digests,
                test_slow_log, test_metrics, test_start_refuses_to_move_writes_back, test_bad_requests], start)
