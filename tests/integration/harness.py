#!/usr/bin/python3
"""Integration-test harness: runs a shardwire proxy in front of the test cluster.

The cluster is started by the ctest fixture (integration/cluster_up) with
scripts/cluster.sh; every test gets SHARDWIRE_BIN, SW_CLUSTER_PORT, SW_CLUSTER_DIR and
SHARDWIRE_SOURCE_DIR in its environment.

  with Proxy(**overrides) as proxy:      # config written, proxy started, port open
      conn = proxy.connect()             # pymysql session through the proxy
  # on exit: SIGTERM, exit code 0 asserted, no sanitizer report in the proxy's stderr

  harness.py run [--config-json JSON] -- CMD...
      starts a proxy, runs CMD with SW_PROXY_PORT (and SW_PROXY_HOST) exported,
      stops and checks the proxy; exit code: CMD's, or 1 if the proxy check failed.
"""
import copy
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import pymysql

HOST = "127.0.0.1"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")

# A client user whose password is only known to the proxy as PASSWORD()'s "*HEX".
HASH_USER, HASH_PASSWORD = "hashuser", "h4sh-secret"


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        raise SystemExit(f"harness: environment variable {name} is not set (run the test through ctest)")
    return v


def cluster_port(node="p0"):
    return int(env("SW_CLUSTER_PORT", "13307")) + {"p0": 0, "r0": 1, "p1": 2, "r1": 3}[node]


def cluster_socket(node="p0"):
    return os.path.join(env("SW_CLUSTER_DIR"), node, "mysqld.sock")


def native_hash(password):
    """MariaDB's PASSWORD(): '*' + hex(SHA1(SHA1(pw)))."""
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def backend(node="p0", db=None, root=False, **kw):
    """A pymysql session DIRECTLY on a cluster instance (not through the proxy)."""
    if root:
        return pymysql.connect(unix_socket=cluster_socket(node), user="root", database=db,
                               autocommit=True, **kw)
    return pymysql.connect(host=HOST, port=cluster_port(node), user="app", password="app",
                           database=db, autocommit=True, **kw)


def backend_value(sql, node="p0", db=None, args=None):
    conn = backend(node, db)
    try:
        with conn.cursor() as c:
            c.execute(sql, args)
            row = c.fetchone()
            return None if row is None else row[0]
    finally:
        conn.close()


def default_config(port):
    p = cluster_port
    return {
        "listen": f"{HOST}:{port}",
        "workers": 2,
        "max_allowed_packet": 64 << 20,
        "max_client_connections": 1000,
        "handshake_timeout_ms": 5000,
        "client_idle_timeout_s": 600,
        "shutdown_timeout_ms": 5000,
        "log": {"level": "info"},
        "users": [
            {"name": "app", "password": "app"},
            {"name": HASH_USER, "password_hash": native_hash(HASH_PASSWORD)},
        ],
        "backend_defaults": {
            "user": "app", "password": "app",
            "pool": {"max_connections": 64, "connect_timeout_ms": 3000, "idle_timeout_s": 60},
        },
        # Primaries only: these tests look at what reaches p0/p1. Read/write splitting
        # has its own tests (replica_test.py, with_replicas()).
        "data_sources": {
            "ds0": {"primary": f"{HOST}:{p('p0')}"},
            "ds1": {"primary": f"{HOST}:{p('p1')}"},
        },
        # Its own account, so tests counting the app account's connections see the pools only.
        "monitor": {"user": "monitor", "password": "monitor", "interval_ms": 500},
        # Off by default: every test proxy would want port 6080 (admin_test.py turns it on).
        "admin": {"enabled": False},
        "default_data_source": "ds0",
    }


