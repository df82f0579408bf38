/* The libmariadb C API through the proxy. Run by `harness.py run -- capi_test`,
 * which exports SW_PROXY_HOST/SW_PROXY_PORT. libmariadb 3.3 never asks for
 * CLIENT_DEPRECATE_EOF, so every result here takes the proxy's EOF-translation path. */
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *host;
static unsigned int port;
static int failed;

#define DB "sw_capi"

static int fail_at(int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  capi_test.c:%d: ", line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 0;
}

/* Inside a test function returning int: report and return 0 (failure). */
#define CHECK(cond, ...) \
  do {                   \
    if (!(cond)) return fail_at(__LINE__, __VA_ARGS__); \
  } while (0)
#define CHECK_OK(m, call) CHECK((call) == 0, "%s: %u (%s) %s", #call, mysql_errno(m), mysql_sqlstate(m), mysql_error(m))

static MYSQL *open_conn(const char *db, unsigned long flags) {
  MYSQL *m = mysql_init(NULL);
  unsigned int timeout = 10, read_timeout = 60;
  unsigned long max_packet = 64UL << 20;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
  if (!mysql_real_connect(m, host, "app", "app", db, port, NULL, flags)) {
    fprintf(stderr, "  connect failed: %u (%s) %s\n", mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
    mysql_close(m);
    return NULL;
  }
  return m;
}

/* First column of the first row of `sql` into out (empty string for NULL). */
static int query_value(MYSQL *m, const char *sql, char *out, size_t size) {
  MYSQL_RES *r;
  MYSQL_ROW row;
  if (mysql_query(m, sql) != 0 || !(r = mysql_store_result(m))) return -1;
  row = mysql_fetch_row(r);
  snprintf(out, size, "%s", row && row[0] ? row[0] : "");
  mysql_free_result(r);
  return row ? 0 : -1;
}

static int t_connect_and_query(MYSQL *m) {
  char v[256];
  CHECK(strstr(mysql_get_server_info(m), "MariaDB") != NULL, "server info %s", mysql_get_server_info(m));
  CHECK_OK(m, query_value(m, "SELECT CONCAT(1 + 1, '-', 'x')", v, sizeof v));
  CHECK(strcmp(v, "2-x") == 0, "got %s", v);
  CHECK_OK(m, mysql_query(m, "DROP DATABASE IF EXISTS " DB));
  CHECK_OK(m, mysql_query(m, "CREATE DATABASE " DB));
  CHECK_OK(m, mysql_query(m, "CREATE TABLE " DB ".t (id INT PRIMARY KEY, name VARCHAR(20), created DATETIME)"));
  CHECK_OK(m, mysql_query(m, "CREATE TABLE " DB ".big (id INT PRIMARY KEY, v LONGBLOB)"));
  CHECK_OK(m, mysql_query(m, "INSERT INTO " DB ".t VALUES (1, 'a', NOW()), (2, 'b', NULL), (3, 'c', NULL)"));
  CHECK(mysql_affected_rows(m) == 3, "affected rows %llu", (unsigned long long)mysql_affected_rows(m));
  CHECK(mysql_info(m) && strstr(mysql_info(m), "Records: 3"), "mysql_info: %s", mysql_info(m) ? mysql_info(m) : "NULL");
  CHECK_OK(m, query_value(m, "SELECT CAST('12abc' AS INT)", v, sizeof v));
  CHECK(mysql_warning_count(m) == 1, "warnings carried by the final EOF: %u", mysql_warning_count(m));
  return 1;
}

static int t_store_and_use_result(MYSQL *m) {
  MYSQL_RES *r;
  MYSQL_ROW row;
  unsigned long long sum = 0, n = 0;
  CHECK_OK(m, mysql_query(m, "SELECT seq, CONCAT('row-', seq) FROM sbtest.seq_1_to_100000"));
  CHECK((r = mysql_store_result(m)) != NULL, "store_result: %s", mysql_error(m));
  CHECK(mysql_num_rows(r) == 100000, "num_rows %llu", (unsigned long long)mysql_num_rows(r));
  while ((row = mysql_fetch_row(r))) sum += strtoull(row[0], NULL, 10);
  mysql_free_result(r);
  CHECK(sum == 5000050000ULL, "sum %llu", sum);

  CHECK_OK(m, mysql_query(m, "SELECT seq, REPEAT('u', 100) FROM sbtest.seq_1_to_100000"));
  CHECK((r = mysql_use_result(m)) != NULL, "use_result: %s", mysql_error(m));
  sum = 0;
  while ((row = mysql_fetch_row(r))) {
    sum += strtoull(row[0], NULL, 10);
    n++;
  }
  CHECK(mysql_errno(m) == 0, "use_result ended with %s", mysql_error(m));
  mysql_free_result(r);
  CHECK(n == 100000 && sum == 5000050000ULL, "streamed %llu rows, sum %llu", n, sum);

  /* abandon a streamed result: mysql_free_result drains it, the session goes on */
  CHECK_OK(m, mysql_query(m, "SELECT seq FROM sbtest.seq_1_to_100000"));
  CHECK((r = mysql_use_result(m)) != NULL, "use_result");
  CHECK(mysql_fetch_row(r) != NULL, "first row");
  mysql_free_result(r);
  {
    char v[16];
    CHECK_OK(m, query_value(m, "SELECT 'after'", v, sizeof v));
    CHECK(strcmp(v, "after") == 0, "got %s", v);
  }
  return 1;
}

static int t_list_fields(MYSQL *m) {
  MYSQL_RES *r;
  CHECK_OK(m, mysql_select_db(m, DB));
  CHECK((r = mysql_list_fields(m, "t", NULL)) != NULL, "COM_FIELD_LIST: %u %s", mysql_errno(m), mysql_error(m));
  CHECK(mysql_num_fields(r) == 3, "fields %u", mysql_num_fields(r));
  CHECK(strcmp(mysql_fetch_field_direct(r, 0)->name, "id") == 0, "field 0");
  CHECK(strcmp(mysql_fetch_field_direct(r, 2)->name, "created") == 0, "field 2");
  CHECK(mysql_fetch_field_direct(r, 2)->type == MYSQL_TYPE_DATETIME, "type of created");
  mysql_free_result(r);
  CHECK((r = mysql_list_fields(m, "t", "na%")) != NULL, "with wildcard: %s", mysql_error(m));
  CHECK(mysql_num_fields(r) == 1 && strcmp(mysql_fetch_field_direct(r, 0)->name, "name") == 0, "wildcard");
  mysql_free_result(r);
  CHECK(mysql_list_fields(m, "no_such_table", NULL) == NULL, "unknown table");
  CHECK(mysql_errno(m) == 1146, "errno %u", mysql_errno(m));
  CHECK(mysql_ping(m) == 0, "usable after a failed COM_FIELD_LIST");
  return 1;
}

static int t_select_db_ping_stat(MYSQL *m) {
  char v[64];
  const char *stat;
  CHECK_OK(m, mysql_select_db(m, "sbtest"));
  CHECK_OK(m, query_value(m, "SELECT DATABASE()", v, sizeof v));
  CHECK(strcmp(v, "sbtest") == 0, "database %s", v);
  CHECK(mysql_select_db(m, "sw_no_such_db") != 0 && mysql_errno(m) == 1049, "errno %u", mysql_errno(m));
  CHECK(strcmp(mysql_sqlstate(m), "42000") == 0, "sqlstate %s", mysql_sqlstate(m));
  CHECK_OK(m, mysql_ping(m));
  stat = mysql_stat(m);
  CHECK(stat && strstr(stat, "Uptime:") && strstr(stat, "Threads:"), "mysql_stat: %s", stat ? stat : mysql_error(m));
  CHECK_OK(m, mysql_ping(m));
  return 1;
}

static int t_reset_connection(MYSQL *m) {
  char v[64];
  CHECK_OK(m, mysql_query(m, "SET @x = 'set'"));
  CHECK_OK(m, mysql_query(m, "CREATE TEMPORARY TABLE " DB ".tmp (i INT)"));
  CHECK_OK(m, mysql_reset_connection(m));
  CHECK_OK(m, query_value(m, "SELECT COALESCE(@x, 'null')", v, sizeof v));
  CHECK(strcmp(v, "null") == 0, "@x after reset: %s", v);
  CHECK(mysql_query(m, "SELECT * FROM " DB ".tmp") != 0 && mysql_errno(m) == 1146, "temporary table after reset");
  return 1;
}

static int t_multi_statements(MYSQL *m) {
  int sets = 0, oks = 0, status;
  CHECK(mysql_query(m, "SELECT 1; SELECT 2") != 0 && mysql_errno(m) == 1064, "multi statements off by default");
  CHECK_OK(m, mysql_set_server_option(m, MYSQL_OPTION_MULTI_STATEMENTS_ON));
  CHECK_OK(m, mysql_query(m, "SELECT 1; SELECT 2, 3 UNION ALL SELECT 4, 5; DO 0; SELECT 'x'"));
  do {
    MYSQL_RES *r = mysql_store_result(m);
    if (r) {
      sets++;
      if (sets == 2) CHECK(mysql_num_rows(r) == 2 && mysql_num_fields(r) == 2, "second set shape");
      mysql_free_result(r);
    } else {
      CHECK(mysql_field_count(m) == 0, "store_result failed: %s", mysql_error(m));
      oks++;
    }
    status = mysql_next_result(m);
    CHECK(status <= 0, "next_result: %s", mysql_error(m));
  } while (status == 0);
  CHECK(sets == 3 && oks == 1, "%d result sets, %d OKs", sets, oks);
  /* an error mid-batch: next_result reports it, then the session is usable */
  CHECK_OK(m, mysql_query(m, "SELECT 1; SELEC 2; SELECT 3"));
  mysql_free_result(mysql_store_result(m));
  CHECK(mysql_next_result(m) > 0 && mysql_errno(m) == 1064, "error of the 2nd statement: %u", mysql_errno(m));
  CHECK_OK(m, mysql_set_server_option(m, MYSQL_OPTION_MULTI_STATEMENTS_OFF));
  CHECK(mysql_query(m, "SELECT 1; SELECT 2") != 0 && mysql_errno(m) == 1064, "multi statements off again");
  CHECK_OK(m, mysql_ping(m));
  return 1;
}

static int t_errors(MYSQL *m) {
  char v[16];
  CHECK(mysql_query(m, "SELEC 1") != 0, "syntax error");
  CHECK(mysql_errno(m) == 1064 && strcmp(mysql_sqlstate(m), "42000") == 0, "%u %s", mysql_errno(m),
        mysql_sqlstate(m));
  CHECK(strstr(mysql_error(m), "near 'SELEC 1'") != NULL, "message %s", mysql_error(m));
  CHECK(mysql_query(m, "SELECT * FROM " DB ".missing") != 0, "unknown table");
  CHECK(mysql_errno(m) == 1146 && strcmp(mysql_sqlstate(m), "42S02") == 0, "%u %s", mysql_errno(m),
        mysql_sqlstate(m));
  CHECK(mysql_query(m, "INSERT INTO " DB ".t (id) VALUES (1)") != 0 && mysql_errno(m) == 1062, "duplicate");
  CHECK(strcmp(mysql_sqlstate(m), "23000") == 0, "sqlstate %s", mysql_sqlstate(m));
  CHECK_OK(m, query_value(m, "SELECT 'ok'", v, sizeof v));
  return 1;
}

static int t_20mb_value(MYSQL *m) {
  const size_t len = 20u << 20;
  char *value = malloc(len), *sql = malloc(len + 128);
  MYSQL_RES *r;
  MYSQL_ROW row;
  unsigned long *lengths;
  int ok;
  size_t n;
  for (size_t i = 0; i < len; ++i) value[i] = (char)('a' + (i * 7 + i / 4096) % 26);
  n = (size_t)sprintf(sql, "INSERT INTO " DB ".big VALUES (1, '");
  memcpy(sql + n, value, len);
  n += len;
  n += (size_t)sprintf(sql + n, "')");
  ok = mysql_real_query(m, sql, (unsigned long)n) == 0;
  free(sql);
  if (!ok) free(value);
  CHECK(ok, "20 MB INSERT: %u %s", mysql_errno(m), mysql_error(m));
  ok = mysql_query(m, "SELECT v, LENGTH(v) FROM " DB ".big WHERE id = 1") == 0 && (r = mysql_store_result(m));
  if (!ok) free(value);
  CHECK(ok, "20 MB SELECT: %s", mysql_error(m));
  row = mysql_fetch_row(r);
  lengths = mysql_fetch_lengths(r);
  ok = row && lengths[0] == len && memcmp(row[0], value, len) == 0 && strtoul(row[1], NULL, 10) == len;
  mysql_free_result(r);
  free(value);
  CHECK(ok, "20 MB value differs after the round trip");
  return 1;
}

static int t_prepared(MYSQL *m) {
  MYSQL_STMT *st = mysql_stmt_init(m);
  MYSQL_BIND in[2], out[2];
  long long a = 41, got = 0, sum = 0;
  char s[32] = "param", gs[64];
  unsigned long slen = 5, glen = 0;
  unsigned long cursor = CURSOR_TYPE_READ_ONLY, prefetch = 7;
  int id, rows = 0;
  const char *sel = "SELECT ? + 1, CONCAT('v-', ?)";

  CHECK_OK(m, mysql_stmt_prepare(st, sel, (unsigned long)strlen(sel)));
  CHECK(mysql_stmt_param_count(st) == 2, "param count %lu", mysql_stmt_param_count(st));
  memset(in, 0, sizeof in);
  in[0].buffer_type = MYSQL_TYPE_LONGLONG, in[0].buffer = &a;
  in[1].buffer_type = MYSQL_TYPE_STRING, in[1].buffer = s, in[1].buffer_length = sizeof s, in[1].length = &slen;
  CHECK(mysql_stmt_bind_param(st, in) == 0, "bind_param: %s", mysql_stmt_error(st));
  CHECK(mysql_stmt_execute(st) == 0, "execute: %s", mysql_stmt_error(st));
  memset(out, 0, sizeof out);
  out[0].buffer_type = MYSQL_TYPE_LONGLONG, out[0].buffer = &got;
  out[1].buffer_type = MYSQL_TYPE_STRING, out[1].buffer = gs, out[1].buffer_length = sizeof gs, out[1].length = &glen;
  CHECK(mysql_stmt_bind_result(st, out) == 0, "bind_result: %s", mysql_stmt_error(st));
  CHECK(mysql_stmt_fetch(st) == 0, "fetch: %s", mysql_stmt_error(st));
  CHECK(got == 42 && glen == 7 && memcmp(gs, "v-param", 7) == 0, "row %lld %.*s", got, (int)glen, gs);
  CHECK(mysql_stmt_fetch(st) == MYSQL_NO_DATA, "one row only");
  a = 99;  /* re-execute with new values */
  CHECK(mysql_stmt_execute(st) == 0 && mysql_stmt_fetch(st) == 0 && got == 100, "second execute: %lld", got);
  mysql_stmt_free_result(st);
  mysql_stmt_close(st);

  st = mysql_stmt_init(m);
  sel = "INSERT INTO " DB ".t (id, name) VALUES (?, ?)";
  CHECK_OK(m, mysql_stmt_prepare(st, sel, (unsigned long)strlen(sel)));
  memset(in, 0, sizeof in);
  in[0].buffer_type = MYSQL_TYPE_LONG, in[0].buffer = &id;
  in[1].buffer_type = MYSQL_TYPE_STRING, in[1].buffer = s, in[1].length = &slen;
  CHECK(mysql_stmt_bind_param(st, in) == 0, "bind: %s", mysql_stmt_error(st));
  for (id = 10; id < 13; ++id) {
    slen = (unsigned long)sprintf(s, "ps-%d", id);
    CHECK(mysql_stmt_execute(st) == 0, "insert %d: %s", id, mysql_stmt_error(st));
    CHECK(mysql_stmt_affected_rows(st) == 1, "affected rows");
  }
  id = 10;
  CHECK(mysql_stmt_execute(st) != 0 && mysql_stmt_errno(st) == 1062, "duplicate via PS: %u", mysql_stmt_errno(st));
  CHECK(strcmp(mysql_stmt_sqlstate(st), "23000") == 0, "sqlstate %s", mysql_stmt_sqlstate(st));
  mysql_stmt_close(st);
  CHECK_OK(m, query_value(m, "SELECT GROUP_CONCAT(name ORDER BY id) FROM " DB ".t WHERE id >= 10", gs, sizeof gs));
  CHECK(strcmp(gs, "ps-10,ps-11,ps-12") == 0, "inserted via PS: %s", gs);

  /* a read-only cursor: rows come through COM_STMT_FETCH */
  st = mysql_stmt_init(m);
  sel = "SELECT seq FROM sbtest.seq_1_to_1000 WHERE seq > ?";
  mysql_stmt_attr_set(st, STMT_ATTR_CURSOR_TYPE, &cursor);
  mysql_stmt_attr_set(st, STMT_ATTR_PREFETCH_ROWS, &prefetch);
  CHECK_OK(m, mysql_stmt_prepare(st, sel, (unsigned long)strlen(sel)));
  a = 0;
  memset(in, 0, sizeof in);
  in[0].buffer_type = MYSQL_TYPE_LONGLONG, in[0].buffer = &a;
  memset(out, 0, sizeof out);
  out[0].buffer_type = MYSQL_TYPE_LONGLONG, out[0].buffer = &got;
  CHECK(mysql_stmt_bind_param(st, in) == 0 && mysql_stmt_execute(st) == 0, "cursor execute: %s", mysql_stmt_error(st));
  CHECK(mysql_stmt_bind_result(st, out) == 0, "bind_result");
  while (mysql_stmt_fetch(st) == 0) {
    sum += got;
    rows++;
  }
  CHECK(rows == 1000 && sum == 500500, "cursor fetched %d rows, sum %lld: %s", rows, sum, mysql_stmt_error(st));
  mysql_stmt_close(st);

  st = mysql_stmt_init(m);
  CHECK(mysql_stmt_prepare(st, "SELEC ?", 7) != 0 && mysql_stmt_errno(st) == 1064, "bad prepare");
  mysql_stmt_close(st);
  CHECK_OK(m, query_value(m, "SELECT 'after statements'", gs, sizeof gs));
  return 1;
}

static int t_long_data(MYSQL *m) {
  MYSQL_STMT *st = mysql_stmt_init(m);
  MYSQL_BIND in[1];
  char chunk[65536], v[64];
  const char *sql = "INSERT INTO " DB ".big VALUES (2, ?)";
  memset(chunk, 'L', sizeof chunk);
  CHECK_OK(m, mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)));
  memset(in, 0, sizeof in);
  in[0].buffer_type = MYSQL_TYPE_LONG_BLOB;
  CHECK(mysql_stmt_bind_param(st, in) == 0, "bind");
  for (int i = 0; i < 48; ++i) {  /* 3 MiB in COM_STMT_SEND_LONG_DATA packets: no replies */
    CHECK(mysql_stmt_send_long_data(st, 0, chunk, sizeof chunk) == 0, "long data: %s", mysql_stmt_error(st));
  }
  CHECK(mysql_stmt_execute(st) == 0, "execute: %s", mysql_stmt_error(st));
  mysql_stmt_close(st);
  CHECK_OK(m, query_value(m, "SELECT LENGTH(v) FROM " DB ".big WHERE id = 2", v, sizeof v));
  CHECK(strcmp(v, "3145728") == 0, "length %s", v);
  return 1;
}

