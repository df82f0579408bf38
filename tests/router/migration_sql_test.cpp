// router/migration_sql: the text of an online migration's statements. Keys and ids are
// spliced verbatim (callers check them with integer_text), job names are quoted as
// literals (valid_job_name keeps them to [a-z0-9_]), every identifier is backquoted.
#include "router/migration_sql.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace shardwire::router;
using namespace shardwire::router::migration_sql;

namespace {
const data_node src{"ds0", "app", "orders"};
const std::vector<column> cols{{"id", true}, {"na`me", false}};
const std::string head = "SELECT `id`, HEX(`na``me`) FROM `app`.`orders`";
}  // namespace

TEST_CASE("migration_sql: job names fit trigger names and literals", "[migration]") {
  for (const char* ok : {"a", "move_orders_2", "0", "_"}) CHECK(valid_job_name(ok));
  CHECK(valid_job_name(std::string(32, 'x')));
  CHECK_FALSE(valid_job_name(std::string(33, 'x')));  // the change log's job is VARCHAR(32)
  for (const char* bad : {"", "Move", "a'b", "a`b", "a-b", "a b", "a\\b", "a%"}) {
    INFO(bad);
    CHECK_FALSE(valid_job_name(bad));
  }
}

TEST_CASE("migration_sql: integer keys as the server prints them", "[migration]") {
  for (const char* ok : {"0", "42", "-12", "00", "12345678901234567890", "-12345678901234567890"}) {
    INFO(ok);
    CHECK(integer_text(ok));
  }
  // Anything else would be spliced into SQL as it is.
  for (const char* bad : {"", "-", "--1", "+1", "1.5", "1e3", " 1", "1 ", "0x10", "1;", "123456789012345678901"}) {
    INFO(bad);
    CHECK_FALSE(integer_text(bad));
  }
}

TEST_CASE("migration_sql: integer keys compare as integers", "[migration]") {
  CHECK(key_less("9", "10"));
  CHECK_FALSE(key_less("10", "9"));
  CHECK(key_less("-10", "-9"));
  CHECK(key_less("-1", "0"));
  CHECK(key_less("-12345678901234567890", "1"));
  CHECK(key_less("18446744073709551614", "18446744073709551615"));
  CHECK_FALSE(key_less("5", "5"));
  CHECK_FALSE(key_less("-0", "0"));
  CHECK_FALSE(key_less("0", "-0"));
  CHECK(key_less("007", "8"));
}

TEST_CASE("migration_sql: change log and its entries", "[migration]") {
  CHECK(create_changelog(src) ==
        "CREATE TABLE IF NOT EXISTS `app`.`_sw_changes` (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
        "job VARCHAR(32) NOT NULL, old_key DECIMAL(20,0) NULL, new_key DECIMAL(20,0) NULL, old_route LONGTEXT NULL, "
        "KEY job_id (job, id)) ENGINE=InnoDB");
  CHECK(read_changes(src, "j1", 500) ==
        "SELECT id, old_key, new_key, old_route FROM `app`.`_sw_changes` WHERE job = 'j1' ORDER BY id LIMIT 500");
  CHECK(forget_changes(src, "j1", {"3", "7", "12"}) ==
        "DELETE FROM `app`.`_sw_changes` WHERE job = 'j1' AND id IN (3, 7, 12)");
  CHECK(forget_changes(src, "j1", {"9"}) == "DELETE FROM `app`.`_sw_changes` WHERE job = 'j1' AND id IN (9)");
  CHECK(pending_changes(src, "j1") == "SELECT COUNT(*) FROM `app`.`_sw_changes` WHERE job = 'j1'");
}

