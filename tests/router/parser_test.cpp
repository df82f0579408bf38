// router/parser + formatter: the round-trip table in roundtrip_cases.sql and the
// error table in parse_error_cases.sql.
//
// roundtrip_cases.sql: a statement per line; an optional next line "=> normalized"
// gives the formatter's output when it differs from the input. Every case must parse,
// print exactly the normalized text, and that text must parse and print to itself.
// (integration/parser_syntax checks the same table against MariaDB: the normalized
// text must be a syntax error there exactly when the input is.)
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "router/formatter.hpp"
#include "router/parser.hpp"

using namespace shardwire::router;

namespace {
struct rt_case {
  int line;
  std::string input, expected;
};

std::vector<rt_case> load_roundtrip(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<rt_case> cases;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line.starts_with("#")) continue;
    if (line.starts_with("=> ")) {
      REQUIRE_FALSE(cases.empty());
      cases.back().expected = line.substr(3);
      continue;
    }
    cases.push_back({n, line, line});
  }
  return cases;
}
}  // namespace

TEST_CASE("round trip table", "[parser]") {
  auto cases = load_roundtrip(SHARDWIRE_TEST_DATA "/roundtrip_cases.sql");
  CHECK(cases.size() >= 300);
  for (const auto& c : cases) {
    INFO("line " << c.line << ": " << c.input);
    auto r = parse(c.input);
    if (!r) FAIL_CHECK("parse error: " << r.error().message);
    if (!r) continue;
    std::string out = format(*r);
    CHECK(out == c.expected);
    auto again = parse(out);
    if (!again) FAIL_CHECK("normalized text does not parse: " << again.error().message);
    if (again) CHECK(format(*again) == out);
  }
}

TEST_CASE("parse errors name what was expected", "[parser]") {
  std::ifstream in(SHARDWIRE_TEST_DATA "/parse_error_cases.sql");
  REQUIRE(in.good());
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("#")) continue;
    auto bar = line.find(" ~ ");
    REQUIRE(bar != std::string::npos);
    std::string sql = line.substr(0, bar), want = line.substr(bar + 3);
    INFO(sql);
    auto r = parse(sql);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains(want));
    ++count;
  }
  CHECK(count >= 25);
}

TEST_CASE("every prefix of a statement parses or fails cleanly", "[parser]") {
  std::string sql =
      "WITH c AS (SELECT 1) SELECT DISTINCT a.x, COUNT(*) AS n FROM db.t AS a LEFT JOIN u ON a.id = u.id "
      "WHERE a.y IN (1, 2) AND b BETWEEN ? AND ? GROUP BY a.x HAVING n > 1 ORDER BY n DESC LIMIT 10, 5 FOR UPDATE";
  for (std::size_t n = 0; n <= sql.size(); ++n) {
    auto r = parse(std::string_view(sql).substr(0, n));
    (void)r;  // must not crash, hang or read out of bounds (run under ASan)
  }
  SUCCEED();
}

TEST_CASE("placeholders are numbered in order", "[parser]") {
  auto r = parse("SELECT ? FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?");
  REQUIRE(r.has_value());
  CHECK(r->placeholders == 5);
}

TEST_CASE("shardwire hints are collected", "[parser]") {
  auto r = parse("/* shardwire:primary */ SELECT 1");
  REQUIRE(r.has_value());
  REQUIRE(r->hints.size() == 1);
  CHECK(r->hints[0] == "shardwire:primary");
}

namespace {
// Renames every table reference t to t_0 and every column qualifier likewise: shows
// which names in a statement the rewrite would touch.
class suffix_mapper : public name_mapper {
 public:
  std::optional<ast::table_name> table(const ast::table_name& n) const override {
    ast::table_name out = n;
    out.table.name += "_0";
    return out;
  }
  std::optional<ast::table_name> qualifier(const ast::table_name& n) const override { return table(n); }
};

std::string rewritten(const std::string& sql) {
  auto r = parse(sql);
  if (!r) return "ERR " + r.error().message;
  suffix_mapper m;
  return format(*r, &m);
}
}  // namespace

