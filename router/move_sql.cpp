#include "router/move_sql.hpp"

#include "router/formatter.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::router::move_sql {

namespace {

std::optional<std::string> unhex(std::string_view h) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (h.size() % 2) return std::nullopt;
  std::string out(h.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = digit(h[2 * i]), lo = digit(h[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string where_key(const std::string& key_column, const std::string& key_value) {
  std::string s = " WHERE ";
  s.append(format_identifier({key_column, true})).append(" = ").append(key_value);
  return s;
}

}  // namespace

std::string qualified(const data_node& n) {
  std::string s = format_identifier({n.database, true});
  s.append(".").append(format_identifier({n.table, true}));
  return s;
}

std::string select_list(const std::vector<column>& cols) {
  std::string s;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    std::string id = format_identifier({cols[i].name, true});
    if (i) s.append(", ");
    if (cols[i].numeric) {
      s.append(id);
    } else {
      s.append("HEX(").append(id).append(")");
    }
  }
  return s;
}

bool numeric_type(std::string_view t) {
  for (std::string_view n : {"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double", "year"}) {
    if (t == n) return true;
  }
  return false;
}

std::string columns_query(const data_node& table) {
  std::string s = "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ";
  s.append(hex_string_literal(table.database, "utf8mb4"))
      .append(" AND TABLE_NAME = ")
      .append(hex_string_literal(table.table, "utf8mb4"))
      .append(" AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION");
  return s;
}

std::string select_rows(const data_node& from, const std::vector<column>& cols, const std::string& key_column,
                        const std::string& key_value) {
  std::string s = "SELECT ";
  s.append(select_list(cols)).append(" FROM ").append(qualified(from)).append(where_key(key_column, key_value)).append(" FOR UPDATE");
  return s;
}

std::optional<std::vector<std::string>> insert_rows(const data_node& to, const std::vector<column>& cols,
                                                    const std::vector<row>& rows, std::size_t max_bytes,
                                                    std::string_view verb) {
  std::string head(verb);
  head.append(" INTO ");
  head.append(qualified(to)).append(" (");
  for (std::size_t i = 0; i < cols.size(); ++i) head.append(i ? ", " : "").append(format_identifier({cols[i].name, true}));
  head.append(") VALUES ");
  std::vector<std::string> out;
  std::string stmt;
  for (const auto& r : rows) {
    std::string tuple = "(";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) tuple += ", ";
      if (i >= r.size() || !r[i]) {
        tuple += "NULL";
        continue;
      }
      if (cols[i].numeric) {
        auto lit = numeric_literal(*r[i]);
        if (!lit) return std::nullopt;
        tuple += *lit;
      } else {
        auto bytes = unhex(*r[i]);
        if (!bytes) return std::nullopt;
        tuple += hex_string_literal(*bytes, "binary");
      }
    }
    tuple += ")";
    if (!stmt.empty() && stmt.size() + tuple.size() + 2 > max_bytes) out.push_back(std::move(stmt)), stmt.clear();
    if (stmt.empty()) {
      stmt = head;
    } else {
      stmt += ", ";
    }
    stmt += tuple;
  }
  if (!stmt.empty()) out.push_back(std::move(stmt));
  return out;
}

std::string delete_rows(const data_node& from, const std::string& key_column, const std::string& key_value) {
  std::string s = "DELETE FROM ";
  s.append(qualified(from)).append(where_key(key_column, key_value));
  return s;
}

}  // namespace shardwire::router::move_sql
