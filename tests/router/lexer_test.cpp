// router/lexer: tokens of MySQL/MariaDB SQL, table-driven.
#include <catch2/catch.hpp>

#include <sstream>

#include "router/lexer.hpp"

using namespace shardwire::router;

namespace {
const char* kind_name(token_kind k) {
  switch (k) {
    case token_kind::identifier: return "id";
    case token_kind::quoted_identifier: return "qid";
    case token_kind::string: return "str";
    case token_kind::number: return "num";
    case token_kind::hex: return "hex";
    case token_kind::bits: return "bits";
    case token_kind::user_variable: return "uvar";
    case token_kind::system_variable: return "svar";
    case token_kind::placeholder: return "?";
    case token_kind::op: return "op";
    case token_kind::hint: return "hint";
    case token_kind::end: return "end";
    case token_kind::error: return "error";
  }
  return "?";
}

// "kind:text kind:text ..." without the final end token.
std::string show(std::string_view sql, lex_options opts = {}) {
  std::ostringstream out;
  for (const auto& t : lex(sql, opts)) {
    if (t.kind == token_kind::end) break;
    if (out.tellp() > 0) out << ' ';
    out << kind_name(t.kind) << ':' << t.text;
    if (!t.charset.empty()) out << '@' << t.charset;
  }
  return out.str();
}
}  // namespace

TEST_CASE("tokens of ordinary statements", "[lexer]") {
  struct row {
    const char* sql;
    const char* tokens;
  };
  for (const row& r : {
           row{"SELECT * FROM t WHERE a = 1", "id:SELECT op:* id:FROM id:t id:WHERE id:a op:= num:1"},
           row{"select a,b from db.t", "id:select id:a op:, id:b id:from id:db op:. id:t"},
           row{"SELECT `order`.`user id` FROM `order`", "id:SELECT qid:order op:. qid:user id id:FROM qid:order"},
           row{"SELECT `a``b`", "id:SELECT qid:a``b"},
           row{"a<=>b a<=b a>=b a<>b a!=b a:=1", "id:a op:<=> id:b id:a op:<= id:b id:a op:>= id:b id:a op:<> id:b id:a op:!= id:b id:a op::= num:1"},
           row{"j->'$.a' j->>'$.b'", "id:j op:-> str:$.a id:j op:->> str:$.b"},
           row{"1 1.5 .5 1e3 1.5E-3 1e+2", "num:1 num:1.5 num:.5 num:1e3 num:1.5E-3 num:1e+2"},
           row{"0x0F X'0f' x'' 0b101 B'01'", "hex:0F hex:0f hex: bits:101 bits:01"},
           row{"0xG1 1abc 12_x", "id:0xG1 id:1abc id:12_x"},
           row{"t.5col", "id:t op:. id:5col"},
           row{"WHERE id = ? AND u IN (?, ?)", "id:WHERE id:id op:= ?:? id:AND id:u id:IN op:( ?:? op:, ?:? op:)"},
           row{"SET @x = 1, @@session.sql_mode = '', @@autocommit=0",
               "id:SET uvar:x op:= num:1 op:, svar:session.sql_mode op:= str: op:, svar:autocommit op:= num:0"},
           row{"SELECT @`a b`, @'c'", "id:SELECT uvar:a b op:, uvar:c"},
           row{"SELECT _utf8mb4'x', N'y', _binary 'z'", "id:SELECT str:x@utf8mb4 op:, str:y@N op:, str:z@binary"},
           row{"SELECT _foo'x', _id 'y'", "id:SELECT id:_foo str:x op:, id:_id str:y"},  // not charsets: alias
           row{"SELECT @@`version`", "id:SELECT svar:version"},
           row{"SELECT 'it''s', 'a\\'b', \"q\"", "id:SELECT str:it''s op:, str:a\\'b op:, str:q"},
           row{"SELECT 1; SELECT 2", "id:SELECT num:1 op:; id:SELECT num:2"},
           row{"SELECT naïve, 表 FROM t", "id:SELECT id:naïve op:, id:表 id:FROM id:t"},
           row{"a||b a&&b a<<2", "id:a op:|| id:b id:a op:&& id:b id:a op:<< num:2"},
       }) {
    INFO(r.sql);
    CHECK(show(r.sql) == r.tokens);
  }
}