TEST_CASE("table references inside opaque runs are exactly the tables", "[parser]") {
  // ALTER TABLE: RENAME [TO|AS] names a table, RENAME COLUMN/INDEX ... TO does not.
  CHECK(rewritten("ALTER TABLE t RENAME TO u") == "ALTER TABLE t_0 RENAME TO u_0");
  CHECK(rewritten("ALTER TABLE t RENAME u") == "ALTER TABLE t_0 RENAME u_0");
  CHECK(rewritten("ALTER TABLE t RENAME COLUMN a TO b") == "ALTER TABLE t_0 RENAME COLUMN a TO b");
  CHECK(rewritten("ALTER TABLE t RENAME INDEX i1 TO i2") == "ALTER TABLE t_0 RENAME INDEX i1 TO i2");
  CHECK(rewritten("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)") ==
        "ALTER TABLE t_0 ADD FOREIGN KEY (a) REFERENCES u_0 (id)");
  CHECK(rewritten("ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE a") ==
        "ALTER TABLE t_0 EXCHANGE PARTITION p0 WITH TABLE a_0");
  CHECK(rewritten("CREATE TABLE t (LIKE u)") == "CREATE TABLE t_0 (LIKE u_0)");
  // SHOW: the table of COLUMNS/INDEX/CREATE TABLE, never a database.
  CHECK(rewritten("SHOW COLUMNS FROM t FROM db") == "SHOW COLUMNS FROM t_0 FROM db");
  CHECK(rewritten("SHOW FULL COLUMNS FROM t IN db") == "SHOW FULL COLUMNS FROM t_0 IN db");
  CHECK(rewritten("SHOW INDEX FROM t") == "SHOW INDEX FROM t_0");
  CHECK(rewritten("SHOW CREATE TABLE db.t") == "SHOW CREATE TABLE db.t_0");
  CHECK(rewritten("SHOW TABLES FROM orders") == "SHOW TABLES FROM orders");
  CHECK(rewritten("SHOW FULL TABLES IN orders LIKE 'o%'") == "SHOW FULL TABLES IN orders LIKE 'o%'");
  CHECK(rewritten("SHOW TABLE STATUS FROM orders") == "SHOW TABLE STATUS FROM orders");
  CHECK(rewritten("SHOW TRIGGERS FROM orders") == "SHOW TRIGGERS FROM orders");
  // CREATE INDEX: the index type written before ON moves after the key parts.
  CHECK(rewritten("CREATE INDEX i USING BTREE ON t (a)") == "CREATE INDEX i ON t_0 (a) USING BTREE");
}

TEST_CASE("adjacent strings are one value, not a literal and an alias", "[parser]") {
  auto r = parse("SELECT 'a' 'b' FROM t WHERE k = 'x' 'y'");
  REQUIRE(r.has_value());
  const auto& s = std::get<ast::select_stmt>(r->node);
  REQUIRE(s.items.size() == 1);
  CHECK_FALSE(s.items[0].alias);
  // not a string literal: routing must not read 'x' as the value of k
  CHECK(s.where->args[1]->kind == ast::expr_kind::special);
  CHECK(format(*r) == "SELECT 'a' 'b' FROM t WHERE k = 'x' 'y'");
}

TEST_CASE("string aliases are unescaped", "[parser]") {
  auto r = parse("SELECT a AS 'it''s', b \"q\"\"d\", c 'x\\'y' FROM t");
  REQUIRE(r.has_value());
  const auto& s = std::get<ast::select_stmt>(r->node);
  REQUIRE(s.items.size() == 3);
  CHECK(s.items[0].alias->name == "it's");
  CHECK(s.items[1].alias->name == "q\"d");
  CHECK(s.items[2].alias->name == "x'y");
}

TEST_CASE("charset introducers need a character set name", "[parser]") {
  auto r = parse("SELECT _utf8mb4 'x', _foo 'y'");
  REQUIRE(r.has_value());
  const auto& s = std::get<ast::select_stmt>(r->node);
  REQUIRE(s.items.size() == 2);
  CHECK(s.items[0].value->kind == ast::expr_kind::literal);
  CHECK(s.items[0].value->charset == "utf8mb4");
  CHECK_FALSE(s.items[0].alias);
  CHECK(s.items[1].value->kind == ast::expr_kind::column);  // _foo is a column, 'y' its alias
  CHECK(s.items[1].alias->name == "y");
}
