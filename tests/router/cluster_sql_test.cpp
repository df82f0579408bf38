#include "router/cluster_sql.hpp"

#include <catch2/catch.hpp>

namespace sql = shardwire::router::cluster_sql;

TEST_CASE("cluster SQL quotes names", "[cluster_sql]") {
  CHECK(sql::quote_id("a`b") == "`a``b`");
  CHECK(sql::quote_id("db", "t") == "`db`.`t`");
  CHECK(sql::name_literal("it's") == "'it''s'");
  CHECK(sql::table_exists("d'b", "t") ==
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'd''b' AND TABLE_NAME = 't'");
  CHECK(sql::heartbeat_create_database("sw.heartbeat") == "CREATE DATABASE IF NOT EXISTS sw");
}

TEST_CASE("a shadow is created from another server's SHOW CREATE TABLE", "[cluster_sql]") {
  auto c = sql::create_table_from("CREATE TABLE `order_info_3` (\n  `id` bigint NOT NULL\n) ENGINE=InnoDB", "order_info_3",
                                  "orders", "order_info");
  REQUIRE(c);
  CHECK(*c == "CREATE TABLE IF NOT EXISTS `orders`.`order_info` (\n  `id` bigint NOT NULL\n) ENGINE=InnoDB");
  CHECK_FALSE(sql::create_table_from("CREATE VIEW `v` AS SELECT 1", "order_info_3", "orders", "order_info"));
}
