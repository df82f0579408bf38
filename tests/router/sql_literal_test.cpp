// router/sql_literal, router/processlist, router/session_sql: SQL text the proxy writes.
#include <catch2/catch.hpp>

#include "router/lexer.hpp"
#include "router/processlist.hpp"
#include "router/session_sql.hpp"
#include "router/sql_literal.hpp"

using namespace shardwire::router;

TEST_CASE("string literals are hex with an introducer, whatever the bytes", "[literal]") {
  CHECK(hex_string_literal("", "utf8mb4") == "_utf8mb4 X''");
  CHECK(hex_string_literal("a'b", "latin1") == "_latin1 X'612762'");
  std::string hostile("\xBF\x5C' OR 1=1 -- \0/*#", 17);
  auto lit = hex_string_literal(hostile, "gbk");
  auto toks = lex(lit);
  REQUIRE(toks.size() == 3);
  CHECK(toks[0].is_word("_GBK"));
  CHECK(toks[1].kind == token_kind::hex);
  CHECK(toks[1].text.size() == hostile.size() * 2);
  for (char c : lit) CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == '\''));
}

TEST_CASE("numbers pass only in the SQL number grammar", "[literal]") {
  for (const char* ok : {"0", "-1", "+2", "1.5", ".5", "1.", "1e5", "1E-5", "-0.0e+3", "123456789012345678901234567890"}) {
    INFO(ok);
    CHECK(numeric_literal(ok) == std::string(ok));
  }
  for (const char* bad : {"", "0--", "1e", "..", "4-2", "1 OR 1=1", "nan", "inf", "1e5x", "-", "+.", "0x10", "1,2",
                          "1e+", "--1"}) {
    INFO(bad);
    CHECK_FALSE(numeric_literal(bad));
  }
  CHECK_FALSE(numeric_literal(std::string(81, '1')));
}

TEST_CASE("collation ids name their character sets", "[literal]") {
  CHECK(charset_of_collation(45) == "utf8mb4");
  CHECK(charset_of_collation(8) == "latin1");
  CHECK(charset_of_collation(63) == "binary");
  CHECK(charset_of_collation(28) == "gbk");
  CHECK(charset_of_collation(1) == "big5");
  CHECK(charset_of_collation(13) == "sjis");
  CHECK(charset_of_collation(95) == "cp932");
  CHECK(charset_of_collation(24) == "gb2312");
  CHECK(charset_of_collation(19) == "euckr");
  CHECK(charset_of_collation(12) == "ujis");
  CHECK(charset_of_collation(33) == "utf8mb3");
  CHECK_FALSE(charset_of_collation(0));
  CHECK_FALSE(charset_of_collation(60000));
  CHECK(client_charset("gbk"));
  CHECK_FALSE(client_charset("utf16"));
  CHECK_FALSE(client_charset("ucs2"));
  CHECK_FALSE(client_charset("x' OR 1"));
}

TEST_CASE("process lists: a derived table of literal rows, substituted for information_schema.PROCESSLIST",
          "[processlist]") {
  process_row r;
  r.id = 1073741825;
  r.user = "app'--";
  r.host = "127.0.0.1";
  r.command = "Query";
  r.info = "SELECT ?";
  std::string table = processlist_table_sql({r});
  auto toks = lex(table);
  CHECK(toks.back().kind == token_kind::end);
  for (const auto& t : toks) CHECK(t.kind != token_kind::string);  // no quoted text at all
  CHECK(table.find("1073741825 AS ID") != std::string::npos);
  CHECK(processlist_table_sql({}).find("WHERE 0") != std::string::npos);

  auto s = substitute_processlist("SELECT ID FROM information_schema.PROCESSLIST WHERE ID > 1", "(T)");
  REQUIRE(s);
  CHECK(*s == "SELECT ID FROM (T) AS PROCESSLIST WHERE ID > 1");
  s = substitute_processlist("select * from `INFORMATION_SCHEMA`.`processlist` p", "(T)");
  REQUIRE(s);
  CHECK(*s == "select * from (T) p");
  s = substitute_processlist("SELECT 1 FROM information_schema.processlist AS x", "(T)");
  REQUIRE(s);
  CHECK(*s == "SELECT 1 FROM (T) AS x");
  CHECK_FALSE(substitute_processlist("SELECT * FROM PROCESSLIST", "(T)"));  // unqualified: refused
  CHECK_FALSE(substitute_processlist("SELECT * FROM information_schema.PROCESSLIST, PROCESSLIST", "(T)"));
  CHECK_FALSE(substitute_processlist("SELECT 'unterminated", "(T)"));
}