def _strip_json_comments(text):
    """Removes // and /* */ comments (the proxy's config parser allows them), not inside strings."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def demo_schemas():
    """The "schemas" section of conf/demo.json (the demo's sharded layout) for a test
    proxy: Proxy(config={"schemas": demo_schemas()}). Its data sources keep their demo
    names, which default_config() maps to the test cluster (ds0 -> p0, ds1 -> p1)."""
    with open(os.path.join(env("SHARDWIRE_SOURCE_DIR"), "conf", "demo.json")) as f:
        schemas = json.loads(_strip_json_comments(f.read()))["schemas"]
    known = default_config(0)["data_sources"]
    for name, schema in schemas.items():
        for ds in [schema["default_data_source"], *schema.get("databases", {}).values()]:
            if ds not in known:
                raise SystemExit(f"harness: demo schema {name} uses data source {ds}, unknown to the test config")
    return schemas


def merge(base, overrides):
    """Recursive dict merge; a None value deletes the key."""
    out = copy.deepcopy(base)
    for k, v in (overrides or {}).items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


class ProxyError(AssertionError):
    pass


class Proxy:
    def __init__(self, name="proxy", config=None, start_timeout=15.0):
        self.name = name
        self.port = free_port()
        self.config = merge(default_config(self.port), config)
        self.config["listen"] = f"{HOST}:{self.port}"
        self.start_timeout = start_timeout
        self.dir = tempfile.mkdtemp(prefix=f"sw-{name}-")
        self.config_path = os.path.join(self.dir, "shardwire.json")
        self.log_path = os.path.join(self.dir, "proxy.log")
        self.proc = None
        self.returncode = None
        self.keep = bool(os.environ.get("SW_KEEP_PROXY_LOGS"))

    # --- lifecycle ------------------------------------------------------------
    def write_config(self):
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=2)

    def start(self):
        self.write_config()
        penv = dict(os.environ)
        # Sanitizer reports go to stderr (our log file); keep going after UBSan is not
        # possible (-fno-sanitize-recover), so any report means a non-zero exit too.
        penv.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:strict_string_checks=1")
        penv.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self._log = open(self.log_path, "ab")  # a restart appends
        self.proc = subprocess.Popen([env("SHARDWIRE_BIN"), "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=penv)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                self.fail(f"proxy exited with code {self.proc.returncode} during start")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    s.settimeout(2)
                    if s.recv(4):  # the server greeting's header
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.fail(f"proxy not accepting on {HOST}:{self.port} after {self.start_timeout}s")
            time.sleep(0.05)
        return self

    def terminate(self):
        """Sends SIGTERM (the graceful shutdown) without waiting."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout):
        """Waits for the process; returns the exit code, or kills it and fails."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.fail(f"proxy did not exit within {timeout}s of SIGTERM (killed)")
        return self.returncode

    def check_exit(self):
        """Asserts exit code 0 and a log free of sanitizer reports."""
        problems = []
        if self.returncode != 0:
            problems.append(f"exit code {self.returncode} (expected 0)")
        text = self.log()
        for marker in SANITIZER_MARKERS:
            if marker in text:
                problems.append(f"proxy log contains sanitizer report '{marker}'")
        if problems:
            self.fail("; ".join(problems))

    def stop(self, timeout=None):
        if self.proc is None:
            return
        if timeout is None:
            timeout = self.config["shutdown_timeout_ms"] / 1000 + 10
        if self.proc.poll() is None:
            self.terminate()
        self.wait_exit(timeout)
        self._log.close()
        self.check_exit()
        if not self.keep:  # a clean run leaves nothing behind; failures keep config and log
            shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self, timeout=None):
        """Graceful stop (checked like stop()) and start again with the same directory,
        config file and state file."""
        if timeout is None:
            timeout = self.config["shutdown_timeout_ms"] / 1000 + 10
        self.terminate()
        self.wait_exit(timeout)
        self._log.close()
        self.check_exit()
        return self.start()

    def __enter__(self):
        return self if self.proc else self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            # The test failed: the proxy log is the first thing one wants to see.
            self.keep = True
            try:
                self.stop()
            except AssertionError as e:
                print(f"harness: also, stopping {self.name} failed: {e}", file=sys.stderr)
            if not isinstance(exc, ProxyError):
                self.print_log()
            return False
        self.stop()
        return False

    # --- helpers ----------------------------------------------------------------
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def print_log(self, tail_lines=400):
        lines = self.log().splitlines()
        print(f"---- {self.name} log ({self.log_path}), last {min(len(lines), tail_lines)} of {len(lines)} lines ----",
              file=sys.stderr)
        for line in lines[-tail_lines:]:
            print(line, file=sys.stderr)
        print("----", file=sys.stderr)

    def fail(self, message):
        self.keep = True
        self.print_log()
        raise ProxyError(f"{self.name}: {message}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect(self, user="app", password="app", db=None, **kw):
        kw.setdefault("connect_timeout", 10)
        kw.setdefault("read_timeout", 60)
        kw.setdefault("autocommit", True)
        return pymysql.connect(host=HOST, port=self.port, user=user, password=password, database=db, **kw)

    def value(self, sql, **kw):
        conn = self.connect(**kw)
        try:
            with conn.cursor() as c:
                c.execute(sql)
                row = c.fetchone()
                return None if row is None else row[0]
        finally:
            conn.close()


# --- tiny test runner -----------------------------------------------------------
def rss_kb(pid):
    """Resident memory of process `pid` in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wait_for(what, fn, timeout=15.0):
    """Polls fn() every 50 ms until it returns something true (returned), or fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def check(cond, message="check failed"):
    if not cond:
        raise AssertionError(message)


def check_eq(actual, expected, what="value"):
    if actual != expected:
        a, e = repr(actual), repr(expected)
        raise AssertionError(f"{what}: expected {e[:300]}, got {a[:300]}")


def check_mysql_error(exc, code, sqlstate=None, text=None):
    """exc: a pymysql/MySQLdb error; checks errno (and message fragment)."""
    args = getattr(exc, "args", ())
    check(len(args) >= 1 and args[0] == code, f"expected MySQL error {code}, got {exc!r}")
    if text is not None:
        check(text in str(args[1] if len(args) > 1 else ""), f"expected {text!r} in the message of {exc!r}")


def expect_error(code, fn, *a, text=None, **kw):
    try:
        fn(*a, **kw)
    except Exception as e:  # noqa: BLE001 - both drivers' error classes
        check_mysql_error(e, code, text=text)
        return e
    raise AssertionError(f"expected MySQL error {code}, but the call succeeded")


def run_cases(cases, proxies=()):
    """Runs test functions in order, prints PASS/FAIL per case, exits 1 on any failure.

    Proxies listed are checked to be alive after each case; their logs are printed once
    if something failed.
    """
    failed = []
    t_all = time.monotonic()
    for fn in cases:
        t0 = time.monotonic()
        try:
            fn()
            for p in proxies:
                if not p.alive():
                    raise AssertionError(f"{p.name} died (exit code {p.proc.returncode})")
            print(f"PASS {fn.__name__} ({time.monotonic() - t0:.2f}s)", flush=True)
        except Exception:  # noqa: BLE001
            failed.append(fn.__name__)
            print(f"FAIL {fn.__name__} ({time.monotonic() - t0:.2f}s)", flush=True)
            traceback.print_exc()
            sys.stdout.flush()
    print(f"{len(cases) - len(failed)}/{len(cases)} passed in {time.monotonic() - t_all:.1f}s", flush=True)
    if failed:
        print("FAILED: " + ", ".join(failed), flush=True)
        for p in proxies:
            p.print_log()
    return not failed


def main_cases(cases, proxies_factory):
    """Starts the proxies from proxies_factory() (a list), runs cases, stops them."""
    proxies = []
    ok = False
    try:
        proxies = proxies_factory()
        ok = run_cases(cases, proxies)
    finally:
        for p in proxies:
            p.keep = p.keep or not ok
            try:
                p.stop()
            except AssertionError as e:
                print(f"FAIL stopping {p.name}: {e}", flush=True)
                ok = False
    sys.exit(0 if ok else 1)


def _run_mode(argv):
    overrides = {}
    while argv and argv[0] != "--":
        if argv[0] == "--config-json" and len(argv) > 1:
            overrides = merge(overrides, json.loads(argv[1]))
            argv = argv[2:]
        else:
            raise SystemExit(f"harness run: unknown option {argv[0]!r}")
    if not argv or len(argv) < 2:
        raise SystemExit("usage: harness.py run [--config-json JSON] -- CMD...")
    cmd = argv[1:]
    proxy = Proxy("proxy", overrides).start()
    rc = 1
    try:
        cenv = dict(os.environ, SW_PROXY_PORT=str(proxy.port), SW_PROXY_HOST=HOST)
        t0 = time.monotonic()
        rc = subprocess.call(cmd, env=cenv)
        print(f"harness: {' '.join(cmd)} exited with {rc} after {time.monotonic() - t0:.1f}s", flush=True)
        proxy.keep = rc != 0
    finally:
        try:
            proxy.stop()
        except AssertionError as e:  # the log was printed by Proxy.fail
            print(f"harness: FAIL {e}", file=sys.stderr, flush=True)
            return rc or 1
    if rc != 0:
        proxy.print_log()
    return rc


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        sys.exit(_run_mode(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
