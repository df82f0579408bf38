// router/counts_sql: ROW_COUNT(), FOUND_ROWS(), CONNECTION_ID() replaced by the session's
// values in expressions of the functions' own types, select items keeping their names.
#include <catch2/catch.hpp>

#include "router/counts_sql.hpp"

using shardwire::router::session_counts;
using shardwire::router::substitute_counts;

namespace {
const session_counts counts{3, 7, 1073741826};

std::string sub(std::string_view sql) { return substitute_counts(sql, counts).value_or("(unchanged)"); }
}  // namespace

TEST_CASE("counts: whole select items keep their text as the column name", "[counts]") {
  CHECK(sub("SELECT ROW_COUNT()") == "SELECT IF(0, ROW_COUNT(), 3) AS `ROW_COUNT()`");
  CHECK(sub("SELECT FOUND_ROWS(), ROW_COUNT()") ==
        "SELECT IF(0, FOUND_ROWS(), 7) AS `FOUND_ROWS()`, IF(0, ROW_COUNT(), 3) AS `ROW_COUNT()`");
  CHECK(sub("select row_count( )") == "select IF(0, ROW_COUNT(), 3) AS `row_count( )`");
  CHECK(sub("SELECT CONNECTION_ID() > 0") ==
        "SELECT IF(0, CONNECTION_ID(), CAST(1073741826 AS UNSIGNED)) > 0 AS `CONNECTION_ID() > 0`");
  CHECK(sub("SELECT `ROW_COUNT`() + 1, 'x'") == "SELECT IF(0, ROW_COUNT(), 3) + 1 AS ```ROW_COUNT``() + 1`, 'x'");
  CHECK(sub("SELECT CAST(CONNECTION_ID() AS CHAR) REGEXP '^[0-9]+$' FROM DUAL") ==
        "SELECT CAST(IF(0, CONNECTION_ID(), CAST(1073741826 AS UNSIGNED)) AS CHAR) REGEXP '^[0-9]+$' AS "
        "`CAST(CONNECTION_ID() AS CHAR) REGEXP '^[0-9]+$'` FROM DUAL");
}

TEST_CASE("counts: aliased items and other clauses get no alias", "[counts]") {
  CHECK(sub("SELECT ROW_COUNT() AS rc") == "SELECT IF(0, ROW_COUNT(), 3) AS rc");
  CHECK(sub("SELECT ROW_COUNT() rc") == "SELECT IF(0, ROW_COUNT(), 3) rc");
  CHECK(sub("SELECT ROW_COUNT() `rc`") == "SELECT IF(0, ROW_COUNT(), 3) `rc`");
  CHECK(sub("SELECT ROW_COUNT() IS NULL") == "SELECT IF(0, ROW_COUNT(), 3) IS NULL AS `ROW_COUNT() IS NULL`");
  CHECK(sub("SELECT ROW_COUNT() AND flag FROM t") ==
        "SELECT IF(0, ROW_COUNT(), 3) AND flag AS `ROW_COUNT() AND flag` FROM t");
  CHECK(sub("SELECT a FROM t WHERE id = CONNECTION_ID()") ==
        "SELECT a FROM t WHERE id = IF(0, CONNECTION_ID(), CAST(1073741826 AS UNSIGNED))");
  CHECK(sub("SET @n = ROW_COUNT()") == "SET @n = IF(0, ROW_COUNT(), 3)");
  CHECK(sub("/* shardwire:x */ SELECT ROW_COUNT() INTO @r") ==
        "/* shardwire:x */ SELECT IF(0, ROW_COUNT(), 3) AS `ROW_COUNT()` INTO @r");
  CHECK(sub("INSERT INTO t VALUES (FOUND_ROWS())") == "INSERT INTO t VALUES (IF(0, FOUND_ROWS(), 7))");
  CHECK(sub("CREATE TABLE c AS SELECT ROW_COUNT() AS rc, FOUND_ROWS()") ==
        "CREATE TABLE c AS SELECT IF(0, ROW_COUNT(), 3) AS rc, IF(0, FOUND_ROWS(), 7) AS `FOUND_ROWS()`");
  CHECK(sub("SELECT (SELECT ROW_COUNT()) FROM t") ==
        "SELECT (SELECT IF(0, ROW_COUNT(), 3) AS `ROW_COUNT()`) AS `(SELECT ROW_COUNT())` FROM t");
}

TEST_CASE("counts: negative and large values keep the types", "[counts]") {
  session_counts c{-1, 18446744073709551615ull, 4294967295u};
  CHECK(substitute_counts("SELECT ROW_COUNT(), FOUND_ROWS(), CONNECTION_ID()", c) ==
        "SELECT IF(0, ROW_COUNT(), -1) AS `ROW_COUNT()`, IF(0, FOUND_ROWS(), 18446744073709551615) AS "
        "`FOUND_ROWS()`, IF(0, CONNECTION_ID(), CAST(4294967295 AS UNSIGNED)) AS `CONNECTION_ID()`");
}

TEST_CASE("counts: statements whose calls do not run now are left alone", "[counts]") {
  CHECK_FALSE(substitute_counts("SELECT 1", counts));
  CHECK_FALSE(substitute_counts("SELECT 'ROW_COUNT()'", counts));
  CHECK_FALSE(substitute_counts("SELECT ROW_COUNT", counts));  // a column named so
  CHECK_FALSE(substitute_counts("CREATE PROCEDURE p() BEGIN UPDATE t SET a = 1; SELECT ROW_COUNT(); END", counts));
  CHECK_FALSE(substitute_counts("CREATE DEFINER = CURRENT_USER FUNCTION f() RETURNS INT RETURN ROW_COUNT()", counts));
  CHECK_FALSE(substitute_counts("CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW SET @r = ROW_COUNT()", counts));
  CHECK_FALSE(substitute_counts("CREATE OR REPLACE VIEW v AS SELECT CONNECTION_ID()", counts));
  CHECK_FALSE(substitute_counts("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SET @r = ROW_COUNT()", counts));
  CHECK_FALSE(substitute_counts("BEGIN NOT ATOMIC UPDATE t SET a = 1; SELECT ROW_COUNT(); END", counts));
  CHECK_FALSE(substitute_counts("IF 1 THEN SELECT ROW_COUNT(); END IF", counts));
  CHECK_FALSE(substitute_counts("PREPARE s FROM 'SELECT ROW_COUNT()'", counts));
}

TEST_CASE("counts: only the first statement of a batch", "[counts]") {
  CHECK(sub("SELECT ROW_COUNT(); UPDATE t SET a = 1; SELECT ROW_COUNT()") ==
        "SELECT IF(0, ROW_COUNT(), 3) AS `ROW_COUNT()`; UPDATE t SET a = 1; SELECT ROW_COUNT()");
  CHECK_FALSE(substitute_counts("UPDATE t SET a = 1; SELECT ROW_COUNT()", counts));
  // CONNECTION_ID() is the session's in every statement of the batch.
  CHECK(sub("SELECT 1; SELECT CONNECTION_ID()") ==
        "SELECT 1; SELECT IF(0, CONNECTION_ID(), CAST(1073741826 AS UNSIGNED)) AS `CONNECTION_ID()`");
  // ... up to a statement whose body may hold `;` of its own.
  CHECK_FALSE(substitute_counts("SELECT 1; CREATE PROCEDURE p() BEGIN SELECT CONNECTION_ID(); END", counts));
}
