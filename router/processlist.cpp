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

// Valid UTF-8 kept, every other byte '?': the literal is _utf8mb4, which the server
// refuses with anything else (and one client's attributes must not fail another's query).
std::string utf8_clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; ok && k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= least[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

// The first `chars` characters of UTF-8 text.
std::string_view utf8_prefix(std::string_view s, std::size_t chars) {
  std::size_t i = 0;
  for (std::size_t n = 0; i < s.size() && n < chars; ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
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

std::optional<std::string> substitute_table(std::string_view sql, std::string_view schema, std::string_view table,
                                            std::string_view table_sql) {
  auto toks = lex(sql);
  if (toks.empty() || toks.back().kind == token_kind::error) return std::nullopt;
  std::string out;
  std::size_t copied = 0, replaced = 0, mentions = 0;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    if (names(toks[i], table)) ++mentions;
    if (i + 2 >= toks.size() || !names(toks[i], schema) || !toks[i + 1].is_op(".") || !names(toks[i + 2], table)) {
      continue;
    }
    const token& next = toks[i + 3 < toks.size() ? i + 3 : toks.size() - 1];
    bool aliased = next.is_word("AS") || next.kind == token_kind::quoted_identifier ||
                   (next.kind == token_kind::identifier && !clause_word(next));
    out.append(sql.substr(copied, toks[i].offset - copied));
    out += table_sql;
    if (!aliased) {
      out += " AS ";
      out += table;
    }
    copied = toks[i + 2].offset + toks[i + 2].length;
    ++replaced;
    ++mentions;
    i += 2;
  }
  if (replaced == 0 || replaced != mentions) return std::nullopt;
  out.append(sql.substr(copied));
  return out;
}

std::optional<std::string> substitute_processlist(std::string_view sql, std::string_view table_sql) {
  return substitute_table(sql, "INFORMATION_SCHEMA", "PROCESSLIST", table_sql);
}

std::string connect_attrs_table_sql(const std::vector<connect_attr_row>& rows) {
  std::string out = "(";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (i > 0) out += " UNION ALL ";
    out += fmt::format("SELECT {} AS PROCESSLIST_ID, {} AS ATTR_NAME, {} AS ATTR_VALUE, {} AS ORDINAL_POSITION", r.id,
                       str(utf8_prefix(utf8_clean(r.name), 32)), str(utf8_prefix(utf8_clean(r.value), 1024)),
                       r.ordinal);
  }
  if (rows.empty()) {
    out += "SELECT 0 AS PROCESSLIST_ID, '' AS ATTR_NAME, NULL AS ATTR_VALUE, 0 AS ORDINAL_POSITION FROM DUAL WHERE 0";
  }
  return out + ")";
}

}  // namespace shardwire::router