static int t_connect_with_db_and_errors(MYSQL *unused) {
  MYSQL *m = mysql_init(NULL);
  char v[64];
  int ok;
  (void)unused;
  CHECK(!mysql_real_connect(m, host, "app", "wrong", NULL, port, NULL, 0), "wrong password accepted");
  ok = mysql_errno(m) == 1045 && strstr(mysql_error(m), "Access denied for user 'app'@'127.0.0.1' (using password: YES)");
  mysql_close(m);
  CHECK(ok, "wrong password error");
  m = mysql_init(NULL);
  ok = !mysql_real_connect(m, host, "app", "app", "sw_no_such_db", port, NULL, 0) && mysql_errno(m) == 1049;
  mysql_close(m);
  CHECK(ok, "unknown database at connect");
  CHECK((m = open_conn(DB, 0)) != NULL, "connect with db");
  ok = query_value(m, "SELECT DATABASE()", v, sizeof v) == 0 && strcmp(v, DB) == 0;
  mysql_close(m);
  CHECK(ok, "database %s", v);
  return 1;
}

/* Session state reports (CLIENT_SESSION_TRACKING, which libmariadb always asks for):
 * the database after USE, the character set variables after SET NAMES, as the server
 * reports them; and libmariadb follows them (mysql->db, the connection's character set). */
