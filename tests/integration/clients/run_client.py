#!/usr/bin/python3
"""Runs one client program (C, Perl, Java, Node, ...) against the sharded test layout.

  run_client.py NAME [--table EXTRA_TABLE]... [--no-final-check] [--direct] -- CMD...

Creates logical database sw_NAME through a fresh proxy (clientlib.Layout, with the extra
sharded tables of clientlib.EXTRA_TABLES named by --table), runs CMD with
SW_PROXY_HOST, SW_PROXY_PORT, SW_DB and SW_USER_BASE exported (CMD prints PASS/FAIL
per step of the scenario in clientlib's docstring and exits non-zero on any failure),
then checks the rows it left DIRECTLY on the backends (clientlib.check_backends).
Exit code 0 only if CMD passed, the backends hold exactly the expected rows and the
proxy stopped cleanly.

--direct (or SW_CLIENT_DIRECT=1) runs CMD against p0 itself, on the same tables unsharded
(clientlib.direct_setup): a check of the test program, not of the proxy."""
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlib  # noqa: E402


def main(argv):
    if "--" not in argv or not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__)
    name, opts, cmd = argv[0], argv[1:argv.index("--")], argv[argv.index("--") + 1:]
    extra_tables, final_check, direct = [], True, False
    while opts:
        if opts[0] == "--table" and len(opts) > 1 and opts[1] in clientlib.EXTRA_TABLES:
            extra_tables.append(opts[1])
            opts = opts[2:]
        elif opts[0] == "--direct":
            direct, opts = True, opts[1:]
        elif opts[0] == "--no-final-check":
            final_check, opts = False, opts[1:]
        else:
            raise SystemExit(f"run_client: unknown option {opts[0]!r}")
    results = []
    try:
        with clientlib.Layout(name, extra_tables=extra_tables, direct=direct or None) as lay:
            t0 = time.monotonic()
            rc = subprocess.call(cmd, env=lay.env(), stdin=subprocess.DEVNULL)
            print(f"run_client: {' '.join(os.path.basename(a) for a in cmd)} exited with {rc} "
                  f"after {time.monotonic() - t0:.1f}s", flush=True)
            results.append(("client", rc == 0))
            checks = [("backend_tables_created_by_client", lay.check_client_tables)]
            if final_check:
                checks.append(("backend_final_state", lay.check_final_state))
            for check_name, fn in checks:
                try:
                    fn()
                    print(f"PASS {check_name}", flush=True)
                    results.append((check_name, True))
                except AssertionError:
                    print(f"FAIL {check_name}", flush=True)
                    traceback.print_exc()
                    results.append((check_name, False))
            if not all(ok for _, ok in results) and lay.proxy:
                lay.proxy.keep = True
                lay.proxy.print_log(tail_lines=60)
    except AssertionError:
        traceback.print_exc()
        results.append(("proxy/layout", False))
    failed = [n for n, ok in results if not ok]
    print(f"run_client {name}: " + ("ok" if not failed else "FAILED: " + ", ".join(failed)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
