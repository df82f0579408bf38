// router/parser + formatter: the round-trip table in roundtrip_cases.sql and the
// error table in parse_error_cases.sql.
//
// roundtrip_cases.sql: a statement per line; an optional next line "=> normalized"
// gives the formatter's output when it differs from the input. Every case must parse,
// print exactly the normalized text, and that text must parse and print to itself.
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
  CHECK(cases.size() >= 100);
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
  CHECK(count >= 10);
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
