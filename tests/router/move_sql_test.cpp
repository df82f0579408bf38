// The statements that move rows across shards: safe literals only, chunked INSERTs.
#include "router/move_sql.hpp"

#include <catch2/catch.hpp>

using namespace shardwire::router;
using namespace shardwire::router::move_sql;

namespace {
const data_node from{"ds0", "db_0", "account_1"};
const data_node to{"ds1", "db_5", "account_2"};
const std::vector<column> cols{{"id", true}, {"na`me", false}, {"ratio", true}};
}  // namespace

TEST_CASE("move_sql: column query names the table as hex literals") {
  CHECK(columns_query(from) ==
        "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = _utf8mb4 X'64625F30' AND "
        "TABLE_NAME = _utf8mb4 X'6163636F756E745F31' AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION");
  CHECK(numeric_type("bigint"));
  CHECK(numeric_type("double"));
  CHECK_FALSE(numeric_type("varchar"));
  CHECK_FALSE(numeric_type("bit"));
}

TEST_CASE("move_sql: select, delete") {
  CHECK(select_rows(from, cols, "user_id", "42") ==
        "SELECT `id`, HEX(`na``me`), `ratio` FROM `db_0`.`account_1` WHERE `user_id` = 42 FOR UPDATE");
  CHECK(delete_rows(from, "user_id", "-7") == "DELETE FROM `db_0`.`account_1` WHERE `user_id` = -7");
}

TEST_CASE("move_sql: inserts carry bytes as binary hex and numbers checked") {
  std::vector<row> rows{{"1", "27225C00", "0.1"}, {"2", std::nullopt, std::nullopt}};
  auto ins = insert_rows(to, cols, rows);
  REQUIRE(ins);
  REQUIRE(ins->size() == 1);
  CHECK(ins->front() ==
        "INSERT INTO `db_5`.`account_2` (`id`, `na``me`, `ratio`) VALUES (1, _binary X'27225C00', 0.1), (2, NULL, NULL)");
  SECTION("chunked by size, one row alone may exceed it") {
    auto small = insert_rows(to, cols, rows, 10);
    REQUIRE(small);
    CHECK(small->size() == 2);
    CHECK(small->back() == "INSERT INTO `db_5`.`account_2` (`id`, `na``me`, `ratio`) VALUES (2, NULL, NULL)");
  }
  SECTION("anything else is refused, never spliced") {
    CHECK_FALSE(insert_rows(to, cols, {{"1; DROP TABLE t", "00", "1"}}));
    CHECK_FALSE(insert_rows(to, cols, {{"1", "ZZ", "1"}}));
    CHECK_FALSE(insert_rows(to, cols, {{"1", "0", "1"}}));
    CHECK_FALSE(insert_rows(to, cols, {{"1", "00", "1'"}}));
  }
}
