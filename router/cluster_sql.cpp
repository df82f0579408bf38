#include "router/cluster_sql.hpp"

namespace shardwire::router::cluster_sql {

namespace {
std::string enclosed(std::string_view s, char quote) {
  std::string out;  // appended piecewise: GCC 12 warns (-Wrestrict) about "`" + s + "`" at -O3
  out.reserve(s.size() + 2);
  out.push_back(quote);
  for (char c : s) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  out.push_back(quote);
  return out;
}
}  // namespace

std::string quote_id(std::string_view name) { return enclosed(name, '`'); }

std::string quote_id(std::string_view db, std::string_view table) {
  std::string out = quote_id(db);
  out += '.';
  out += quote_id(table);
  return out;
}

std::string name_literal(std::string_view name) { return enclosed(name, '\''); }

std::string heartbeat_write(std::string_view table) {
  return "INSERT INTO " + std::string(table) + " (id, ts) VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE ts = NOW(6)";
}

std::string heartbeat_create_database(std::string_view table) {
  return "CREATE DATABASE IF NOT EXISTS " + std::string(table.substr(0, table.find('.')));
}

std::string heartbeat_create_table(std::string_view table) {
  return "CREATE TABLE IF NOT EXISTS " + std::string(table) + " (id INT NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL)";
}

std::string heartbeat_age(std::string_view table) {
  return "SELECT TIMESTAMPDIFF(MICROSECOND, ts, NOW(6)) AS age FROM " + std::string(table) + " WHERE id = 1";
}

std::string session_init(unsigned lock_wait_timeout_s) {
  return "SET SESSION lock_wait_timeout = " + std::to_string(lock_wait_timeout_s) + ", foreign_key_checks = 0";
}

std::string list_tables(std::string_view db) {
  return "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + name_literal(db);
}

std::string table_exists(std::string_view db, std::string_view table) {
  return "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + name_literal(db) +
         " AND TABLE_NAME = " + name_literal(table);
}

std::string show_create_table(std::string_view db, std::string_view table) {
  return "SHOW CREATE TABLE " + quote_id(db, table);
}

std::string create_database(std::string_view db) { return "CREATE DATABASE IF NOT EXISTS " + quote_id(db); }

std::string create_table_like(std::string_view db, std::string_view table, std::string_view model_db,
                              std::string_view model_table) {
  return "CREATE TABLE IF NOT EXISTS " + quote_id(db, table) + " LIKE " + quote_id(model_db, model_table);
}

std::optional<std::string> create_table_from(std::string_view shown, std::string_view model_table, std::string_view db,
                                             std::string_view table) {
  std::string head = "CREATE TABLE " + quote_id(model_table);
  if (!shown.starts_with(head)) return std::nullopt;
  return "CREATE TABLE IF NOT EXISTS " + quote_id(db, table) + std::string(shown.substr(head.size()));
}

std::string generated_key_alter(std::string_view db, std::string_view table, std::string_view column) {
  return "SELECT CONCAT('ALTER TABLE ', " + name_literal(quote_id(db, table)) + ", ' MODIFY ', " +
         name_literal(quote_id(column)) +
         ", ' ', COLUMN_TYPE, ' NOT NULL AUTO_INCREMENT COMMENT ', QUOTE(COLUMN_COMMENT))"
         " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
         name_literal(db) + " AND TABLE_NAME = " + name_literal(table) + " AND COLUMN_NAME = " + name_literal(column) +
         " AND DATA_TYPE IN ('tinyint', 'smallint', 'mediumint', 'int', 'bigint') AND COLUMN_KEY <> ''"
         " AND (COLUMN_DEFAULT IS NULL OR COLUMN_DEFAULT = 'NULL') AND EXTRA NOT LIKE '%auto_increment%'";
}

}  // namespace shardwire::router::cluster_sql
