#!/usr/bin/python3
"""Corpus of the multi-shard merge differential test (tests/integration/merge_diff_test.py).

Deterministic (seeded): the same N gives the same data and the same queries, byte for
byte. It provides

  DDL                        CREATE TABLE statements of `orders` and `order_lines`
                             (run through the proxy for the sharded side and directly
                             in the unsharded reference database)
  Corpus(n_orders)           .orders / .lines (rows as Python values),
                             .insert_statements(batch) (multi-row INSERTs, identical
                             text for both sides), .queries (list of Query),
                             .fingerprint (hash of DDL + data)
  COLLATIONS, collation_key  how a string column's values are compared when the
                             representative of a group may legitimately be any member
                             ('Café' vs 'CAFÉ'); verified against MariaDB by the test
  VOCABULARY                 every string value the generator can put in a column
                             compared under a collation

Run standalone to print the queries:  merge_corpus.py [--orders N] [--stats] [--data]

Query fields (see Query): category, name, sql, ordered (compare row sequences exactly:
only set where the ORDER BY is a total order, i.e. ends in a unique tie-breaker or a
unique group key), norm (result column index -> collation, for columns whose value is a
group's representative: GROUP BY / DISTINCT keys and MIN/MAX of strings in a case- or
accent-insensitive or PAD SPACE collation), subset_of (for LIMIT without ORDER BY: the
row set is ambiguous, so only the row count is compared exactly and every row must be
a row of subset_of), refused (errnos the proxy may answer with instead of a result;
kept empty unless a query is documented as outside what the merge supports).
"""
import argparse
import datetime
import hashlib
import random
import re
import sys
import unicodedata
from decimal import Decimal

SEED = 20261122
DEFAULT_ORDERS = 50_000
SHARDS = 64
# Query categories, in corpus order (the test runs one case per category).
CATEGORIES = ("order_by", "limit", "group_by", "aggregate", "having", "distinct", "join", "shard_key", "where",
              "agg_expr", "names", "derived")

DDL = {
    "orders": """CREATE TABLE orders (
  order_id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  merchant_id INT NOT NULL,
  status VARCHAR(16) NOT NULL,
  amount DECIMAL(12,2) NULL,
  discount DOUBLE NULL,
  note VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
  city VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  tag VARCHAR(16) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL,
  code VARBINARY(8) NULL,
  sku VARCHAR(12) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created DATE NOT NULL,
  created_at DATETIME NOT NULL,
  ship_time TIME NULL,
  qty INT NULL,
  flags BIGINT UNSIGNED NOT NULL,
  KEY idx_user (user_id),
  KEY idx_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci""",
    "order_lines": """CREATE TABLE order_lines (
  line_id BIGINT NOT NULL PRIMARY KEY,
  order_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  product VARCHAR(32) NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  KEY idx_user_order (user_id, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci""",
}

ORDER_COLUMNS = ("order_id", "user_id", "merchant_id", "status", "amount", "discount", "note", "city", "tag",
                 "code", "sku", "created", "created_at", "ship_time", "qty", "flags")
LINE_COLUMNS = ("line_id", "order_id", "user_id", "product", "qty", "price")

# --- collations ------------------------------------------------------------------------
# Column -> collation, for string columns (bare, or qualified o./l.). `code` is VARBINARY:
# compared byte for byte, never normalized.
COLUMN_COLLATION = {
    "status": "utf8mb4_general_ci",
    "note": "utf8mb4_general_ci",
    "city": "utf8mb4_unicode_ci",
    "tag": "latin1_swedish_ci",
    "sku": "utf8mb4_bin",
    "product": "utf8mb4_general_ci",
}
COLLATIONS = ("utf8mb4_general_ci", "utf8mb4_unicode_ci", "latin1_swedish_ci", "utf8mb4_bin")
CHARSET_OF = {"utf8mb4_general_ci": "utf8mb4", "utf8mb4_unicode_ci": "utf8mb4",
              "latin1_swedish_ci": "latin1", "utf8mb4_bin": "utf8mb4"}

# latin1_swedish_ci: Å, Ä (= Æ), Ö (= Ø) are letters of their own after Z; Ü sorts as Y;
# other accented letters are their base letter. (Only letters in VOCABULARY matter; the
# test checks the equivalence classes against MariaDB before comparing anything.)
_SWEDISH = {"å": "z\x01", "ä": "z\x02", "æ": "z\x02", "ö": "z\x03", "ø": "z\x03", "ü": "y"}


