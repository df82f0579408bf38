/* libmariadb's prepared-statement API (mysql_stmt_*: COM_STMT_PREPARE / EXECUTE / FETCH,
 * binary rows) through the proxy on the sharded demo layout: the client scenario of
 * clientlib.py with every statement prepared, plus statement reuse across shards, NULL
 * parameters, typed result binding, LIMIT ?, and mysql_stmt_send_long_data into a sharded
 * table. Run by run_client.py (SW_PROXY_HOST/PORT, SW_DB, SW_USER_BASE); the layout has
 * an extra sharded table order_note (gene rule like order_info) for the long-data case. */
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *host, *db;
static unsigned int port;
static long long U; /* SW_USER_BASE: user U+s lives in slot s (s < 32 on ds0, else ds1) */

static const char *CREATED_AT = "2026-01-02 03:04:05";
#define COLS "order_id, user_id, merchant_id, status, amount, region_id, created_at"

static long long oid(int slot, int k) { return 64LL * (100000 + 10 * slot + k) + slot; }

static int fail_at(int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  capi_stmt_test.c:%d: ", line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 0;
}

#define CHECK(cond, ...) \
  do {                   \
    if (!(cond)) return fail_at(__LINE__, __VA_ARGS__); \
  } while (0)
#define CHECK_M(m, call) \
  CHECK((call) == 0, "%s: %u (%s) %s", #call, mysql_errno(m), mysql_sqlstate(m), mysql_error(m))
#define CHECK_ST(st, call) \
  CHECK((call) == 0, "%s: %u (%s) %s", #call, mysql_stmt_errno(st), mysql_stmt_sqlstate(st), mysql_stmt_error(st))
#define CHECK_STR(got, expected, what) \
  CHECK(strcmp((got), (expected)) == 0, "%s:\n    expected: %s\n    got:      %s", what, expected, got)

static MYSQL *open_conn(void) {
  MYSQL *m = mysql_init(NULL);
  unsigned int timeout = 10, read_timeout = 60;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  if (!mysql_real_connect(m, host, "app", "app", db, port, NULL, 0)) {
    fprintf(stderr, "  connect failed: %u (%s) %s\n", mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
    mysql_close(m);
    return NULL;
  }
  return m;
}

/* --- parameters --------------------------------------------------------------------- */
#define MAXP 8
typedef struct {
  MYSQL_BIND b[MAXP];
  long long ll[MAXP];
  char str[MAXP][128];
  unsigned long len[MAXP];
  my_bool null[MAXP];
  MYSQL_TIME tm[MAXP];
  int n;
} params;

static MYSQL_BIND *p_next(params *p) {
  MYSQL_BIND *b = &p->b[p->n];
  memset(b, 0, sizeof *b);
  p->null[p->n] = 0;
  b->is_null = &p->null[p->n];
  return b;
}
static void p_ll(params *p, long long v) {
  MYSQL_BIND *b = p_next(p);
  p->ll[p->n] = v;
  b->buffer_type = MYSQL_TYPE_LONGLONG, b->buffer = &p->ll[p->n++];
}
static void p_str(params *p, const char *v) { /* also decimals, as the text "12.30" */
  MYSQL_BIND *b = p_next(p);
  snprintf(p->str[p->n], sizeof p->str[0], "%s", v);
  p->len[p->n] = (unsigned long)strlen(p->str[p->n]);
  b->buffer_type = MYSQL_TYPE_STRING, b->buffer = p->str[p->n], b->length = &p->len[p->n];
  p->n++;
}
static void p_null(params *p) {
  MYSQL_BIND *b = p_next(p);
  p->null[p->n++] = 1;
  b->buffer_type = MYSQL_TYPE_LONG;
}
static void p_datetime(params *p, int y, int mo, int d, int h, int mi, int s) {
  MYSQL_BIND *b = p_next(p);
  MYSQL_TIME *t = &p->tm[p->n];
  memset(t, 0, sizeof *t);
  t->year = y, t->month = mo, t->day = d, t->hour = h, t->minute = mi, t->second = s;
  t->time_type = MYSQL_TIMESTAMP_DATETIME;
  b->buffer_type = MYSQL_TYPE_DATETIME, b->buffer = t;
  p->n++;
}
static void p_long_blob(params *p) { /* value comes through mysql_stmt_send_long_data */
  MYSQL_BIND *b = p_next(p);
  b->buffer_type = MYSQL_TYPE_LONG_BLOB;
  p->n++;
}

static MYSQL_STMT *prepare(MYSQL *m, const char *sql) {
  MYSQL_STMT *st = mysql_stmt_init(m);
  if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
    fprintf(stderr, "  prepare \"%s\": %u (%s) %s\n", sql, mysql_stmt_errno(st), mysql_stmt_sqlstate(st),
            mysql_stmt_error(st));
    mysql_stmt_close(st);
    return NULL;
  }
  return st;
}

/* bind + execute; prints the error and returns non-zero on failure */
static int execute(MYSQL_STMT *st, params *p) {
  if (p && mysql_stmt_bind_param(st, p->b) != 0) {
    fprintf(stderr, "  bind_param: %s\n", mysql_stmt_error(st));
    return 1;
  }
  if (mysql_stmt_execute(st) != 0) {
    fprintf(stderr, "  execute: %u (%s) %s\n", mysql_stmt_errno(st), mysql_stmt_sqlstate(st), mysql_stmt_error(st));
    return 1;
  }
  return 0;
}

/* Every row of the executed statement, columns fetched as strings (the client library
 * converts the binary row), "a|b|c" per row, rows joined by ";", NULL as "NULL". */
static int rows_text(MYSQL_STMT *st, char *out, size_t size) {
  MYSQL_RES *meta = mysql_stmt_result_metadata(st);
  unsigned int n, i;
  MYSQL_BIND b[16];
  char buf[16][256];
  unsigned long len[16];
  my_bool isnull[16], err[16];
  int rc, nrows = 0;
  size_t used = 0;
  out[0] = 0;
  if (!meta) {
    fprintf(stderr, "  no result set: %s\n", mysql_stmt_error(st));
    return -1;
  }
  n = mysql_num_fields(meta);
  mysql_free_result(meta);
  if (n > 16) return -1;
  memset(b, 0, sizeof b);
  for (i = 0; i < n; ++i) {
    b[i].buffer_type = MYSQL_TYPE_STRING, b[i].buffer = buf[i], b[i].buffer_length = sizeof buf[i];
    b[i].length = &len[i], b[i].is_null = &isnull[i], b[i].error = &err[i];
  }
  if (mysql_stmt_bind_result(st, b) != 0) return -1;
  while ((rc = mysql_stmt_fetch(st)) == 0) {
    used += (size_t)snprintf(out + used, size - used, "%s", nrows++ ? ";" : "");
    for (i = 0; i < n && used < size; ++i)
      used += (size_t)snprintf(out + used, size - used, "%s%.*s", i ? "|" : "", isnull[i] ? 4 : (int)len[i],
                               isnull[i] ? "NULL" : buf[i]);
    if (used >= size) return -1;
  }
  if (rc != MYSQL_NO_DATA) {
    fprintf(stderr, "  fetch: %d %u (%s) %s\n", rc, mysql_stmt_errno(st), mysql_stmt_sqlstate(st), mysql_stmt_error(st));
    return -1;
  }
  return nrows;
}

/* prepare + execute with p + rows_text + close */
static int query_rows(MYSQL *m, const char *sql, params *p, char *out, size_t size) {
  MYSQL_STMT *st = prepare(m, sql);
  int n;
  if (!st) return -1;
  n = execute(st, p) ? -1 : rows_text(st, out, size);
  mysql_stmt_close(st);
  return n;
}

/* Statuses and amounts of users U+a.., "off|status|amount" ordered, through a new PS. */
static int user_rows(MYSQL *m, int a, int b, char *out, size_t size) {
  params p = {0};
  p_ll(&p, U);
  p_ll(&p, U + a);
  p_ll(&p, U + b);
  return query_rows(m, "SELECT user_id - ?, status, amount FROM order_info WHERE user_id IN (?, ?) "
                       "ORDER BY user_id, status, amount", &p, out, size);
}

/* --- the scenario ---------------------------------------------------------------------- */
static const int SEED_SLOTS[] = {1, 17, 40, 63};

static int t_seed(MYSQL *m) {
  /* one statement, executed 8 times: each EXECUTE goes to another shard (4 shards, 2 data
   * sources); region_id is a NULL parameter for k = 2, created_at a MYSQL_TIME */
  MYSQL_STMT *st = prepare(m, "INSERT INTO order_info (" COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)");
  CHECK(st, "prepare INSERT");
  CHECK(mysql_stmt_param_count(st) == 7, "param count %lu", mysql_stmt_param_count(st));
  for (int i = 0; i < 4; ++i) {
    for (int k = 1; k <= 2; ++k) {
      int s = SEED_SLOTS[i];
      char amount[32];
      params p = {0};
      snprintf(amount, sizeof amount, "%d.%d0", s, k);
      p_ll(&p, oid(s, k));
      p_ll(&p, U + s);
      p_ll(&p, 1);
      p_str(&p, "new");
      p_str(&p, amount);
      if (k == 1)
        p_ll(&p, 1);
      else
        p_null(&p);
      p_datetime(&p, 2026, 1, 2, 3, 4, 5);
      CHECK(execute(st, &p) == 0, "INSERT for user U+%d (k=%d)", s, k);
      CHECK(mysql_stmt_affected_rows(st) == 1, "affected rows %llu", (unsigned long long)mysql_stmt_affected_rows(st));
    }
  }
  mysql_stmt_close(st);
  return 1;
}

static int t_reuse_select_across_shards(MYSQL *m) {
  /* one SELECT statement, re-executed with keys of different shards and data sources */
  MYSQL_STMT *st = prepare(m, "SELECT user_id, status, amount, region_id FROM order_info WHERE order_id = ?");
  static const int keys[][2] = {{1, 1}, {40, 2}, {17, 2}, {63, 1}, {40, 1}};
  char got[1024], want[256];
  CHECK(st, "prepare SELECT by order_id");
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
    params p = {0};
    int s = keys[i][0], k = keys[i][1];
    p_ll(&p, oid(s, k));
    CHECK(execute(st, &p) == 0, "execute for oid(%d, %d)", s, k);
    CHECK(rows_text(st, got, sizeof got) == 1, "one row for oid(%d, %d): %s", s, k, got);
    snprintf(want, sizeof want, "%lld|new|%d.%d0|%s", U + s, s, k, k == 1 ? "1" : "NULL");
    CHECK_STR(got, want, "row by order_id");
    mysql_stmt_free_result(st);
  }
  mysql_stmt_close(st);
  return 1;
}

static int t_multi_shard_read(MYSQL *m) {
  char got[2048], want[512];
  MYSQL_STMT *st = prepare(m, "SELECT order_id, user_id, amount FROM order_info ORDER BY amount DESC, order_id LIMIT 3");
  MYSQL_RES *meta;
  CHECK(st, "prepare multi-shard SELECT");
  meta = mysql_stmt_result_metadata(st);
  CHECK(meta && mysql_num_fields(meta) == 3, "3 columns in the prepared statement's metadata (hidden merge columns "
        "stripped): %u", meta ? mysql_num_fields(meta) : 0);
  CHECK(strcmp(mysql_fetch_field_direct(meta, 2)->name, "amount") == 0, "column 3 %s",
        mysql_fetch_field_direct(meta, 2)->name);
  mysql_free_result(meta);
  CHECK(execute(st, NULL) == 0, "execute");
  CHECK(rows_text(st, got, sizeof got) >= 0, "fetch");
  mysql_stmt_close(st);
  snprintf(want, sizeof want, "%lld|%lld|63.20;%lld|%lld|63.10;%lld|%lld|40.20", oid(63, 2), U + 63, oid(63, 1), U + 63,
           oid(40, 2), U + 40);
  CHECK_STR(got, want, "ORDER BY amount DESC LIMIT 3 over all shards");
  CHECK(query_rows(m, "SELECT COUNT(*), SUM(amount) FROM order_info", NULL, got, sizeof got) == 1, "COUNT/SUM");
  CHECK_STR(got, "8|243.20", "COUNT(*), SUM(amount) over all shards");
  {
    params p = {0};
    p_ll(&p, U);
    p_ll(&p, U + 63);
    CHECK(query_rows(m, "SELECT DISTINCT user_id FROM order_info WHERE user_id BETWEEN ? AND ? ORDER BY user_id DESC",
                     &p, got, sizeof got) >= 0, "DISTINCT");
    snprintf(want, sizeof want, "%lld;%lld;%lld;%lld", U + 63, U + 40, U + 17, U + 1);
    CHECK_STR(got, want, "DISTINCT user_id BETWEEN ? AND ?");
  }
  return 1;
}

static int t_limit_param(MYSQL *m) {
  char got[1024], want[256];
  params p = {0};
  p_ll(&p, 1);
  p_ll(&p, 2);
  CHECK(query_rows(m, "SELECT order_id FROM order_info ORDER BY amount DESC, order_id LIMIT ?, ?", &p, got,
                   sizeof got) >= 0, "LIMIT ?, ? over all shards");
  snprintf(want, sizeof want, "%lld;%lld", oid(63, 1), oid(40, 2));
  CHECK_STR(got, want, "ORDER BY ... LIMIT ?, ? (1, 2)");
  return 1;
}

static int t_read_by_user_typed(MYSQL *m) {
  /* typed result binding: BIGINT into long long, DECIMAL into a string, NULL flags, DATETIME */
  MYSQL_STMT *st = prepare(m, "SELECT " COLS " FROM order_info WHERE user_id = ? ORDER BY order_id");
  params p = {0};
  MYSQL_BIND r[7];
  long long order_id, user_id, merchant;
  int region;
  char status[32], amount[32];
  unsigned long status_len, amount_len;
  my_bool region_null, nulls[7];
  MYSQL_TIME created;
  int n = 0;
  CHECK(st, "prepare");
  p_ll(&p, U + 40);
  CHECK(execute(st, &p) == 0, "execute");
  memset(r, 0, sizeof r);
  for (int i = 0; i < 7; ++i) r[i].is_null = &nulls[i];
  r[0].buffer_type = MYSQL_TYPE_LONGLONG, r[0].buffer = &order_id;
  r[1].buffer_type = MYSQL_TYPE_LONGLONG, r[1].buffer = &user_id;
  r[2].buffer_type = MYSQL_TYPE_LONGLONG, r[2].buffer = &merchant;
  r[3].buffer_type = MYSQL_TYPE_STRING, r[3].buffer = status, r[3].buffer_length = sizeof status, r[3].length = &status_len;
  r[4].buffer_type = MYSQL_TYPE_STRING, r[4].buffer = amount, r[4].buffer_length = sizeof amount, r[4].length = &amount_len;
  r[5].buffer_type = MYSQL_TYPE_LONG, r[5].buffer = &region, r[5].is_null = &region_null;
  r[6].buffer_type = MYSQL_TYPE_DATETIME, r[6].buffer = &created;
  CHECK(mysql_stmt_bind_result(st, r) == 0, "bind_result: %s", mysql_stmt_error(st));
  CHECK(mysql_stmt_store_result(st) == 0, "store_result: %s", mysql_stmt_error(st));
  CHECK(mysql_stmt_num_rows(st) == 2, "2 rows, got %llu", (unsigned long long)mysql_stmt_num_rows(st));
  while (mysql_stmt_fetch(st) == 0) {
    int k = ++n;
    char want_amount[16];
    snprintf(want_amount, sizeof want_amount, "40.%d0", k);
    CHECK(order_id == oid(40, k) && user_id == U + 40 && merchant == 1, "row %d keys %lld %lld %lld", k, order_id,
          user_id, merchant);
    CHECK(status_len == 3 && memcmp(status, "new", 3) == 0, "status %.*s", (int)status_len, status);
    CHECK(amount_len == strlen(want_amount) && memcmp(amount, want_amount, amount_len) == 0, "amount %.*s",
          (int)amount_len, amount);
    CHECK(k == 1 ? (!region_null && region == 1) : region_null, "row %d region_id null=%d value=%d", k, region_null,
          region);
    CHECK(created.year == 2026 && created.month == 1 && created.day == 2 && created.hour == 3 && created.minute == 4 &&
          created.second == 5, "created_at %04u-%02u-%02u %02u:%02u:%02u", created.year, created.month, created.day,
          created.hour, created.minute, created.second);
  }
  CHECK(n == 2, "fetched %d rows", n);
  mysql_stmt_close(st);
  return 1;
}

static int t_read_by_order(MYSQL *m) {
  char got[512], want[128];
  params p = {0};
  p_ll(&p, oid(17, 1));
  CHECK(query_rows(m, "SELECT user_id, status, amount FROM order_info WHERE order_id = ?", &p, got, sizeof got) == 1,
        "one row: %s", got);
  snprintf(want, sizeof want, "%lld|new|17.10", U + 17);
  CHECK_STR(got, want, "order oid(17, 1)");
  return 1;
}

static int t_generated_key(MYSQL *m) {
  MYSQL_STMT *st = prepare(m, "INSERT INTO order_info (user_id, merchant_id, status, amount, created_at) "
                              "VALUES (?, ?, ?, ?, ?)");
  params p = {0};
  unsigned long long key;
  char got[512], want[128];
  CHECK(st, "prepare");
  p_ll(&p, U + 5);
  p_ll(&p, 1);
  p_str(&p, "gen");
  p_str(&p, "5.00");
  p_str(&p, CREATED_AT);
  CHECK(execute(st, &p) == 0, "execute");
  key = mysql_stmt_insert_id(st);
  mysql_stmt_close(st);
  CHECK(key > 0 && key % 64 == 5, "mysql_stmt_insert_id() %llu: the generated key with user U+5's gene", key);
  memset(&p, 0, sizeof p);
  p_ll(&p, (long long)key);
  CHECK(query_rows(m, "SELECT user_id, status FROM order_info WHERE order_id = ?", &p, got, sizeof got) == 1,
        "generated row by its key: %s", got);
  snprintf(want, sizeof want, "%lld|gen", U + 5);
  CHECK_STR(got, want, "the generated row");
  return 1;
}

static int t_update(MYSQL *m) {
  MYSQL_STMT *st = prepare(m, "UPDATE order_info SET status = ?, amount = amount + ? WHERE order_id = ?");
  params p = {0};
  char got[512];
  CHECK(st, "prepare");
  p_str(&p, "paid");
  p_ll(&p, 100);
  p_ll(&p, oid(1, 1));
  CHECK(execute(st, &p) == 0, "UPDATE by order_id");
  CHECK(mysql_stmt_affected_rows(st) == 1, "affected %llu", (unsigned long long)mysql_stmt_affected_rows(st));
  mysql_stmt_close(st);
  st = prepare(m, "UPDATE order_info SET status = ? WHERE user_id = ?");
  CHECK(st, "prepare");
  memset(&p, 0, sizeof p);
  p_str(&p, "shipped");
  p_ll(&p, U + 17);
  CHECK(execute(st, &p) == 0, "UPDATE by user_id");
  CHECK(mysql_stmt_affected_rows(st) == 2, "affected %llu", (unsigned long long)mysql_stmt_affected_rows(st));
  mysql_stmt_close(st);
  CHECK(user_rows(m, 1, 17, got, sizeof got) >= 0, "read back");
  CHECK_STR(got, "1|new|1.20;1|paid|101.10;17|shipped|17.10;17|shipped|17.20", "after the UPDATEs");
  return 1;
}

static int t_delete(MYSQL *m) {
  MYSQL_STMT *st = prepare(m, "DELETE FROM order_info WHERE order_id = ?");
  params p = {0};
  char got[512];
  CHECK(st, "prepare");
  p_ll(&p, oid(63, 2));
  CHECK(execute(st, &p) == 0, "DELETE");
  CHECK(mysql_stmt_affected_rows(st) == 1, "affected %llu", (unsigned long long)mysql_stmt_affected_rows(st));
  mysql_stmt_close(st);
  CHECK(user_rows(m, 63, 63, got, sizeof got) >= 0, "read back");
  CHECK_STR(got, "63|new|63.10", "user U+63 after the DELETE");
  return 1;
}

static int tx(MYSQL *m, int a, int b, int commit) {
  /* a == b: one shard; else users on both data sources */
  MYSQL_STMT *ins = prepare(m, "INSERT INTO order_info (" COLS ") VALUES (?, ?, 1, 'txi', ?, NULL, ?)");
  MYSQL_STMT *upd;
  MYSQL *other;
  int slots[2] = {a, b}, n = a == b ? 1 : 2;
  char got[512], want[256] = "";
  CHECK(ins, "prepare INSERT");
  CHECK_M(m, mysql_query(m, "START TRANSACTION"));
  for (int i = 0; i < n; ++i) {
    params p = {0};
    char amount[16];
    snprintf(amount, sizeof amount, "%d.00", slots[i]);
    p_ll(&p, oid(slots[i], 1));
    p_ll(&p, U + slots[i]);
    p_str(&p, amount);
    p_str(&p, CREATED_AT);
    if (execute(ins, &p) != 0) {
      mysql_stmt_close(ins);
      mysql_rollback(m);
      return fail_at(__LINE__, "INSERT for U+%d in the transaction", slots[i]);
    }
  }
  mysql_stmt_close(ins);
  CHECK(user_rows(m, a, b, got, sizeof got) == n, "own rows inside the transaction: %s", got);
  upd = prepare(m, "UPDATE order_info SET status = 'tx' WHERE user_id IN (?, ?)");
  CHECK(upd, "prepare UPDATE");
  {
    params p = {0};
    p_ll(&p, U + a);
    p_ll(&p, U + b);
    CHECK(execute(upd, &p) == 0, "UPDATE in the transaction");
    CHECK(mysql_stmt_affected_rows(upd) == (unsigned long long)n, "affected %llu",
          (unsigned long long)mysql_stmt_affected_rows(upd));
  }
  mysql_stmt_close(upd);
  CHECK_M(m, commit ? mysql_commit(m) : mysql_rollback(m));
  if (commit) {
    if (n == 1)
      snprintf(want, sizeof want, "%d|tx|%d.00", a, a);
    else
      snprintf(want, sizeof want, "%d|tx|%d.00;%d|tx|%d.00", a, a, b, b);
  }
  CHECK(user_rows(m, a, b, got, sizeof got) >= 0, "after %s", commit ? "COMMIT" : "ROLLBACK");
  CHECK_STR(got, want, commit ? "after COMMIT" : "after ROLLBACK");
  CHECK((other = open_conn()) != NULL, "second connection");
  n = user_rows(other, a, b, got, sizeof got);
  mysql_close(other);
  CHECK(n >= 0, "read from another session");
  CHECK_STR(got, want, "seen from another session");
  return 1;
}

static int t_tx_commit(MYSQL *m) { return tx(m, 9, 9, 1); }
static int t_tx_rollback(MYSQL *m) { return tx(m, 10, 10, 0); }
static int t_tx_commit_cross(MYSQL *m) { return tx(m, 11, 52, 1); }
static int t_tx_rollback_cross(MYSQL *m) { return tx(m, 12, 53, 0); }

static int t_long_data(MYSQL *m) {
  /* 192 KiB through COM_STMT_SEND_LONG_DATA into the sharded order_note, the statement
   * re-executed for a user on each data source (long data is sent again per EXECUTE) */
  static const int slots[] = {3, 35};
  char chunk[65536], got[256], want[128];
  MYSQL_STMT *st = prepare(m, "INSERT INTO order_note (order_id, user_id, body) VALUES (?, ?, ?)");
  for (size_t i = 0; i < sizeof chunk; ++i) chunk[i] = "0123456789abcdef"[i % 16];
  CHECK(st, "prepare");
  for (int i = 0; i < 2; ++i) {
    params p = {0};
    p_ll(&p, oid(slots[i], 1));
    p_ll(&p, U + slots[i]);
    p_long_blob(&p);
    CHECK(mysql_stmt_bind_param(st, p.b) == 0, "bind: %s", mysql_stmt_error(st));
    for (int c = 0; c < 3; ++c)
      CHECK(mysql_stmt_send_long_data(st, 2, chunk, sizeof chunk) == 0, "send_long_data: %s", mysql_stmt_error(st));
    CHECK(mysql_stmt_execute(st) == 0, "execute for U+%d: %u (%s) %s", slots[i], mysql_stmt_errno(st),
          mysql_stmt_sqlstate(st), mysql_stmt_error(st));
    CHECK(mysql_stmt_affected_rows(st) == 1, "affected");
  }
  mysql_stmt_close(st);
  for (int i = 0; i < 2; ++i) {
    params p = {0};
    p_ll(&p, U + slots[i]);
    CHECK(query_rows(m, "SELECT order_id, LENGTH(body), body = REPEAT('0123456789abcdef', 12288) FROM order_note "
                        "WHERE user_id = ?", &p, got, sizeof got) == 1, "one note for U+%d: %s", slots[i], got);
    snprintf(want, sizeof want, "%lld|196608|1", oid(slots[i], 1));
    CHECK_STR(got, want, "the long value read back");
  }
  return 1;
}

int main(void) {
  static const struct {
    const char *name;
    int (*fn)(MYSQL *);
  } steps[] = {
      {"seed (one INSERT statement re-executed on 4 shards, NULL and DATETIME params)", t_seed},
      {"reuse_select_across_shards", t_reuse_select_across_shards},
      {"multi_shard_read", t_multi_shard_read},
      {"limit_param", t_limit_param},
      {"read_by_user (typed result binding)", t_read_by_user_typed},
      {"read_by_order", t_read_by_order},
      {"generated_key (mysql_stmt_insert_id)", t_generated_key},
      {"update", t_update},
      {"delete", t_delete},
      {"tx_commit", t_tx_commit},
      {"tx_rollback", t_tx_rollback},
      {"tx_commit_cross", t_tx_commit_cross},
      {"tx_rollback_cross", t_tx_rollback_cross},
      {"long_data (mysql_stmt_send_long_data, sharded table)", t_long_data},
  };
  int failed = 0;
  const char *p = getenv("SW_PROXY_PORT"), *u = getenv("SW_USER_BASE");
  host = getenv("SW_PROXY_HOST") ? getenv("SW_PROXY_HOST") : "127.0.0.1";
  db = getenv("SW_DB");
  if (!p || !u || !db) {
    fprintf(stderr, "SW_PROXY_PORT, SW_DB, SW_USER_BASE not set: run through clients/run_client.py\n");
    return 2;
  }
  port = (unsigned int)atoi(p);
  U = atoll(u);
  printf("libmariadb %s, logical database %s\n", mysql_get_client_info(), db);
  fflush(stdout);
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; ++i) {
    MYSQL *m = open_conn();
    int ok = m && steps[i].fn(m);
    if (m) mysql_close(m);
    printf("%s %s\n", ok ? "PASS" : "FAIL", steps[i].name);
    fflush(stdout);
    fflush(stderr);
    failed += !ok;
  }
  printf("%zu passed, %d failed\n", sizeof steps / sizeof steps[0] - (size_t)failed, failed);
  mysql_library_end();
  return failed ? 1 : 0;
}
