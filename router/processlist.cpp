#include "router/processlist.hpp"

#include <fmt/format.h>

#include "router/lexer.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::router {

namespace {

std::string str(std::string_view s) { return hex_string_literal(s, "utf8mb4"); }
std::string opt_str(const std::optional<std::string>& s) { return s ? str(*s) : "NULL"; }

bool names(const token& t, std::string_view upper) {
  if (t.kind != token_kind::identifier && t.kind != token_kind::quoted_identifier) return false;
  return ascii_upper(t.text) == upper;
}

// After a table reference: a word that starts the next clause, not an alias.
bool clause_word(const token& t) {
  for (std::string_view w : {"WHERE", "ORDER", "GROUP", "LIMIT", "JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "NATURAL",
                             "STRAIGHT_JOIN", "UNION", "EXCEPT", "INTERSECT", "HAVING", "WINDOW", "FOR", "LOCK", "INTO",
                             "ON", "USING", "PROCEDURE", "FULL", "OUTER", "USE", "IGNORE", "FORCE"}) {
    if (t.is_word(w)) return true;
  }
  return false;
}

}  // namespace

std::string processlist_table_sql(const std::vector<process_row>& rows) {
  std::string out = "(";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i > 0) out += " UNION ALL ";
    out += fmt::format(
        "SELECT {} AS ID, {} AS USER, {} AS HOST, {} AS DB, {} AS COMMAND, {} AS TIME, {} AS STATE, {} AS INFO, "
        "{:.3f} AS TIME_MS, 0 AS STAGE, 0 AS MAX_STAGE, 0.000 AS PROGRESS, 0 AS MEMORY_USED, 0 AS MAX_MEMORY_USED, "
        "0 AS EXAMINED_ROWS, 0 AS QUERY_ID, {} AS INFO_BINARY, 0 AS TID",
        r.id, str(r.user), str(r.host), opt_str(r.db), str(r.command), static_cast<std::int64_t>(r.time_s),
        str(r.state), opt_str(r.info), r.time_s * 1000.0,
        r.info ? hex_string_literal(*r.info, "binary") : std::string("NULL"));
  }
  if (rows.empty()) {
    out += "SELECT 0 AS ID, '' AS USER, '' AS HOST, NULL AS DB, '' AS COMMAND, 0 AS TIME, '' AS STATE, NULL AS INFO, "
           "0.000 AS TIME_MS, 0 AS STAGE, 0 AS MAX_STAGE, 0.000 AS PROGRESS, 0 AS MEMORY_USED, 0 AS MAX_MEMORY_USED, "
           "0 AS EXAMINED_ROWS, 0 AS QUERY_ID, NULL AS INFO_BINARY, 0 AS TID FROM DUAL WHERE 0";
  }
  return out + ")";
}

std::optional<std::string> substitute_processlist(std::string_view sql, std::string_view table_sql) {
  auto toks = lex(sql);
  if (toks.empty() || toks.back().kind == token_kind::error) return std::nullopt;
  std::string out;
  std::size_t copied = 0, replaced = 0, mentions = 0;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    if (names(toks[i], "PROCESSLIST")) ++mentions;
    if (i + 2 >= toks.size() || !names(toks[i], "INFORMATION_SCHEMA") || !toks[i + 1].is_op(".") ||
        !names(toks[i + 2], "PROCESSLIST")) {
      continue;
    }
    const token& next = toks[i + 3 < toks.size() ? i + 3 : toks.size() - 1];
    bool aliased = next.is_word("AS") || next.kind == token_kind::quoted_identifier ||
                   (next.kind == token_kind::identifier && !clause_word(next));
    out.append(sql.substr(copied, toks[i].offset - copied));
    out += table_sql;
    if (!aliased) out += " AS PROCESSLIST";
    copied = toks[i + 2].offset + toks[i + 2].length;
    ++replaced;
    ++mentions;
    i += 2;
  }
  if (replaced == 0 || replaced != mentions) return std::nullopt;
  out.append(sql.substr(copied));
  return out;
}

}  // namespace shardwire::router