def _strip_marks(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def collation_key(collation, s):
    """A key equal for two strings exactly when `collation` says they are equal
    (for the characters the corpus uses). All four are PAD SPACE: trailing spaces
    do not count."""
    if s is None:
        return None
    if collation == "utf8mb4_bin":
        return s.rstrip(" ")
    if collation == "utf8mb4_general_ci":
        # one weight per character: accents and case dropped; ß is 's' (not 'ss'); Ø stays Ø
        return "".join("s" if c in "ßẞ" else _strip_marks(c).casefold() for c in s).rstrip(" ")
    if collation == "utf8mb4_unicode_ci":
        # UCA 4.0.0 primary level: accents and case dropped, ß expands to 'ss', Ø stays Ø
        return _strip_marks(s).casefold().rstrip(" ")
    if collation == "latin1_swedish_ci":
        out = []
        for c in s.casefold():
            out.append(_SWEDISH.get(c) or _strip_marks(c))
        return "".join(out).rstrip(" ")
    raise ValueError(f"unknown collation {collation}")


NOTE_WORDS = ["Café", "cafe", "CAFÉ", "café", "Cafe ", "Zoë", "zoe", "ZOE", "émile", "Émile", "EMILE", "Øre", "øre",
              "ore", "straße", "STRASSE", "strasse", "Straße", "apple", "Apple", "APPLE", "banana", "Banana ",
              "Ärger", "arger", "zebra", "Zebra"]
CITY_WORDS = ["Berlin", "berlin", "BERLIN", "München", "Munchen", "MÜNCHEN", "Zürich", "zurich", "Straßburg",
              "Strassburg", "STRASSBURG", "Åre", "Are", "København", "Kobenhavn", "Oslo", "oslo", "Ørsta", "Orsta",
              "Île-de-France", "ile-de-france"]
TAG_WORDS = ["abc", "ABC", "Abc", "åsa", "Åsa", "ÅSA", "asa", "zeta", "Zeta", "ärm", "Ärm", "arm", "öl", "Öl", "ol",
             "über", "yber", "éte", "ete", "Ete", "aa"]
SKU_WORDS = ["a", "A", "a ", "b", "B", "Z", "z", "é", "É", "e", "ä", "a1", "A1", "aa", "Ab"]
PRODUCT_WORDS = ["Widget", "widget", "WIDGET", "Gadget", "gadget", "Gizmo", "Doohickey", "Sprocket", "sprocket ",
                 "Ünit", "unit", "UNIT"]
STATUS_WORDS = ["new", "paid", "shipped", "cancelled", "refunded"]
NOTE_GENERATED = [f"{p} {k}" for p in ("note", "Note", "NOTE") for k in (0, 7, 42, 199)]  # samples of 'note N' forms

VOCABULARY = {
    "utf8mb4_general_ci": sorted(set(NOTE_WORDS + STATUS_WORDS + PRODUCT_WORDS + NOTE_GENERATED + [""])),
    "utf8mb4_unicode_ci": sorted(set(CITY_WORDS)),
    "latin1_swedish_ci": sorted(set(TAG_WORDS)),
    "utf8mb4_bin": sorted(set(SKU_WORDS)),
}

CODE_WORDS = [b"", b"\x00", b"\x00\x01", b"\x01", b"A", b"a", b"AB", b"ab", b"ab\x00", b"\x7f", b"\x80", b"\xff",
              b"\xff\xff", b"\xfe\xff\x00"]
TIME_WORDS = ["00:00:00", "-00:00:01", "-01:30:00", "-838:59:59", "838:59:59", "23:59:59", "24:00:00", "100:00:00",
              "12:34:56", "09:05:00", "-12:00:00"]
AMOUNT_WORDS = ["0.00", "9.99", "10.00", "19.99", "25.50", "99.99", "100.00", "-5.00", "-0.01", "0.01"]
AMOUNT_BIG = ["9999999999.99", "1234567890.12", "-9999999999.99", "5000000000.00"]
FLAG_WORDS = [2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1, 2**64 - 2, 2**62, 0, 1]
SPECIAL_USERS = [-1, -64, -65, 2**40 + 3, 2**63 - 1, 64, 128]


# --- literals --------------------------------------------------------------------------
def sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return "X'" + v.hex().upper() + "'"
    if isinstance(v, datetime.datetime):
        return "'" + v.strftime("%Y-%m-%d %H:%M:%S") + "'"
    if isinstance(v, datetime.date):
        return "'" + v.isoformat() + "'"
    if isinstance(v, str):
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {v!r}")


# --- queries ---------------------------------------------------------------------------
class Query:
    __slots__ = ("category", "name", "sql", "ordered", "norm", "subset_of", "refused", "why")

    def __init__(self, category, sql, ordered, norm=None, subset_of=None, refused=(), why=""):
        self.category = category
        self.name = ""
        self.sql = sql
        self.ordered = ordered
        self.norm = dict(norm or {})
        self.subset_of = subset_of
        self.refused = tuple(refused)
        self.why = why

    def flags(self):
        f = ["ordered" if self.ordered else "multiset"]
        if self.norm:
            f.append("norm=" + ",".join(f"{i}:{c}" for i, c in sorted(self.norm.items())))
        if self.subset_of:
            f.append("subset")
        if self.refused:
            f.append("may-refuse=" + ",".join(map(str, self.refused)))
        return " ".join(f)


_AGG_RE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG)\s*\(", re.I)
_ALIAS_RE = re.compile(r"\s+AS\s+\w+$", re.I)
_STR_COL_RE = re.compile(r"^(?:(?:MIN|MAX|UPPER|LOWER|TRIM)\()?(?:\w+\.)?(\w+)\)?$", re.I)


def split_select_list(sel):
    """Splits a select list on top-level commas."""
    items, depth, cur, quote = [], 0, [], None
    for ch in sel:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    items.append("".join(cur).strip())
    return items


def auto_norm(select_list, grouped):
    """Result columns whose value is a group's representative (a GROUP BY/DISTINCT key in
    a query that groups, or MIN/MAX of a string column), compared under their collation."""
    norm = {}
    for i, item in enumerate(split_select_list(select_list)):
        expr = _ALIAS_RE.sub("", item).strip()
        m = _STR_COL_RE.match(expr)
        if not m or m.group(1).lower() not in COLUMN_COLLATION:
            continue
        is_minmax = expr.upper().startswith(("MIN(", "MAX("))
        if grouped or is_minmax:
            norm[i] = COLUMN_COLLATION[m.group(1).lower()]
    return norm


def select(category, cols, frm="orders", where=None, group=None, having=None, order=None, limit=None,
           distinct=False, ordered=None, subset=False, refused=(), why=""):
    """Builds one Query. `ordered` defaults to True when there is an ORDER BY: callers
    make every ORDER BY they build a total order (unique tie-breaker or unique group
    key) or pass ordered=False."""
    sql = "SELECT " + ("DISTINCT " if distinct else "") + cols + " FROM " + frm
    if where:
        sql += " WHERE " + where
    if group:
        sql += " GROUP BY " + group
    if having:
        sql += " HAVING " + having
    if order:
        sql += " ORDER BY " + order
    if limit is not None:
        sql += " LIMIT " + str(limit)
    grouped = bool(group or distinct or _AGG_RE.search(cols))
    if ordered is None:
        ordered = bool(order)
    subset_of = None
    if subset:
        subset_of = sql[:sql.rindex(" LIMIT ")]
    return Query(category, sql, ordered, auto_norm(cols, grouped), subset_of, refused, why)


# --- data ------------------------------------------------------------------------------
class Corpus:
    def __init__(self, n_orders=DEFAULT_ORDERS, seed=SEED):
        self.n_orders = n_orders
        self.seed = seed
        self.rng = random.Random(seed)
        self._make_data()
        self.queries = []
        self._make_queries()
        seen = {}
        for q in self.queries:
            assert q.category in CATEGORIES, q.category
            n = seen.get(q.category, 0) + 1
            seen[q.category] = n
            q.name = f"{q.category}/{n:03d}"
        h = hashlib.sha256()
        for t in ("orders", "order_lines"):
            h.update(DDL[t].encode())
        for stmt in self.insert_statements(500):
            h.update(stmt.encode())
        self.fingerprint = f"seed={seed} orders={n_orders} sha256={h.hexdigest()[:32]}"

    # -- data --
    def _make_data(self):
        rng = self.rng
        n = self.n_orders
        n_users = max(64, n // 20)
        specials = [u for u in SPECIAL_USERS]
        pool = rng.sample(range(1, 5_000_000), n_users - len(specials))
        users = specials + pool
        # skew: a tenth of the users place most orders
        weights = [12 if i % 10 == 3 else 1 for i in range(len(users))]
        user_of = rng.choices(users, weights=weights, k=n)
        base = datetime.date(2024, 1, 1)
        orders = []
        for i in range(n):
            order_id = 1000 + i
            u = user_of[i]
            merchant = rng.choice(range(1, 38)) if rng.random() < 0.7 else rng.choice((1, 2, 3))
            status = rng.choices(STATUS_WORDS, weights=(10, 40, 30, 12, 8))[0]
            r = rng.random()
            if r < 0.07:
                amount = None
            elif r < 0.40:
                amount = Decimal(rng.choice(AMOUNT_WORDS))
            elif r < 0.998:
                amount = Decimal(rng.randrange(-2000, 200000)) / 100
                amount = amount.quantize(Decimal("0.01"))
            else:
                amount = Decimal(rng.choice(AMOUNT_BIG))
            r = rng.random()
            if r < 0.15:
                discount = None
            elif r < 0.35:
                discount = rng.choice((0.0, 0.5, 0.25, 0.001, 1.1, 2.2))
            else:
                discount = round(rng.uniform(0, 100), rng.choice((1, 2, 4, 6)))
            r = rng.random()
            if r < 0.12:
                note = None
            elif r < 0.15:
                note = ""
            elif r < 0.60:
                note = rng.choice(NOTE_WORDS)
            else:
                note = f"{rng.choice(('note', 'Note', 'NOTE'))} {rng.randrange(200)}"
            city = rng.choice(CITY_WORDS)
            tag = None if rng.random() < 0.08 else rng.choice(TAG_WORDS)
            r = rng.random()
            if r < 0.10:
                code = None
            elif r < 0.60:
                code = rng.choice(CODE_WORDS)
            else:
                code = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5)))
            sku = rng.choice(SKU_WORDS)
            created = base + datetime.timedelta(days=rng.randrange(730))
            created_at = datetime.datetime.combine(created, datetime.time(rng.choice((0, 9, 12, 17, 23)), 0, 0))
            r = rng.random()
            if r < 0.20:
                ship_time = None
            elif r < 0.50:
                ship_time = rng.choice(TIME_WORDS)
            else:
                ship_time = f"{rng.randrange(48):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"
            qty = None if rng.random() < 0.10 else rng.randrange(-20, 301)
            r = rng.random()
            if r < 0.6:
                flags = rng.randrange(1024)
            elif r < 0.8:
                flags = rng.randrange(2**32)
            elif r < 0.9:
                flags = rng.choice(FLAG_WORDS)
            else:
                flags = rng.randrange(2**63, 2**64)
            orders.append((order_id, u, merchant, status, amount, discount, note, city, tag, code, sku, created,
                           created_at, ship_time, qty, flags))
        lines = []
        line_id = 1
        for o in orders:
            for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(5, 15, 30, 30, 20))[0]):
                price = Decimal(rng.choice(("0.00", "1.99", "9.99", "10.00"))) if rng.random() < 0.3 else \
                    (Decimal(rng.randrange(1, 100000)) / 100).quantize(Decimal("0.01"))
                lines.append((line_id, o[0], o[1], rng.choice(PRODUCT_WORDS), rng.randrange(1, 11), price))
                line_id += 1
        self.orders = orders
        self.lines = lines
        self.users = users

    def insert_statements(self, batch=500):
        """Multi-row INSERTs (orders first, then order_lines), `batch` rows each."""
        cache = self.__dict__.setdefault("_inserts", {})
        if batch not in cache:
            cache[batch] = self._insert_statements(batch)
        return cache[batch]

    def _insert_statements(self, batch):
        out = []
        for table, cols, rows in (("orders", ORDER_COLUMNS, self.orders), ("order_lines", LINE_COLUMNS, self.lines)):
            head = f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
            for i in range(0, len(rows), batch):
                out.append(head + ", ".join("(" + ", ".join(sql_literal(v) for v in r) + ")"
                                            for r in rows[i:i + batch]))
        return out

    # -- helpers for parameters --
    def _users_by_orders(self):
        count = {}
        for o in self.orders:
            count[o[1]] = count.get(o[1], 0) + 1
        return sorted(count, key=lambda u: (-count[u], u)), count

    def _quantile(self, values, q):
        values = sorted(v for v in values if v is not None)
        if not values:
            return 0
        return values[min(len(values) - 1, int(q * len(values)))]

    def _group_counts(self, key):
        g = {}
        for o in self.orders:
            k = key(o)
            g[k] = g.get(k, 0) + 1
        return g

    # -- the corpus --
    def _make_queries(self):
        Q = self.queries.append
        n = self.n_orders
        ranked, count = self._users_by_orders()
        heavy_ds0 = [u for u in ranked if u % SHARDS < 32][:3]
        heavy_ds1 = [u for u in ranked if u % SHARDS >= 32][:3]
        single_users = heavy_ds0 + heavy_ds1
        for u in (-64, 2**63 - 1):
            if u in count:
                single_users.append(u)
        by_slot = {}
        for u in ranked:
            by_slot.setdefault(u % SHARDS, []).append(u)
        same_slot = max(by_slot.values(), key=lambda us: (len(us), -us[0] % SHARDS))[:4]
        cross = [heavy_ds0[0], heavy_ds1[0], heavy_ds0[1], heavy_ds1[1], ranked[len(ranked) // 2]]
        in_same = "user_id IN (" + ", ".join(map(str, same_slot)) + ")"
        in_cross = "user_id IN (" + ", ".join(map(str, cross)) + ")"
        merchant_counts = self._group_counts(lambda o: o[2])
        m_hi = self._quantile(merchant_counts.values(), 0.6)
        user_q = self._quantile(count.values(), 0.9)
        amounts = [o[4] for o in self.orders]
        a_lo, a_hi = self._quantile(amounts, 0.3), self._quantile(amounts, 0.6)
        dt_lo = datetime.datetime(2025, 3, 1)
        dt_hi = datetime.datetime(2025, 5, 1)
        near_end = max(0, n - 7)

        # ---------------------------------------------------------------- ORDER BY
        C = "order_by"
        keys = ["amount", "discount", "qty", "flags", "created", "created_at", "ship_time", "note", "city", "tag",
                "code", "sku", "status", "merchant_id", "user_id"]
        for k in keys:
            for d in ("ASC", "DESC"):
                Q(select(C, f"order_id, {k}", order=f"{k} {d}, order_id {d}"))
        multi = [
            "status ASC, amount DESC, order_id",
            "merchant_id DESC, created ASC, qty DESC, order_id DESC",
            "note ASC, city DESC, order_id",
            "tag DESC, sku ASC, code DESC, order_id",
            "created_at DESC, flags ASC, order_id",
            "ship_time, discount DESC, order_id",
            "city, tag, note DESC, order_id DESC",
            "amount IS NULL, amount DESC, order_id",
            "qty DESC, amount, discount DESC, order_id",
            "sku DESC, note, order_id",
        ]
        for o in multi:
            Q(select(C, "order_id, status, amount, note, city, tag, sku, code, qty", where="merchant_id <= 12", order=o))
        exprs = [
            ("amount * 2", "ASC"), ("amount * 2", "DESC"), ("-qty", "ASC"), ("discount + qty", "DESC"),
            ("COALESCE(amount, 0)", "ASC"), ("CHAR_LENGTH(note)", "DESC"), ("UPPER(note)", "ASC"),
            ("DATE(created_at)", "DESC"), ("ABS(qty)", "ASC"), ("flags % 1000", "DESC"),
            ("CONCAT(status, '-', merchant_id)", "ASC"), ("MONTH(created)", "ASC"),
            ("amount / 3", "DESC"), ("qty IS NULL", "DESC"),
        ]
        for e, d in exprs:
            Q(select(C, f"order_id, {e}", where="order_id % 5 = 0", order=f"{e} {d}, order_id"))
        for e, d in exprs[:7]:  # the expression only in ORDER BY
            Q(select(C, "order_id, amount, qty", where="order_id % 5 = 1", order=f"{e} {d}, order_id DESC"))
        # positions
        Q(select(C, "order_id, amount", order="2, 1"))
        Q(select(C, "order_id, amount, qty", where="qty > 100", order="2 DESC, 1"))
        Q(select(C, "note, order_id", where="note IS NOT NULL", order="1, 2 DESC"))
        Q(select(C, "created_at, qty, order_id", where="merchant_id = 7", order="1 DESC, 2, 3"))
        Q(select(C, "amount * 2, order_id", where="order_id % 3 = 0", order="1 DESC, 2"))
        # aliases
        Q(select(C, "amount * 2 AS dbl, order_id", order="dbl DESC, order_id"))
        Q(select(C, "order_id AS id, city AS c", where="merchant_id < 20", order="c, id"))
        Q(select(C, "qty - 10 AS q10, tag AS t, order_id AS id", where="order_id % 4 = 0", order="t DESC, q10, id"))
        Q(select(C, "o.order_id AS oid, o.flags AS f", frm="orders o", order="f DESC, oid"))
        # ORDER BY columns that are not selected
        Q(select(C, "order_id, status", order="created_at, order_id"))
        Q(select(C, "note", where="merchant_id <= 5", order="amount DESC, order_id"))
        Q(select(C, "status, qty", where="order_id % 7 = 0", order="ship_time DESC, order_id DESC"))
        Q(select(C, "city", where="order_id % 7 = 1", order="tag, code, order_id"))
        Q(select(C, "amount", order="flags DESC, order_id"))
        Q(select(C, "user_id", where="order_id % 9 = 0", order="discount, order_id"))
        # qualified names, COLLATE, everything
        Q(select(C, "o.order_id, o.note", frm="orders o", where="o.merchant_id > 30", order="o.note DESC, o.order_id"))
        Q(select(C, "order_id, note", where="merchant_id = 3", order="note COLLATE utf8mb4_bin, order_id"))
        Q(select(C, "order_id, city", where="merchant_id = 4", order="city COLLATE utf8mb4_general_ci DESC, order_id"))
        Q(select(C, "*", order="order_id"))
        Q(select(C, "*", where="order_id % 11 = 0", order="amount DESC, order_id DESC"))
        Q(select(C, "line_id, product, price", frm="order_lines", order="product, price DESC, line_id"))
        Q(select(C, "line_id, qty * price AS total", frm="order_lines", where="line_id % 3 = 0",
                 order="total DESC, line_id"))

        # ---------------------------------------------------------------- LIMIT
        C = "limit"
        for lim in ("0", "1", "10", "500", "0, 10", "10, 10", "1000, 25", f"{near_end}, 20", f"{n + 5000}, 10", "100, 0"):
            Q(select(C, "order_id, amount, status", order="amount DESC, order_id", limit=lim))
        for lim in ("5 OFFSET 0", "5 OFFSET 3", f"10 OFFSET {n}", f"10 OFFSET {max(0, n - 3)}"):
            Q(select(C, "order_id, created_at", order="created_at DESC, order_id", limit=lim))
        for k, d in (("note", "ASC"), ("city", "DESC"), ("tag", "ASC"), ("sku", "DESC"), ("code", "ASC"),
                     ("flags", "DESC"), ("ship_time", "ASC"), ("discount", "DESC"), ("qty", "ASC"),
                     ("created", "DESC")):
            Q(select(C, f"order_id, {k}", order=f"{k} {d}, order_id", limit="20"))
            Q(select(C, f"order_id, {k}", order=f"{k} {d}, order_id", limit="300, 15"))
        Q(select(C, "order_id, amount", where=f"amount > {a_hi}", order="amount, order_id", limit="7"))
        Q(select(C, "order_id", where="status = 'refunded'", order="order_id DESC", limit="3, 4"))
        Q(select(C, "note, order_id", where="note LIKE 'caf%'", order="note, order_id DESC", limit="12"))
        Q(select(C, "order_id, amount", where="amount > 100000000000", order="order_id", limit="5"))
        Q(select(C, "line_id, price", frm="order_lines", order="price DESC, line_id", limit="40"))
        Q(select(C, "amount * 2 AS dbl, order_id", order="dbl, order_id", limit="25, 5"))
        Q(select(C, "order_id", order="qty DESC, order_id", limit="9"))  # sort key not selected
        # no ORDER BY: which rows is unspecified; their number and membership are not
        for lim in ("10", "5, 10", f"{n + 10}, 5", "0"):
            Q(select(C, "order_id, user_id, status", limit=lim, subset=True, ordered=False))
        Q(select(C, "line_id, order_id", frm="order_lines", where="qty > 5", limit="30", subset=True, ordered=False))

        # ---------------------------------------------------------------- GROUP BY
        C = "group_by"
        bundles = [
            "COUNT(*)",
            "COUNT(*), COUNT(amount), COUNT(note), COUNT(qty)",
            "SUM(amount), SUM(qty), SUM(flags)",
            "SUM(discount), AVG(discount)",
            "MIN(amount), MAX(amount), MIN(qty), MAX(qty)",
            "AVG(qty), AVG(amount)",
            "MIN(created_at), MAX(created), MIN(ship_time), MAX(ship_time)",
            "MIN(discount), MAX(discount), MIN(flags), MAX(flags)",
            "COUNT(DISTINCT user_id), COUNT(DISTINCT note)",
            "COUNT(DISTINCT tag), COUNT(DISTINCT city), COUNT(DISTINCT code)",
            "MIN(note), MAX(city), MIN(tag), MAX(sku)",
            "MIN(code), MAX(code)",
        ]
        gkeys = ["status", "merchant_id", "note", "city", "tag", "sku", "code", "created", "qty", "amount",
                 "ship_time", "status, merchant_id", "tag, status"]
        for i, g in enumerate(gkeys):
            for j, b in enumerate(bundles):
                if (i + j) % 3 == 0:  # a spread of key x bundle combinations
                    Q(select(C, f"{g}, {b}", group=g))
            Q(select(C, f"{g}, COUNT(*), SUM(amount), MAX(qty)", group=g, order=g))
            Q(select(C, f"{g}, COUNT(*), AVG(qty)", group=g, order=", ".join(f"{x.strip()} DESC" for x in g.split(","))))
        Q(select(C, "status, " + ", ".join(bundles), group="status", order="status"))
        Q(select(C, "merchant_id, COUNT(*), COUNT(DISTINCT merchant_id, status), COUNT(DISTINCT user_id, tag)",
                 group="merchant_id", order="merchant_id"))
        # expressions, aliases, positions
        Q(select(C, "YEAR(created), COUNT(*), SUM(amount)", group="YEAR(created)"))
        Q(select(C, "YEAR(created) AS y, MONTH(created) AS m, COUNT(*), AVG(discount)", group="y, m", order="y, m"))
        Q(select(C, "merchant_id % 5 AS bucket, COUNT(*), MIN(amount)", group="bucket", order="bucket DESC"))
        Q(select(C, "qty DIV 50, COUNT(*), SUM(qty)", group="qty DIV 50", order="qty DIV 50"))
        Q(select(C, "amount > 100, COUNT(*)", group="amount > 100", order="1"))
        Q(select(C, "UPPER(note), COUNT(*)", group="UPPER(note)", order="UPPER(note)"))
        Q(select(C, "DATE(created_at) AS d, COUNT(*), MAX(amount)", group="d", order="d DESC", limit="40"))
        Q(select(C, "status, COUNT(*)", group="1", order="1"))
        Q(select(C, "merchant_id, status, SUM(qty)", group="1, 2", order="2, 1"))
        Q(select(C, "tag AS t, COUNT(*) AS c", group="t", order="c DESC, t"))
        Q(select(C, "note, COUNT(*) AS c", group="note", order="c DESC, note", limit="10"))
        Q(select(C, "city, SUM(amount) AS s", group="city", order="s DESC, city", limit="3"))
        Q(select(C, "merchant_id, AVG(amount) AS a", group="merchant_id", order="a, merchant_id", limit="5, 5"))
        Q(select(C, "code, COUNT(*)", group="code", order="code DESC", limit="8"))
        # group key not selected
        Q(select(C, "COUNT(*), SUM(amount)", group="status"))
        Q(select(C, "COUNT(*)", group="merchant_id", order="merchant_id"))
        Q(select(C, "MAX(amount), MIN(qty)", group="tag", order="tag DESC"))
        Q(select(C, "COUNT(DISTINCT note)", group="city", order="city"))
        Q(select(C, "SUM(qty)", group="created", order="created", limit="30"))
        # per user (every group lives on one shard) and on order_lines
        Q(select(C, "user_id, COUNT(*), SUM(amount)", group="user_id", order="user_id", limit="50"))
        Q(select(C, "user_id, COUNT(*) AS c", group="user_id", order="c DESC, user_id", limit="20"))
        Q(select(C, "user_id, MAX(created_at)", group="user_id"))
        Q(select(C, "product, COUNT(*), SUM(qty), SUM(price), AVG(price)", frm="order_lines", group="product"))
        Q(select(C, "product, MIN(price), MAX(price)", frm="order_lines", group="product", order="product"))
        Q(select(C, "qty, COUNT(DISTINCT product), SUM(qty * price)", frm="order_lines", group="qty", order="qty"))
        # with WHERE; matching nothing
        Q(select(C, "status, COUNT(*), SUM(amount)", where=f"created_at >= '{dt_lo}' AND created_at < '{dt_hi}'",
                 group="status", order="status"))
        Q(select(C, "tag, COUNT(*)", where="note IS NULL", group="tag"))
        Q(select(C, "status, COUNT(*), SUM(amount)", where="amount > 100000000000", group="status"))
        Q(select(C, "status, COUNT(*)", where="order_id < 0", group="status", order="status"))

        # ---------------------------------------------------------------- aggregates, no GROUP BY
        C = "aggregate"
        for b in bundles:
            Q(select(C, b))
        Q(select(C, "COUNT(*)", frm="order_lines"))
        Q(select(C, "SUM(qty * price), AVG(price), MIN(product), MAX(product), COUNT(DISTINCT product)",
                 frm="order_lines"))
        Q(select(C, "COUNT(*), SUM(amount), AVG(amount), MIN(note), MAX(qty)", where="status = 'paid'"))
        Q(select(C, "COUNT(*), SUM(discount), MAX(created_at)", where=f"amount BETWEEN {a_lo} AND {a_hi}"))
        Q(select(C, "COUNT(*), COUNT(amount), SUM(amount), MIN(amount), MAX(amount), AVG(qty), AVG(discount)",
                 where="amount > 100000000000"))
        Q(select(C, "COUNT(*), SUM(flags), COUNT(DISTINCT note), MIN(tag)", where="order_id < 0"))
        Q(select(C, "COUNT(*)", where="order_id < 0"))
        Q(select(C, "MIN(sku), MAX(sku), MIN(tag), MAX(tag), MIN(city), MAX(note)"))
        Q(select(C, "COUNT(DISTINCT status, merchant_id), COUNT(DISTINCT amount), COUNT(DISTINCT discount)"))
        Q(select(C, "COUNT(DISTINCT sku), COUNT(DISTINCT ship_time), COUNT(DISTINCT created_at)"))
        Q(select(C, "SUM(amount), COUNT(*)", where="note IS NULL"))
        Q(select(C, "COUNT(note), COUNT(tag), COUNT(code), COUNT(ship_time), COUNT(discount)"))

        # ---------------------------------------------------------------- HAVING
        C = "having"
        Q(select(C, "merchant_id, COUNT(*)", group="merchant_id", having=f"COUNT(*) > {m_hi}"))
        Q(select(C, "merchant_id, COUNT(*)", group="merchant_id", having=f"COUNT(*) > {m_hi}", order="merchant_id"))
        Q(select(C, "merchant_id, SUM(amount) AS s", group="merchant_id", having=f"s > {self._merchant_sum_q(0.5)}",
                 order="s DESC, merchant_id"))
        Q(select(C, "status", group="status", having="AVG(qty) > 140"))
        Q(select(C, "status", group="status", having="AVG(qty) > 140 OR MIN(amount) < -1000", order="status"))
        Q(select(C, "merchant_id", group="merchant_id", having=f"MAX(qty) = 300 AND COUNT(*) < {m_hi}"))
        Q(select(C, "merchant_id, COUNT(*) AS c, AVG(amount) AS a", group="merchant_id",
                 having=f"c > {m_hi} AND a > 0 OR merchant_id = 1", order="merchant_id"))
        Q(select(C, "status, COUNT(*)", group="status", having="status <> 'new'", order="status"))
        Q(select(C, "note, COUNT(*)", group="note", having="COUNT(*) > 10", order="note"))
        Q(select(C, "city, COUNT(DISTINCT tag) AS t", group="city", having="t >= 5", order="city DESC"))
        Q(select(C, "tag, SUM(flags)", group="tag", having="SUM(flags) > 0 AND tag IS NOT NULL"))
        Q(select(C, "user_id, COUNT(*)", group="user_id", having=f"COUNT(*) >= {user_q}", order="user_id"))
        Q(select(C, "user_id, SUM(amount) AS s", group="user_id", having="s > 200000", order="s DESC, user_id",
                 limit="10"))
        Q(select(C, "merchant_id, COUNT(*) AS c", group="merchant_id", having="c > 0", order="c DESC, merchant_id",
                 limit="5"))
        Q(select(C, "created, COUNT(*)", group="created", having="MAX(amount) > 1000000000", order="created"))
        Q(select(C, "qty, COUNT(*)", group="qty", having="COUNT(DISTINCT status) = 5 AND qty < 0", order="qty"))
        Q(select(C, "sku, MIN(amount)", group="sku", having="MIN(amount) < 0", order="sku"))
        Q(select(C, "status, MAX(discount) AS md", group="status", having="md > 99.9"))
        Q(select(C, "product, SUM(qty) AS q", frm="order_lines", group="product", having="q > 100", order="q DESC, product"))
        Q(select(C, "merchant_id, COUNT(*)", group="merchant_id", having="COUNT(*) > 1000000000"))
        Q(select(C, "COUNT(*)", group="status", having="SUM(amount) > 0"))
        Q(select(C, "status, ROUND(AVG(amount), 2) AS a", group="status", having="a IS NOT NULL", order="a, status"))
        Q(select(C, "YEAR(created) AS y, COUNT(*)", group="y", having="y = 2025"))
        Q(select(C, "merchant_id, MIN(created_at)", group="merchant_id", having="MIN(created_at) < '2024-01-02'",
                 order="merchant_id"))
        Q(select(C, "tag, COUNT(*) AS c", group="tag", having="c BETWEEN 100 AND 1000000 OR tag IS NULL",
                 order="tag"))

        # ---------------------------------------------------------------- DISTINCT
        C = "distinct"
        for cols in ("status", "note", "city", "tag", "sku", "code", "qty", "amount", "created", "ship_time",
                     "status, merchant_id", "note, tag", "YEAR(created), status", "flags % 3, status"):
            Q(select(C, cols, distinct=True))
            if cols in ("note", "city", "tag", "sku", "code", "qty", "status, merchant_id", "note, tag", "ship_time"):
                Q(select(C, cols, distinct=True, order=cols))
        Q(select(C, "note", distinct=True, order="note DESC", limit="5"))
        Q(select(C, "city", distinct=True, order="city", limit="3, 4"))
        Q(select(C, "status, merchant_id", distinct=True, order="merchant_id DESC, status", limit="10"))
        Q(select(C, "tag, sku", distinct=True, order="tag, sku DESC", limit="20"))
        Q(select(C, "amount", distinct=True, where="amount > 1000", order="amount DESC", limit="15"))
        Q(select(C, "user_id", distinct=True, where="status = 'refunded'"))
        Q(select(C, "user_id", distinct=True, order="user_id", limit="25"))
        Q(select(C, "product", frm="order_lines", distinct=True))
        Q(select(C, "product, qty", frm="order_lines", distinct=True, order="product, qty", limit="30"))
        Q(select(C, "COUNT(*)", distinct=True, group="merchant_id"))
        Q(select(C, "note", distinct=True, where="order_id < 0"))

        # ---------------------------------------------------------------- joins (binding group)
        C = "join"
        J = "orders o JOIN order_lines l ON o.user_id = l.user_id AND o.order_id = l.order_id"
        LJ = "orders o LEFT JOIN order_lines l ON o.user_id = l.user_id AND o.order_id = l.order_id"
        Q(select(C, "o.order_id, l.line_id, l.product, l.price", frm=J, where="o.merchant_id = 5"))
        Q(select(C, "o.status, COUNT(*), SUM(l.qty * l.price), AVG(l.price)", frm=J, group="o.status"))
        Q(select(C, "o.status, COUNT(*), SUM(l.qty * l.price), AVG(l.price)", frm=J, group="o.status",
                 order="o.status"))
        Q(select(C, "l.product, COUNT(*), MIN(o.created), MAX(o.amount)", frm=J, group="l.product"))
        Q(select(C, "l.product, COUNT(DISTINCT o.user_id)", frm=J, group="l.product", order="l.product DESC"))
        Q(select(C, "o.merchant_id, COUNT(DISTINCT l.product) AS p, SUM(l.qty)", frm=J, group="o.merchant_id",
                 order="o.merchant_id"))
        Q(select(C, "o.order_id, l.line_id, l.price", frm=J, order="l.price DESC, l.line_id", limit="50"))
        Q(select(C, "o.order_id, l.line_id, o.note", frm=J, where="o.tag = 'åsa'", order="o.note, l.line_id"))
        Q(select(C, "o.order_id, COUNT(l.line_id) AS n", frm=LJ, group="o.order_id", having="n = 0",
                 order="o.order_id"))
        Q(select(C, "COUNT(*), COUNT(l.line_id), SUM(l.price)", frm=LJ))
        Q(select(C, "o.city, SUM(l.qty) AS q", frm=J, group="o.city", having="q > 1000", order="q DESC, o.city"))
        Q(select(C, "o.user_id, SUM(l.qty * l.price) AS t", frm=J, group="o.user_id", order="t DESC, o.user_id",
                 limit="10"))
        Q(select(C, "o.tag, l.product", frm=J, distinct=True, order="o.tag, l.product", limit="25"))
        Q(select(C, "o.tag, l.product", frm=J, distinct=True))
        Q(select(C, "COUNT(*), SUM(l.price), MIN(l.price), MAX(o.flags)", frm=J))
        Q(select(C, "o.order_id, o.amount, l.line_id", frm=J, where=f"o.amount BETWEEN {a_lo} AND {a_hi}",
                 order="o.amount DESC, l.line_id", limit="100, 20"))
        Q(select(C, "YEAR(o.created) AS y, l.qty, COUNT(*)", frm=J, group="y, l.qty", order="y, l.qty"))
        Q(select(C, "o.status, l.product, COUNT(*) AS c", frm=J, group="o.status, l.product",
                 order="c DESC, o.status, l.product", limit="7"))
        Q(select(C, "o.order_id, l.line_id", frm=J, order="o.created_at DESC, l.line_id", limit="30"))
        Q(select(C, "l.line_id, o.city", frm=J, where="l.price = 0", order="o.city, l.line_id DESC"))
        Q(select(C, "o.merchant_id, COUNT(*)", frm=J, where="o.note IS NULL AND l.qty > 8", group="o.merchant_id"))
        Q(select(C, "o.order_id, o.status, l.product", frm=J, where="o.order_id % 50 = 0"))

        # ---------------------------------------------------------------- sharding key in WHERE
        C = "shard_key"
        for u in single_users:
            w = f"user_id = {u}"
            Q(select(C, "order_id, amount, note", where=w, order="amount DESC, order_id", limit="5"))
            Q(select(C, "status, COUNT(*), SUM(amount), AVG(qty), MIN(note), MAX(discount)", where=w, group="status",
                     order="status"))
            Q(select(C, "COUNT(*), COUNT(DISTINCT note), SUM(flags), MAX(ship_time)", where=w))
        for u in single_users[:4]:
            w = f"user_id = {u}"
            Q(select(C, "*", where=w, order="created_at, order_id"))
            Q(select(C, "tag", where=w, distinct=True, order="tag"))
            Q(select(C, "merchant_id, COUNT(*) AS c", where=w, group="merchant_id", having="c >= 2",
                     order="c DESC, merchant_id"))
            Q(select(C, "o.order_id, l.line_id, l.product, l.price", frm=J, where=f"o.user_id = {u}",
                     order="l.line_id"))
            Q(select(C, "l.product, SUM(l.qty)", frm=J, where=f"o.user_id = {u}", group="l.product"))
        for w in (in_same, in_cross, f"user_id BETWEEN {cross[0]} AND {cross[0] + 9}"):
            Q(select(C, "order_id, user_id, amount", where=w))
            Q(select(C, "order_id, user_id, amount", where=w, order="amount, order_id"))
            Q(select(C, "order_id, user_id, created_at", where=w, order="created_at DESC, order_id", limit="3, 10"))
            Q(select(C, "user_id, COUNT(*), SUM(amount), MAX(note)", where=w, group="user_id", order="user_id"))
            Q(select(C, "status, COUNT(*), AVG(amount)", where=w, group="status"))
            Q(select(C, "COUNT(*), SUM(qty), MIN(created), COUNT(DISTINCT city)", where=w))
            Q(select(C, "city", where=w, distinct=True, order="city"))
            Q(select(C, "status, COUNT(*) AS c", where=w, group="status", having="c > 1", order="c DESC, status"))
        Q(select(C, "COUNT(*), SUM(amount)", where="user_id = -999999"))
        Q(select(C, "order_id", where="user_id = -999999", order="order_id", limit="5"))
        Q(select(C, "status, COUNT(*)", where="user_id = -999999", group="status"))
        Q(select(C, "order_id, user_id", where=f"user_id = '{single_users[0]}'", order="order_id"))
        Q(select(C, "user_id, COUNT(*)", where=f"user_id IN ({single_users[0]}, -999999)", group="user_id"))

        # ---------------------------------------------------------------- WHERE without the key
        C = "where"
        filters = [
            f"amount BETWEEN {a_lo} AND {a_hi}",
            f"created_at >= '{dt_lo}' AND created_at < '{dt_hi}'",
            "status = 'paid' AND merchant_id = 9",
            "note LIKE 'caf%'",
            "note IS NULL",
            "amount IS NULL AND qty IS NOT NULL",
            "qty < 0",
            "tag = 'åsa'",
            "city = 'munchen'",
            "code = X'00'",
            "flags > 9223372036854775807",
            "ship_time < '00:00:00'",
            "discount > 99.5",
            "sku = 'a'",
            "note = 'cafe'",
            "city IN ('Strassburg', 'Åre')",
            "note = ''",
        ]
        for f in filters:
            Q(select(C, "order_id, user_id, amount, note, tag", where=f))
        for f in filters[:10]:
            Q(select(C, "order_id, amount, created_at", where=f, order="created_at, order_id"))
        for f in filters[10:]:
            Q(select(C, "COUNT(*), SUM(amount), MIN(created_at)", where=f))

        # ---------------------------------------------------------------- expressions over aggregates
        C = "agg_expr"
        exprs = ["SUM(amount) / COUNT(*)", "MAX(qty) - MIN(qty)", "ROUND(AVG(amount), 2)", "SUM(qty) * 2",
                 "COUNT(*) + 1", "MAX(amount) - MIN(amount)", "SUM(amount) / SUM(qty)", "AVG(qty) * COUNT(*)",
                 "COALESCE(SUM(amount), 0)", "CASE WHEN COUNT(*) > 1000 THEN 'big' ELSE 'small' END",
                 "SUM(CASE WHEN status = 'paid' THEN 1 ELSE 0 END)", "SUM(discount) / COUNT(discount)",
                 "ROUND(SUM(discount), 3)", "MAX(created_at) - INTERVAL 1 DAY", "COUNT(DISTINCT note) * 10",
                 "100 * COUNT(amount) / COUNT(*)"]
        for e in exprs:
            if "INTERVAL" in e:  # date arithmetic over a merged aggregate: documented refusal
                Q(select(C, e, refused=(1235,), why="INTERVAL arithmetic over aggregates across shards is refused"))
            else:
                Q(select(C, e))
        for e in exprs[:10]:
            Q(select(C, f"status, {e}", group="status", order="status"))
        Q(select(C, "merchant_id, SUM(amount) / COUNT(*) AS avg_amt", group="merchant_id",
                 order="avg_amt DESC, merchant_id", limit="5"))
        Q(select(C, "tag, MAX(qty) - MIN(qty) AS spread", group="tag", having="spread > 300", order="tag"))
        Q(select(C, "SUM(amount) / COUNT(*), ROUND(AVG(amount), 2)", where="amount > 100000000000"))

        # ---------------------------------------------------------------- derived tables and CTEs
        # Plain row filters run node by node (exact) and merge like any query; ones that
        # would need the whole table (LIMIT/GROUP BY/aggregates inside) are refused.
        C = "derived"
        D = "(SELECT order_id, user_id, status, amount, note FROM orders WHERE amount > 500) AS d"
        Q(select(C, "COUNT(*), SUM(amount), COUNT(DISTINCT status)", frm=D))
        Q(select(C, "status, COUNT(*), MAX(note)", frm=D, group="status", order="status"))
        Q(select(C, "order_id, amount", frm=D, order="amount DESC, order_id", limit="5, 7"))
        Q(select(C, "d.status, COUNT(*)", frm=D.replace("orders", "orders o JOIN order_lines l ON o.user_id = l.user_id "
                                                        "AND o.order_id = l.order_id").replace("order_id,", "o.order_id,")
                 .replace("user_id,", "o.user_id,"), group="d.status", order="d.status"))
        for cols, group, order, limit in (("COUNT(*), AVG(amount)", None, None, None),
                                          ("note, COUNT(*)", "note", "note, COUNT(*)", None),
                                          ("order_id", None, "amount DESC, order_id", "3, 4")):
            q = select(C, cols, frm="t", group=group, order=order, limit=limit)
            q.sql = "WITH t AS (SELECT order_id, amount, note FROM orders WHERE qty > 10) " + q.sql
            Q(q)
        Q(select(C, "COUNT(*)", frm="(SELECT order_id FROM orders ORDER BY order_id LIMIT 5) AS d", refused=(1235,),
                 why="a derived table with LIMIT would be computed per node"))
        Q(select(C, "COUNT(*)", frm="(SELECT status, COUNT(*) AS n FROM orders GROUP BY status) AS d", refused=(1235,),
                 why="a derived table with GROUP BY would be computed per node"))

        # ---------------------------------------------------------------- column names as written
        C = "names"
        u = single_users[0]
        Q(select(C, "count(*), sum(amount)/count(*), Max( qty )", where=f"user_id = {u}"))
        Q(select(C, "amount*2, qty+1", where=f"user_id = {u}", order="order_id"))
        Q(select(C, "count(*), sum(amount)/count(*), Max( qty )"))
        Q(select(C, "status, count(*), avg(qty)", group="status", order="status"))
        Q(select(C, "order_id, amount*2", order="amount*2 DESC, order_id", limit="5"))
        Q(select(C, "`status`, COUNT(  *  )", group="`status`", order="`status`"))

    def _merchant_sum_q(self, q):
        s = {}
        for o in self.orders:
            if o[4] is not None:
                s[o[2]] = s.get(o[2], 0) + o[4]
        return self._quantile(s.values(), q)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=DEFAULT_ORDERS)
    ap.add_argument("--stats", action="store_true", help="only the per-category counts")
    ap.add_argument("--data", action="store_true", help="print the INSERT statements instead")
    args = ap.parse_args(argv)
    c = Corpus(args.orders)
    if args.data:
        for t in ("orders", "order_lines"):
            print(DDL[t] + ";")
        for s in c.insert_statements():
            print(s + ";")
        return 0
    cats = {}
    for q in c.queries:
        cats[q.category] = cats.get(q.category, 0) + 1
        if not args.stats:
            print(f"-- {q.name} [{q.flags()}]")
            print(q.sql + ";")
    print(f"-- {len(c.queries)} queries: " + ", ".join(f"{k} {v}" for k, v in cats.items()) +
          f"; {len(c.orders)} orders, {len(c.lines)} order_lines, {len({o[1] for o in c.orders})} users; "
          f"{c.fingerprint}", file=sys.stderr if not args.stats else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