TEST_CASE("comments", "[lexer]") {
  CHECK(show("SELECT 1 -- trailing\n, 2") == "id:SELECT num:1 op:, num:2");
  CHECK(show("SELECT 1 # hash\n") == "id:SELECT num:1");
  CHECK(show("SELECT 1--2") == "id:SELECT num:1 op:- op:- num:2");  // -- needs a space after it
  CHECK(show("SELECT /* c */ 1") == "id:SELECT num:1");
  CHECK(show("SELECT 1 /*! STRAIGHT_JOIN */") == "id:SELECT num:1 id:STRAIGHT_JOIN");
  CHECK(show("CREATE TABLE t (a int) /*!50100 ENGINE=InnoDB */;") ==
        "id:CREATE id:TABLE id:t op:( id:a id:int op:) id:ENGINE op:= id:InnoDB op:;");
  CHECK(show("SELECT /*M!100301 1 */ 2") == "id:SELECT num:1 num:2");
  CHECK(show("SELECT /*+ MAX_EXECUTION_TIME(1000) */ a") == "id:SELECT hint: MAX_EXECUTION_TIME(1000)  id:a");
  CHECK(show("/* shardwire:primary */ SELECT 1") == "hint:shardwire:primary id:SELECT num:1");
  CHECK(show("SELECT '/* not a comment */'") == "id:SELECT str:/* not a comment */");
}

TEST_CASE("ANSI_QUOTES and NO_BACKSLASH_ESCAPES", "[lexer]") {
  lex_options ansi;
  ansi.ansi_quotes = true;
  CHECK(show("SELECT \"col\" FROM t", ansi) == "id:SELECT qid:col id:FROM id:t");
  lex_options raw;
  raw.backslash_escapes = false;
  CHECK(show("SELECT 'a\\' , 'b'", raw) == "id:SELECT str:a\\ op:, str:b");
}

TEST_CASE("malformed input ends in an error token, never loops", "[lexer]") {
  for (const char* sql : {"SELECT 'abc", "SELECT `abc", "SELECT /* open", "SELECT \"x", "SELECT 'a\\",
                          "SELECT /*! 1", "SELECT @", "SELECT X'0F", "SELECT /*! /*! */"}) {
    INFO(sql);
    auto toks = lex(sql);
    REQUIRE_FALSE(toks.empty());
    CHECK(toks.back().kind == token_kind::error);
  }
  // Every prefix of a tricky statement lexes without crashing.
  std::string sql = "SELECT `a``b`, _utf8mb4'x''y', 0x1F, @@session.x, /*!50700 1 */ ? FROM t -- c";
  for (std::size_t n = 0; n <= sql.size(); ++n) {
    auto toks = lex(std::string_view(sql).substr(0, n));
    REQUIRE_FALSE(toks.empty());
    CHECK((toks.back().kind == token_kind::end || toks.back().kind == token_kind::error));
  }
}

TEST_CASE("keywords match case-insensitively; offsets point into the input", "[lexer]") {
  auto toks = lex("  sElEcT x");
  CHECK(toks[0].is_word("SELECT"));
  CHECK_FALSE(toks[1].is_word("SELECT"));
  CHECK(toks[0].offset == 2);
  CHECK(toks[1].offset == 9);
  CHECK(toks[2].kind == token_kind::end);
}

TEST_CASE("unescape_string decodes as the server does", "[lexer]") {
  auto one = [](std::string_view sql, lex_options o = {}) { return unescape_string(lex(sql, o)[0], o); };
  CHECK(one("'it''s'") == "it's");
  CHECK(one("'a\\nb\\tc\\\\d\\'e'") == "a\nb\tc\\d'e");
  CHECK(one("'\\0\\Z'") == std::string("\0\x1A", 2));
  CHECK(one("'100\\%'") == "100\\%");
  CHECK(one("\"say \"\"hi\"\"\"") == "say \"hi\"");
  lex_options raw;
  raw.backslash_escapes = false;
  CHECK(one("'a\\n'", raw) == "a\\n");
}

TEST_CASE("starts_with_keyword skips whitespace and comments, not versioned comments", "[lexer]") {
  CHECK(starts_with_keyword("SET @a = 1", "SET"));
  CHECK(starts_with_keyword("  set\tnames utf8mb4", "SET"));
  CHECK(starts_with_keyword("/* app */ SET x = 1", "SET"));
  CHECK(starts_with_keyword("-- note\nKILL 5", "KILL"));
  CHECK(starts_with_keyword("# note\nUSE orders", "USE"));
  CHECK(starts_with_keyword("USE", "USE"));
  CHECK_FALSE(starts_with_keyword("SETTINGS", "SET"));
  CHECK_FALSE(starts_with_keyword("SELECT 'SET'", "SET"));
  CHECK_FALSE(starts_with_keyword("/*! SET x = 1 */", "SET"));
  CHECK_FALSE(starts_with_keyword("/* unterminated SET", "SET"));
  CHECK_FALSE(starts_with_keyword("", "SET"));
  CHECK_FALSE(starts_with_keyword("SE", "SET"));
}