static int t_session_track(MYSQL *m) {
  const char *data;
  size_t len;
  char name[64], value[64];
  int found, rc;
  CHECK_OK(m, mysql_query(m, "USE mysql"));
  CHECK_OK(m, mysql_session_track_get_first(m, SESSION_TRACK_SCHEMA, &data, &len));
  CHECK(len == 5 && memcmp(data, "mysql", 5) == 0, "schema report %.*s", (int)len, data);
  CHECK(m->db && strcmp(m->db, "mysql") == 0, "mysql->db %s", m->db ? m->db : "NULL");
  CHECK_OK(m, mysql_query(m, "SET NAMES latin1"));
  /* name, value, name, value ... in the server's order */
  found = 0;
  for (rc = mysql_session_track_get_first(m, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len); rc == 0;
       rc = mysql_session_track_get_next(m, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len)) {
    snprintf(name, sizeof name, "%.*s", (int)len, data);
    CHECK_OK(m, mysql_session_track_get_next(m, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len));
    snprintf(value, sizeof value, "%.*s", (int)len, data);
    if (strcmp(name, "character_set_client") == 0) found = strcmp(value, "latin1") == 0;
  }
  CHECK(found, "character_set_client=latin1 reported");
  CHECK(strcmp(mysql_character_set_name(m), "latin1") == 0, "client character set %s", mysql_character_set_name(m));
  CHECK(mysql_session_track_get_first(m, SESSION_TRACK_STATE_CHANGE, &data, &len) != 0,
        "a state-change report the session did not ask for");
  CHECK_OK(m, mysql_query(m, "SET @sw_a = 1"));
  CHECK(mysql_session_track_get_first(m, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len) != 0, "report after SET @v");
  CHECK_OK(m, mysql_query(m, "SET session_track_state_change = 1"));
  CHECK_OK(m, mysql_query(m, "SET @sw_a = 2"));
  CHECK_OK(m, mysql_session_track_get_first(m, SESSION_TRACK_STATE_CHANGE, &data, &len));
  CHECK(len == 1 && data[0] == '1', "state change report %.*s", (int)len, data);
  return 1;
}

