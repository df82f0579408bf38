#!/usr/bin/python3
"""Transaction modes and XA two-phase commit (docs/transactions.md) against the real
cluster: SET / SELECT @@shardwire_transaction_mode; 'local' refuses a second data
source; 'xa' commits two data sources atomically (one-phase when only one took part),
rolls back whole, keeps savepoints, leaves nothing when the client disconnects or a
branch's backend connection dies before COMMIT; recovery rolls back a prepared branch
without a decision, lists what it cannot decide (older than the log, another proxy's)
and the operator resolves those through /v1/transactions; SHARDWIRE NEXT ID gives keys
an application can insert with and retry safely.
"""
import os
import sys

import pymysql

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, Proxy, backend, check, check_eq, check_mysql_error, expect_error,  # noqa: E402
                     free_port, main_cases, wait_for)
from xa_common import (LOGICAL, USER_DS0, USER_DS1, admin, clear_branches, create_tables, metrics,  # noqa: E402
                       notes_on_backend, physical, prepared_branches, schemas)

proxy = None
admin_port = None


def insert(cur, user, note):
    cur.execute("INSERT INTO order_info (user_id, amount, note) VALUES (%s, 1.00, %s)", (user, note))


def no_branches_left():
    check_eq(prepared_branches("p0") + prepared_branches("p1"), [], "prepared shardwire branches on the primaries")


def test_setup():
    clear_branches()
    create_tables(proxy)


def test_mode_variable():
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SELECT @@shardwire_transaction_mode")
        check_eq(cur.fetchall(), (("best_effort",),), "the config's default")
        check_eq(cur.description[0][0], "@@shardwire_transaction_mode", "column name")
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("SELECT @@session.shardwire_transaction_mode AS m")
        check_eq((cur.fetchall(), cur.description[0][0]), ((("xa",),), "m"), "after SET")
        cur.execute("SET @@session.shardwire_transaction_mode = LOCAL")
        cur.execute("SELECT @@shardwire_transaction_mode")
        check_eq(cur.fetchone()[0], "local", "identifier value")
        expect_error(1231, cur.execute, "SET shardwire_transaction_mode = 'two_phase'")
        cur.execute("BEGIN")
        expect_error(1568, cur.execute, "SET shardwire_transaction_mode = 'xa'")
        cur.execute("ROLLBACK")
        expect_error(1235, cur.execute, "SELECT @@shardwire_transaction_mode, 1")
        cur.execute("SET shardwire_transaction_mode = DEFAULT")
        cur.execute("SELECT @@shardwire_transaction_mode")
        check_eq(cur.fetchone()[0], "best_effort", "DEFAULT: the config's again")


def test_local_refuses_second_source():
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SET shardwire_transaction_mode = 'local'")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "local-1")
        try:
            insert(cur, USER_DS1, "local-1")
            raise AssertionError("a second data source was allowed under 'local'")
        except pymysql.MySQLError as e:
            check_mysql_error(e, 1235, "42000", text="'local'")
        cur.execute("ROLLBACK")
        cur.execute("BEGIN")  # one data source is fine
        insert(cur, USER_DS0, "local-2")
        insert(cur, USER_DS0 + 64, "local-2")
        cur.execute("COMMIT")
    check_eq(notes_on_backend(USER_DS0, "local-"), ["local-2"], "only the one-source transaction")


def test_xa_commits_both_or_neither():
    before = metrics(admin_port)
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "xa-c")
        insert(cur, USER_DS1, "xa-c")
        cur.execute("SELECT COUNT(*) FROM order_info WHERE note = 'xa-c'")
        check_eq(cur.fetchone()[0], 2, "both rows visible inside the transaction")
        cur.execute("COMMIT")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "xa-r")
        insert(cur, USER_DS1, "xa-r")
        cur.execute("ROLLBACK")
        cur.execute("START TRANSACTION")  # one data source: one phase, no decision logged
        insert(cur, USER_DS1, "xa-one")
        cur.execute("COMMIT")
    check_eq(notes_on_backend(USER_DS0, "xa-"), ["xa-c"], "ds0 after commit and rollback")
    check_eq(notes_on_backend(USER_DS1, "xa-"), ["xa-c", "xa-one"], "ds1 after commit and rollback")
    after = metrics(admin_port)
    check_eq(after['transactions_total{outcome="committed"}'] - before['transactions_total{outcome="committed"}'], 1,
             "two-phase commits")
    check_eq(after['transactions_total{outcome="one_phase"}'] - before['transactions_total{outcome="one_phase"}'], 1,
             "one-phase commits")
    check_eq(after['transactions_total{outcome="rolled_back"}'] - before['transactions_total{outcome="rolled_back"}'],
             1, "rollbacks")
    check(after["log_fsyncs_total"] > before["log_fsyncs_total"], "the decision was fsynced")
    check_eq(after["pending_decisions"], 0, "decisions complete")
    no_branches_left()


