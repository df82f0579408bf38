#include "router/session_sql.hpp"

#include <fmt/format.h>

#include "router/sql_literal.hpp"

namespace shardwire::router::session_sql {

std::string set_last_insert_id(std::uint64_t id) { return fmt::format("DO LAST_INSERT_ID({})", id); }

std::string set(const std::vector<std::string_view>& assignments) {
  std::string out = "SET ";
  for (std::size_t i = 0; i < assignments.size(); ++i) {
    if (i > 0) out += ", ";
    out += assignments[i];
  }
  return out;
}

std::string savepoint(std::string_view quoted_name) { return fmt::format("SAVEPOINT {}", quoted_name); }

std::string kill(std::string_view modifier, bool query, std::uint32_t thread) {
  std::string_view m = modifier == "HARD" ? "HARD " : modifier == "SOFT" ? "SOFT " : "";
  return fmt::format("KILL {}{} {}", m, query ? "QUERY" : "CONNECTION", thread);
}

std::string running_query_id(std::uint32_t thread) {
  return fmt::format("SELECT QUERY_ID AS query_id FROM information_schema.PROCESSLIST WHERE ID = {}", thread);
}

std::string kill_query_id(std::uint64_t query_id) { return fmt::format("KILL QUERY ID {}", query_id); }

std::string select_variables(const std::vector<std::string>& variables) {
  std::string out = "SELECT ";
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (i > 0) out += ", ";
    out += variables[i];
  }
  return out;
}

std::string gtid_wait(std::string_view position, double timeout_s) {
  return fmt::format("SELECT MASTER_GTID_WAIT({}, {:.3f})", hex_string_literal(position, "utf8mb4"), timeout_s);
}

std::string union_all(const std::vector<std::string_view>& statements, bool derived, std::string_view tail) {
  if (statements.size() == 1) return std::string(statements.front());  // one node: as planned
  std::string sql;
  for (std::size_t n = 0; n < statements.size(); ++n) {
    if (n > 0) sql += " UNION ALL ";
    if (derived) {
      sql += fmt::format("SELECT * FROM ({}) AS `__sw_d{}`", statements[n], n);
    } else {
      sql += fmt::format("({})", statements[n]);
    }
  }
  if (!tail.empty()) sql += fmt::format(" {}", tail);
  return sql;
}

}  // namespace shardwire::router::session_sql
