"""The client scenario (clientlib's docstring) for Python DB-API drivers (PyMySQL,
MySQLdb): parameters bound client-side (%s), cursor.lastrowid as the insert id."""
import datetime
from decimal import Decimal

from clientlib import CREATED_AT, SEED_SLOTS, USER_BASE, oid, seed_rows
from harness import check, check_eq

COLS = "order_id, user_id, merchant_id, status, amount, region_id, created_at"
INSERT = f"INSERT INTO order_info ({COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"


class Scenario:
    """connect(autocommit=...) -> a DB-API connection to the test's logical database."""

    def __init__(self, connect, base=USER_BASE):
        self.connect = connect
        self.U = base
        self.conn = None

    def c(self):
        if self.conn is None:
            self.conn = self.connect(autocommit=True)
        return self.conn

    @staticmethod
    def q(conn, sql, args=None):
        cur = conn.cursor()
        try:
            cur.execute(sql, args)
            return [tuple(r) for r in cur.fetchall()] if cur.description else cur.rowcount
        finally:
            cur.close()

    def ids(self, conn, *slots):
        return self.q(conn, "SELECT user_id - %s, status, CAST(amount AS CHAR) FROM order_info WHERE user_id IN ("
                      + ", ".join(["%s"] * len(slots)) + ") ORDER BY user_id", (self.U, *[self.U + s for s in slots]))

    # --- the scenario -------------------------------------------------------------
    def step_seed(self):
        cur = self.c().cursor()
        rows = [(o, u, m, st, Decimal(a), r, ca) for (o, u, m, st, a, r, ca) in seed_rows(self.U)]
        cur.execute(INSERT, rows[0])
        check_eq(cur.rowcount, 1, "rowcount of one INSERT")
        cur.executemany(INSERT, rows[1:])  # both drivers rewrite this as one multi-row INSERT
        check_eq(cur.rowcount, 7, "rowcount of executemany over 4 shards / 2 data sources")
        cur.close()

    def step_multi_shard_read(self):
        top = self.q(self.c(), "SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3")
        check_eq(top, [(oid(63, 2), self.U + 63, Decimal("63.20")), (oid(63, 1), self.U + 63, Decimal("63.10")),
                       (oid(40, 2), self.U + 40, Decimal("40.20"))], "ORDER BY amount DESC LIMIT 3 over all shards")
        check_eq(self.q(self.c(), "SELECT COUNT(*), SUM(amount) FROM order_info"), [(8, Decimal("243.20"))],
                 "COUNT(*), SUM(amount) over all shards")
        users = self.q(self.c(), "SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN %s AND %s "
                                 "ORDER BY user_id DESC", (self.U, self.U + 63))
        check_eq(users, [(self.U + s,) for s in sorted(SEED_SLOTS, reverse=True)], "DISTINCT user_id, BETWEEN")

    def step_read_by_user(self):
        rows = self.q(self.c(), f"SELECT {COLS} FROM order_info WHERE user_id = %s ORDER BY order_id", (self.U + 40,))
        created = datetime.datetime.fromisoformat(CREATED_AT)
        check_eq(rows, [(oid(40, 1), self.U + 40, 1, "new", Decimal("40.10"), 1, created),
                        (oid(40, 2), self.U + 40, 1, "new", Decimal("40.20"), None, created)], "user U+40's orders")

    def step_read_by_order(self):
        rows = self.q(self.c(), "SELECT user_id, status, amount FROM order_info WHERE order_id = %s", (oid(17, 1),))
        check_eq(rows, [(self.U + 17, "new", Decimal("17.10"))], "order oid(17, 1)")

    def step_generated_key(self):
        cur = self.c().cursor()
        cur.execute("INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) "
                    "VALUES (%s, %s, %s, %s, %s)", (self.U + 5, 1, "gen", Decimal("5.00"), CREATED_AT))
        key = cur.lastrowid
        cur.close()
        check(isinstance(key, int) and key > 0, f"generated key as cursor.lastrowid: {key!r}")
        check_eq(key % 64, 5, f"generated key {key} carries user U+5's gene")
        check_eq(self.q(self.c(), "SELECT user_id, status FROM order_info WHERE order_id = %s", (key,)),
                 [(self.U + 5, "gen")], "the generated row by its key")

    def step_update(self):
        check_eq(self.q(self.c(), "UPDATE order_info SET status = %s, amount = amount + 100 WHERE order_id = %s",
                        ("paid", oid(1, 1))), 1, "rows updated by order_id")
        check_eq(self.q(self.c(), "UPDATE order_info SET status = %s WHERE user_id = %s", ("shipped", self.U + 17)), 2,
                 "rows updated by user_id")
        check_eq(sorted(self.ids(self.c(), 1, 17)), [(1, "new", "1.20"), (1, "paid", "101.10"),
                                                     (17, "shipped", "17.10"), (17, "shipped", "17.20")], "updated")

    def step_delete(self):
        check_eq(self.q(self.c(), "DELETE FROM order_info WHERE order_id = %s", (oid(63, 2),)), 1, "rows deleted")
        check_eq(self.ids(self.c(), 63), [(63, "new", "63.10")], "user U+63 after the DELETE")

    def _tx(self, slots, commit):
        conn = self.c()
        conn.begin()
        try:
            for s in slots:
                check_eq(self.q(conn, INSERT, (oid(s, 1), self.U + s, 1, "txi", Decimal(f"{s}.00"), None, CREATED_AT)),
                         1, f"INSERT for U+{s} in the transaction")
            check_eq(sorted(self.ids(conn, *slots)), [(s, "txi", f"{s}.00") for s in slots], "own writes, in the tx")
            check_eq(self.q(conn, "UPDATE order_info SET status = 'tx' WHERE user_id IN (" +
                            ", ".join(["%s"] * len(slots)) + ")", [self.U + s for s in slots]), len(slots), "UPDATE")
        except BaseException:
            conn.rollback()
            raise
        conn.commit() if commit else conn.rollback()
        other = self.connect(autocommit=True)
        try:
            expected = [(s, "tx", f"{s}.00") for s in slots] if commit else []
            check_eq(sorted(self.ids(conn, *slots)), expected, "after " + ("COMMIT" if commit else "ROLLBACK"))
            check_eq(sorted(self.ids(other, *slots)), expected, "seen from another session")
        finally:
            other.close()

    def step_tx_commit(self):
        self._tx([9], True)

    def step_tx_rollback(self):
        self._tx([10], False)

    def step_tx_commit_cross(self):
        self._tx([11, 52], True)

    def step_tx_rollback_cross(self):
        self._tx([12, 53], False)

    def step_autocommit_off(self):
        """The DB-API default (autocommit off, conn.commit()), writing on both data sources;
        the rows are deleted again (users U+20 / U+44 are not in the final state)."""
        conn = self.connect(autocommit=False)
        try:
            for s in (20, 44):
                check_eq(self.q(conn, INSERT, (oid(s, 1), self.U + s, 1, "ac", Decimal("1.00"), None, CREATED_AT)), 1,
                         f"INSERT U+{s}")
            conn.commit()
            other = self.connect(autocommit=True)
            check_eq(sorted(self.ids(other, 20, 44)), [(20, "ac", "1.00"), (44, "ac", "1.00")], "committed")
            check_eq(self.q(conn, "DELETE FROM order_info WHERE user_id IN (%s, %s)", (self.U + 20, self.U + 44)), 2,
                     "DELETE")
            conn.commit()
            check_eq(self.ids(other, 20, 44), [], "deleted and committed")
            other.close()
        finally:
            conn.close()

    def steps(self):
        return [self.step_seed, self.step_multi_shard_read, self.step_read_by_user, self.step_read_by_order,
                self.step_generated_key, self.step_update, self.step_delete, self.step_tx_commit,
                self.step_tx_rollback, self.step_tx_commit_cross, self.step_tx_rollback_cross,
                self.step_autocommit_off]