TEST_CASE("migration_sql: triggers log the key before and after, and where the row was", "[migration]") {
  // The job names the log entries; the tag names the triggers (a target table's tag
  // carries the node's index). The appliers' own writes (mark_applier(token) run on
  // their connections) are not logged, or a change applied one way would be logged for
  // the other.
  const std::string log =
      " FOR EACH ROW INSERT INTO `app`.`_sw_changes` (job, old_key, new_key, old_route) SELECT 'j1', ";
  const std::string guard = " FROM DUAL WHERE @sw_apply_0123456789abcdef IS NULL";
  auto t = create_triggers(src, "j1", "j1_3", "0123456789abcdef", "id", {"user_id", "order_id"});
  REQUIRE(t.size() == 3u);
  // An insert has no old place; update and delete carry the OLD sharding values.
  CHECK(t[0] == "CREATE TRIGGER `app`.`_sw_j1_3_ai` AFTER INSERT ON `app`.`orders`" + log + "NULL, NEW.`id`, NULL" +
                    guard);
  CHECK(t[1] == "CREATE TRIGGER `app`.`_sw_j1_3_au` AFTER UPDATE ON `app`.`orders`" + log +
                    "OLD.`id`, NEW.`id`, JSON_ARRAY(OLD.`user_id`, OLD.`order_id`)" + guard);
  CHECK(t[2] == "CREATE TRIGGER `app`.`_sw_j1_3_ad` AFTER DELETE ON `app`.`orders`" + log +
                    "OLD.`id`, NULL, JSON_ARRAY(OLD.`user_id`, OLD.`order_id`)" + guard);
  CHECK(drop_triggers(src, "j1_3") == std::vector<std::string>{"DROP TRIGGER IF EXISTS `app`.`_sw_j1_3_ai`",
                                                              "DROP TRIGGER IF EXISTS `app`.`_sw_j1_3_au`",
                                                              "DROP TRIGGER IF EXISTS `app`.`_sw_j1_3_ad`"});
  // Exactly the three names, as hex literals: another job's triggers never count.
  CHECK(triggers_query(src, "j1") ==
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = _utf8mb4 X'617070' AND "
        "EVENT_OBJECT_TABLE = _utf8mb4 X'6F7264657273' AND TRIGGER_NAME IN (_utf8mb4 X'5F73775F6A315F6169', "
        "_utf8mb4 X'5F73775F6A315F6175', _utf8mb4 X'5F73775F6A315F6164')");
}