TEST_CASE("connection attributes as a derived table of the proxy's sessions", "[processlist]") {
  std::string long_name(40, 'n');
  auto table = connect_attrs_table_sql({{1073741825, "_client_name", "libmariadb", 0},
                                        {1073741825, long_name, "caf\xc3\xa9 \xff' OR 1", 1}});
  CHECK(table.find("1073741825 AS PROCESSLIST_ID") != std::string::npos);
  // Names are cut at 32 characters; bytes that are not UTF-8 become '?' (the literal is
  // _utf8mb4); the value is a hex literal, never quoted text.
  CHECK(table.find(hex_string_literal(std::string(32, 'n'), "utf8mb4")) != std::string::npos);
  CHECK(table.find(hex_string_literal("caf\xc3\xa9 ?' OR 1", "utf8mb4")) != std::string::npos);
  CHECK(table.find("OR 1") == std::string::npos);
  CHECK(connect_attrs_table_sql({}).find("WHERE 0") != std::string::npos);
  // Values over 1024 characters are cut there, at a character boundary.
  std::string value;
  for (int i = 0; i < 1100; ++i) value += "\xc3\xa9";
  auto cut = connect_attrs_table_sql({{1, "k", value, 0}});
  CHECK(cut.find(hex_string_literal(value.substr(0, 2048), "utf8mb4") + " AS ATTR_VALUE") != std::string::npos);

  auto s = substitute_table("SELECT * FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = 5",
                            "PERFORMANCE_SCHEMA", "SESSION_CONNECT_ATTRS", "(T)");
  REQUIRE(s);
  CHECK(*s == "SELECT * FROM (T) AS SESSION_CONNECT_ATTRS WHERE PROCESSLIST_ID = 5");
  CHECK_FALSE(substitute_table("SELECT * FROM session_connect_attrs", "PERFORMANCE_SCHEMA", "SESSION_CONNECT_ATTRS",
                               "(T)"));
}

TEST_CASE("statements the session sends on its own", "[session_sql]") {
  CHECK(session_sql::set_last_insert_id(42) == "DO LAST_INSERT_ID(42)");
  CHECK(session_sql::set({"a = 1", "@b = 'x'"}) == "SET a = 1, @b = 'x'");
  CHECK(session_sql::savepoint("`s1`") == "SAVEPOINT `s1`");
  CHECK(session_sql::kill("", true, 7) == "KILL QUERY 7");
  CHECK(session_sql::kill("HARD", false, 7) == "KILL HARD CONNECTION 7");
  CHECK(session_sql::kill("x; DROP", false, 7) == "KILL CONNECTION 7");  // only HARD / SOFT pass
  CHECK(session_sql::select_variables({"@a", "@`b`"}) == "SELECT @a, @`b`");
  CHECK(session_sql::gtid_wait("0-1-5", 1.5) == "SELECT MASTER_GTID_WAIT(_utf8mb4 X'302D312D35', 1.500)");
  CHECK(session_sql::union_all({"SELECT 1"}, false, "ORDER BY 1") == "SELECT 1");
  CHECK(session_sql::union_all({"SELECT 1", "SELECT 2"}, false, "ORDER BY 1") ==
        "(SELECT 1) UNION ALL (SELECT 2) ORDER BY 1");
  CHECK(session_sql::union_all({"SELECT 1", "SELECT 2"}, true, "") ==
        "SELECT * FROM (SELECT 1) AS `__sw_d0` UNION ALL SELECT * FROM (SELECT 2) AS `__sw_d1`");
}