def test_xa_savepoints():
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "sp-a")
        cur.execute("SAVEPOINT s1")
        insert(cur, USER_DS1, "sp-b")   # joins after the savepoint: it is replayed there
        cur.execute("ROLLBACK TO SAVEPOINT s1")
        insert(cur, USER_DS1, "sp-c")
        cur.execute("COMMIT")
    check_eq(notes_on_backend(USER_DS0, "sp-"), ["sp-a"], "ds0")
    check_eq(notes_on_backend(USER_DS1, "sp-"), ["sp-c"], "ds1: the row after the savepoint is gone")
    no_branches_left()


def test_autocommit_on_commits():
    """SET autocommit=1 commits the open transaction, as on the server (an XA branch alone
    would ignore it)."""
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "ac-1")
        insert(cur, USER_DS1, "ac-1")
        cur.execute("SET autocommit = 1")
        cur.execute("SELECT @@shardwire_transaction_mode")
        check_eq(cur.fetchone()[0], "xa", "the session goes on")
    check_eq(notes_on_backend(USER_DS0, "ac-"), ["ac-1"], "ds0 committed")
    check_eq(notes_on_backend(USER_DS1, "ac-"), ["ac-1"], "ds1 committed")
    no_branches_left()


def test_autocommit_off_is_one_xa_transaction():
    """The DB-API default (autocommit off, conn.commit()): the statement that opens the
    transaction opens an XA one, across both data sources; DDL commits it first."""
    conn = proxy.connect(db=LOGICAL, autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("SET shardwire_transaction_mode = 'xa'")
            insert(cur, USER_DS0, "ac0-1")
            insert(cur, USER_DS1, "ac0-1")
            conn.rollback()
            insert(cur, USER_DS0, "ac0-2")
            insert(cur, USER_DS1, "ac0-2")
            conn.commit()
            insert(cur, USER_DS1, "ac0-3")
            insert(cur, USER_DS0, "ac0-3")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {LOGICAL}.xa_ddl_probe (id INT PRIMARY KEY)")  # commits first
            cur.execute(f"DROP TABLE {LOGICAL}.xa_ddl_probe")
            conn.rollback()  # nothing left to roll back
    finally:
        conn.close()
    check_eq(notes_on_backend(USER_DS0, "ac0-"), ["ac0-2", "ac0-3"], "ds0")
    check_eq(notes_on_backend(USER_DS1, "ac0-"), ["ac0-2", "ac0-3"], "ds1")
    no_branches_left()


def test_client_disconnect_leaves_nothing():
    c = proxy.connect(db=LOGICAL)
    cur = c.cursor()
    cur.execute("SET shardwire_transaction_mode = 'xa'")
    cur.execute("BEGIN")
    insert(cur, USER_DS0, "gone")
    insert(cur, USER_DS1, "gone")
    c.close()

    def nothing():
        return notes_on_backend(USER_DS0, "gone") == [] and notes_on_backend(USER_DS1, "gone") == []
    wait_for("the abandoned branches rolled back", nothing)
    # Its rows were locked by the branches: a new writer gets them at once.
    with proxy.connect(db=LOGICAL) as c2, c2.cursor() as cur2:
        cur2.execute("SET innodb_lock_wait_timeout = 5")
        cur2.execute("UPDATE order_info SET amount = 2 WHERE user_id = %s", (USER_DS1,))
    no_branches_left()


def kill_branch_connection(node):
    """Kills the backend thread holding an open InnoDB transaction on `node`."""
    with backend(node) as b, b.cursor() as c:
        c.execute("SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX")
        ids = [r[0] for r in c.fetchall()]
        check_eq(len(ids), 1, f"one open transaction on {node}")
        c.execute(f"KILL {ids[0]}")


def test_branch_lost_before_commit_rolls_back_all():
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("BEGIN")
        insert(cur, USER_DS0, "lost")
        insert(cur, USER_DS1, "lost")
        kill_branch_connection("p1")
        try:
            cur.execute("COMMIT")
            raise AssertionError("COMMIT succeeded without the ds1 branch")
        except pymysql.MySQLError as e:
            check("rolled back" in str(e), f"the error says what happened: {e}")
    check_eq(notes_on_backend(USER_DS0, "lost"), [], "ds0 rolled back too")
    check_eq(notes_on_backend(USER_DS1, "lost"), [], "ds1")
    no_branches_left()


def prepare_by_hand(node, gtrid, user, note):
    """A prepared branch made directly on a primary, as a crashed proxy would leave it."""
    _, table = physical(user)
    b = backend(node)
    with b.cursor() as c:
        c.execute(f"XA START '{gtrid}','b0',21335")
        c.execute(f"INSERT INTO {table} (order_id, user_id, note) VALUES (%s, %s, %s)",
                  (abs(hash(gtrid)) % (1 << 60), user, note))
        c.execute(f"XA END '{gtrid}','b0',21335")
        c.execute(f"XA PREPARE '{gtrid}','b0',21335")
    b.close()  # a prepared branch outlives its connection


def test_recovery_and_manual_resolution():
    status, state = admin(admin_port, "GET", "/v1/transactions")
    check_eq(status, 200, f"GET /v1/transactions {state}")
    pid, boot = state["proxy_id"], state["boot"]
    ours = f"sw:{pid}:{boot:x}:ffff0001"              # this boot, no decision: presumed abort
    older = f"sw:{pid}:{max(boot - 10**9, 1):x}:1"    # before the log began: in doubt
    foreign = "sw:someone-else:1:1"                    # another proxy's: never touched
    prepare_by_hand("p0", ours, USER_DS0, "rec-ours")
    prepare_by_hand("p1", older, USER_DS1, "rec-older")
    prepare_by_hand("p0", foreign, USER_DS0 + 64, "rec-foreign")
    status, passed = admin(admin_port, "POST", "/v1/transactions/recover")
    check_eq(status, 200, f"recover {passed}")
    check_eq(passed["rolled_back"], 1, f"presumed abort of {ours}: {passed}")
    status, state = admin(admin_port, "GET", "/v1/transactions")
    doubt = {d["gtrid"]: d for d in state["in_doubt"]}
    check(older in doubt and "before this decision log" in doubt[older]["reason"], f"older listed: {state}")
    check(foreign in doubt and "another proxy" in doubt[foreign]["reason"], f"foreign listed: {state}")
    check_eq(metrics(admin_port)["in_doubt_branches"], 2, "in doubt gauge")
    status, body = admin(admin_port, "POST", f"/v1/transactions/{older}/commit")
    check_eq(status, 200, f"commit by hand {body}")
    status, body = admin(admin_port, "POST", f"/v1/transactions/{foreign}/rollback")
    check_eq(status, 200, f"rollback by hand {body}")
    status, body = admin(admin_port, "POST", f"/v1/transactions/{foreign}/rollback")
    check_eq(status, 404, f"nothing left to resolve {body}")
    check_eq(notes_on_backend(USER_DS0, "rec-"), [], "ours rolled back")
    check_eq(notes_on_backend(USER_DS1, "rec-"), ["rec-older"], "older committed by hand")
    check_eq(notes_on_backend(USER_DS0 + 64, "rec-"), [], "foreign rolled back by hand")
    admin(admin_port, "POST", "/v1/transactions/recover")
    check_eq(metrics(admin_port)["in_doubt_branches"], 0, "nothing in doubt")
    no_branches_left()


def account_rows(user):
    """Every column of user's account rows, read on the physical table its user_id routes to."""
    node, table = physical(user, "account")
    with backend(node) as b, b.cursor() as c:
        c.execute(f"SELECT account_id, user_id, balance, ratio, HEX(name), blob_col, born, flags, doc, upper_name "
                  f"FROM {table} WHERE user_id = %s ORDER BY account_id", (user,))
        return list(c.fetchall())


def test_shard_key_update_moves_rows():
    src, dst = USER_DS0 + 2, USER_DS1 + 2   # ds0 -> ds1: another data source
    near = USER_DS0 + 3                      # ds0 -> ds0: another table on the same one
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute("DELETE FROM account WHERE user_id IN (%s, %s, %s)", (src, dst, near))
        for i in range(3):
            cur.execute("INSERT INTO account (user_id, balance, ratio, name, blob_col, born, flags, doc) "
                        "VALUES (%s, %s, 0.1 + %s, 'été', X'00FF27225C', '2025-12-01 10:11:12.123456', "
                        "b'10101', '{\"a\": [1, \"x\"]}')", (src, f"{i}.000001", i))
        before = account_rows(src)
        check_eq(len(before), 3, "rows to move")
        # Without xa: refused, nothing changes.
        cur.execute("SET shardwire_transaction_mode = 'best_effort'")
        expect_error(1235, cur.execute, "UPDATE account SET user_id = %s WHERE user_id = %s", (dst, src), text="xa")
        # In autocommit under xa: the statement is its own XA transaction.
        cur.execute("SET shardwire_transaction_mode = 'xa'")
        cur.execute("UPDATE account SET user_id = %s, balance = balance + 1 WHERE user_id = %s", (dst, src))
        check_eq(cur.rowcount, 3, "affected rows as MySQL reports them")
        check_eq(account_rows(src), [], "gone from the source node")
        moved = account_rows(dst)
        check_eq(len(moved), 3, "on the target node")
        for b, a in zip(before, moved):
            check_eq(a[0], b[0], "same key")
            check_eq(a[2], b[2] + 1, "SET expressions evaluated by the server")
            check_eq(a[3:], b[3:], "every other column byte for byte (latin1, binary, datetime(6), bit, json, virtual)")
        # Inside an explicit transaction: moved, then rolled back with it.
        cur.execute("BEGIN")
        cur.execute("UPDATE account SET user_id = %s WHERE user_id = %s", (near, dst))
        cur.execute("SELECT COUNT(*) FROM account WHERE user_id = %s", (near,))
        check_eq(cur.fetchone()[0], 3, "visible in the transaction")
        cur.execute("ROLLBACK")
        check_eq(len(account_rows(dst)), 3, "rolled back: still on the target")
        check_eq(account_rows(near), [], "nothing on the other node")
        cur.execute("BEGIN")
        cur.execute("UPDATE account SET user_id = %s WHERE user_id = %s AND balance >= 2", (near, dst))
        check_eq(cur.rowcount, 2, "two rows match")
        cur.execute("COMMIT")
        check_eq(len(account_rows(near)), 2, "committed: moved within ds0's other table... from ds1")
        check_eq(len(account_rows(dst)), 1, "one left")
        # Gene keys encode their shard: never moved.
        expect_error(1235, cur.execute, "UPDATE order_info SET user_id = 2 WHERE user_id = %s", (USER_DS0,),
                     text="gene")
    no_branches_left()


def test_next_id():
    with proxy.connect(db=LOGICAL) as c, c.cursor() as cur:
        cur.execute(f"SHARDWIRE NEXT ID FOR {LOGICAL}.order_info WITH user_id = 42")
        check_eq(cur.description[0][0], "order_id", "column")
        oid = int(cur.fetchone()[0])
        check_eq(oid % 64, 42, "the id carries user 42's gene")
        cur.execute("SHARDWIRE NEXT ID FOR order_info WITH user_id = 42")
        check(int(cur.fetchone()[0]) > oid, "ids increase")
        for attempt in range(2):  # a retry of the same order hits its primary key
            try:
                cur.execute("INSERT INTO order_info (order_id, user_id, note) VALUES (%s, 42, 'idem')", (oid,))
                check_eq(attempt, 0, "first attempt inserts")
            except pymysql.MySQLError as e:
                check_eq(attempt, 1, "the retry is refused")
                check_mysql_error(e, 1062)
        cur.execute("SELECT COUNT(*) FROM order_info WHERE order_id = %s", (oid,))
        check_eq(cur.fetchone()[0], 1, "one order")
        cur.execute("SHARDWIRE NEXT ID FOR order_item")
        check(int(cur.fetchone()[0]) > 0, "snowflake id")
        expect_error(1210, cur.execute, "SHARDWIRE NEXT ID FOR order_info")
        expect_error(1235, cur.execute, "SHARDWIRE NEXT ID FOR no_such_table")


def main():
    def start():
        global proxy, admin_port
        admin_port = free_port()
        proxy = Proxy("xa", config={"schemas": schemas(),
                                    "admin": {"enabled": True, "listen": f"{HOST}:{admin_port}"}}).start()
        return [proxy]

    main_cases([test_setup, test_mode_variable, test_local_refuses_second_source, test_xa_commits_both_or_neither,
                test_xa_savepoints, test_autocommit_on_commits,
                test_autocommit_off_is_one_xa_transaction, test_client_disconnect_leaves_nothing, test_branch_lost_before_commit_rolls_back_all,
                test_recovery_and_manual_resolution, test_shard_key_update_moves_rows, test_next_id], start)


if __name__ == "__main__":
    main()