int main(void) {
  static const struct {
    const char *name;
    int (*fn)(MYSQL *);
  } tests[] = {
      {"connect_and_query", t_connect_and_query}, {"store_and_use_result", t_store_and_use_result},
      {"list_fields", t_list_fields},             {"select_db_ping_stat", t_select_db_ping_stat},
      {"reset_connection", t_reset_connection},   {"multi_statements", t_multi_statements},
      {"errors", t_errors},                       {"20mb_value", t_20mb_value},
      {"prepared", t_prepared},                   {"long_data", t_long_data},
      {"connect_with_db_and_errors", t_connect_with_db_and_errors},
      {"session_track", t_session_track},
  };
  const char *p = getenv("SW_PROXY_PORT");
  host = getenv("SW_PROXY_HOST") ? getenv("SW_PROXY_HOST") : "127.0.0.1";
  if (!p) {
    fprintf(stderr, "SW_PROXY_PORT not set: run through harness.py run -- capi_test\n");
    return 2;
  }
  port = (unsigned int)atoi(p);
  printf("libmariadb %s; CLIENT_DEPRECATE_EOF is %s by this client library\n", mysql_get_client_info(),
#ifdef CLIENT_DEPRECATE_EOF
         "known"
#else
         "not even defined (never sent)"
#endif
  );
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; ++i) {
    MYSQL *m = open_conn(NULL, 0);
    int ok = m && tests[i].fn(m);
    if (m) mysql_close(m);
    printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
    fflush(stdout);
    failed += !ok;
  }
  printf("%d of %zu failed\n", failed, sizeof tests / sizeof tests[0]);
  mysql_library_end();
  return failed ? 1 : 0;
}