TEST_CASE("migration_sql: whether a table exists, names as hex literals", "[migration]") {
  CHECK(table_exists({"ds0", "db", "t"}) ==
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = _utf8mb4 X'6462' AND TABLE_NAME = _utf8mb4 X'74'");
}

TEST_CASE("migration_sql: apply tokens, the job's lock, renames", "[migration]") {
  CHECK(valid_token("0123456789abcdef"));
  CHECK(valid_token(std::string(32, 'a')));
  CHECK_FALSE(valid_token("0123456789abcde"));   // too short to guess-proof
  CHECK_FALSE(valid_token(std::string(33, 'a')));
  CHECK_FALSE(valid_token("0123456789ABCDEF"));  // lower-case hex only
  CHECK_FALSE(valid_token("0123456789abcde'"));
  CHECK(mark_applier("0123456789abcdef") == "SET @sw_apply_0123456789abcdef = 1");
  CHECK(take_lock("j1") == "SELECT GET_LOCK('shardwire_migration_j1', 0)");
  CHECK(rename_table(src, "orders_old") == "RENAME TABLE `app`.`orders` TO `app`.`orders_old`");
  CHECK(delete_keys(src, "id", {}) == "DELETE FROM `app`.`orders` WHERE `id` IN (NULL)");  // valid, matches nothing
}

TEST_CASE("migration_sql: identifiers with a backquote are escaped by doubling", "[migration]") {
  const data_node odd{"ds0", "a`pp", "or`ders"};
  auto t = create_triggers(odd, "j", "j", "0123456789abcdef", "i`d", {"u`id"});
  REQUIRE(t.size() == 3u);
  CHECK(t[1] ==
        "CREATE TRIGGER `a``pp`.`_sw_j_au` AFTER UPDATE ON `a``pp`.`or``ders` FOR EACH ROW INSERT INTO "
        "`a``pp`.`_sw_changes` (job, old_key, new_key, old_route) SELECT 'j', OLD.`i``d`, NEW.`i``d`, "
        "JSON_ARRAY(OLD.`u``id`) FROM DUAL WHERE @sw_apply_0123456789abcdef IS NULL");
  CHECK(create_changelog(odd).rfind("CREATE TABLE IF NOT EXISTS `a``pp`.`_sw_changes` (", 0) == 0u);
  CHECK(delete_keys(odd, "i`d", {"1"}) == "DELETE FROM `a``pp`.`or``ders` WHERE `i``d` IN (1)");
  // information_schema lookups carry names as bytes, never as identifiers.
  CHECK(table_rows_estimate(odd) ==
        "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = _utf8mb4 X'61607070' AND "
        "TABLE_NAME = _utf8mb4 X'6F726064657273'");
}

TEST_CASE("migration_sql: locked reads by key and by key range", "[migration]") {
  CHECK(select_keys(src, cols, "id", {"5", "-7"}, true) == head + " WHERE `id` IN (5, -7) FOR UPDATE");
  CHECK(select_keys(src, cols, "id", {"5"}, false) == head + " WHERE `id` IN (5)");

  CHECK(select_range(src, cols, "id", "", 500, true) == head + " ORDER BY `id` LIMIT 500 FOR UPDATE");
  CHECK(select_range(src, cols, "id", "42", 10, false) == head + " WHERE `id` > 42 ORDER BY `id` LIMIT 10");

  // (lo, hi]; "" is open on that side.
  CHECK(select_between(src, cols, "id", "10", "20", true) == head + " WHERE `id` > 10 AND `id` <= 20 FOR UPDATE");
  CHECK(select_between(src, cols, "id", "", "20", false) == head + " WHERE `id` <= 20");
  CHECK(select_between(src, cols, "id", "-10", "", false) == head + " WHERE `id` > -10");
  CHECK(select_between(src, cols, "id", "", "", true) == head + " FOR UPDATE");

  CHECK(keys_between(src, "id", "10", "20") == "SELECT `id` FROM `app`.`orders` WHERE `id` > 10 AND `id` <= 20");
  CHECK(keys_between(src, "id", "", "20") == "SELECT `id` FROM `app`.`orders` WHERE `id` <= 20");
  CHECK(keys_between(src, "id", "10", "") == "SELECT `id` FROM `app`.`orders` WHERE `id` > 10");
  CHECK(keys_between(src, "id", "", "") == "SELECT `id` FROM `app`.`orders`");
}

TEST_CASE("migration_sql: deletes on a target node", "[migration]") {
  const data_node target{"ds1", "db_3", "t_5"};
  CHECK(delete_keys(target, "id", {"1", "2", "-3"}) == "DELETE FROM `db_3`.`t_5` WHERE `id` IN (1, 2, -3)");
}

TEST_CASE("migration_sql: a chunk ends n rows after its start", "[migration]") {
  // The n-th row after `after` is at OFFSET n-1.
  CHECK(chunk_end(src, "id", "", 1000) == "SELECT `id` FROM `app`.`orders` ORDER BY `id` LIMIT 1 OFFSET 999");
  CHECK(chunk_end(src, "id", "42", 1) ==
        "SELECT `id` FROM `app`.`orders` WHERE `id` > 42 ORDER BY `id` LIMIT 1 OFFSET 0");
  CHECK(chunk_end(src, "id", "42", 0) ==  // no underflow
        "SELECT `id` FROM `app`.`orders` WHERE `id` > 42 ORDER BY `id` LIMIT 1 OFFSET 0");
}

TEST_CASE("migration_sql: checksum over each column's exact bytes, NULL distinct", "[migration]") {
  // Numerics as their text, the rest as HEX() of their bytes; 'N' is neither, so NULL
  // never equals a value.
  const std::string sum =
      "SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS('|', IFNULL(CAST(`id` AS CHAR), 'N'), "
      "IFNULL(HEX(`na``me`), 'N'))), 16), 16, 10) AS UNSIGNED)), 0) FROM `app`.`orders`";
  CHECK(checksum(src, cols, "id", "10", "20") == sum + " WHERE `id` > 10 AND `id` <= 20");
  CHECK(checksum(src, cols, "id", "", "20") == sum + " WHERE `id` <= 20");
  CHECK(checksum(src, cols, "id", "10", "") == sum + " WHERE `id` > 10");
  CHECK(checksum(src, cols, "id", "", "") == sum);
}
