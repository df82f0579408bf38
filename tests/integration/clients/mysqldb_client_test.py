#!/usr/bin/python3
"""MySQLdb (mysqlclient on libmariadb) through the proxy on the sharded demo layout (logical database sw_mysqldb_c):
the client scenario of clientlib (CRUD, generated key as cursor.lastrowid, committed and
rolled-back transactions on one and on two data sources, merged multi-shard reads, the
DB-API's default autocommit=0), then the rows checked directly on the backends."""
import os
import sys

import MySQLdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlib  # noqa: E402
from dbapi_flow import Scenario  # noqa: E402
from harness import HOST, main_cases  # noqa: E402

lay = clientlib.Layout("mysqldb_c")


def connect(autocommit):
    return MySQLdb.connect(host=HOST, port=lay.port, user="app", password="app", database=lay.db,
                           autocommit=autocommit, connect_timeout=10, charset="utf8mb4")


def test_backend_final_state():
    lay.check_final_state()


def start():
    lay.__enter__()
    return lay.proxies()


if __name__ == "__main__":
    main_cases(Scenario(connect).steps() + [test_backend_final_state], start)
