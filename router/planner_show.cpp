// SHOW TABLES / SHOW DATABASES in terms of logical databases: the sharded and
// broadcast tables of a logical database are listed under their logical names next
// to its unsharded tables (each once: their metadata shadows are tables of it too), and
// the physical databases (db_0, ...) are hidden. The answer is one SELECT on the logical
// database's default data source.
#include <algorithm>

#include "router/lexer.hpp"
#include "router/planner_impl.hpp"

namespace shardwire::router::detail {

namespace {

std::string quoted(std::string_view s) {  // a string literal
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

std::string unquoted_name(std::string w) {
  if (w.size() >= 2 && w.front() == '`' && w.back() == '`') w = w.substr(1, w.size() - 2);
  return w;
}

}  // namespace

std::optional<plan> show_logical(const ast::show_stmt& sh, const route_context& ctx) {
  if (!ctx.rules) return std::nullopt;
  std::vector<std::string> words;
  for (const auto& piece : sh.body) {
    if (const auto* w = std::get_if<std::string>(&piece.value)) {
      words.push_back(*w);
    } else {
      const auto& t = std::get<ast::table_name>(piece.value);
      words.push_back(t.table.name);  // FROM db is parsed as a table reference
    }
  }
  std::size_t i = 0;
  bool full = i < words.size() && ascii_upper(words[i]) == "FULL";
  if (full) ++i;
  if (i >= words.size()) return std::nullopt;
  std::string what = ascii_upper(words[i++]);
  std::optional<std::string> like;
  auto tail = [&](std::size_t& k) -> bool {  // [LIKE 'pattern']; anything else: not ours
    if (k == words.size()) return true;
    if (ascii_upper(words[k]) == "LIKE" && k + 2 == words.size()) {
      like = words[k + 1];
      k += 2;
      return true;
    }
    return false;
  };
  plan p;  // one rewritten statement on one data source
  p.type = plan::kind::single;
  if (what == "TABLES") {
    std::string db = ctx.current_schema;
    if (i + 1 < words.size() && (ascii_upper(words[i]) == "FROM" || ascii_upper(words[i]) == "IN")) {
      db = unquoted_name(words[i + 1]);
      i += 2;
    }
    const schema_rules* s = ctx.rules->find_schema(db);
    if (!s || !tail(i)) return std::nullopt;
    std::string col = format_identifier({"Tables_in_" + db, true});
    std::string title = like ? format_identifier({"Tables_in_" + db + " (" + string_literal_value(*like) + ")", true}) : col;
    std::string sql = "SELECT " + col + (like ? " AS " + title : "") + (full ? ", `Table_type`" : "") + " FROM (SELECT TABLE_NAME AS " + col +
                      ", TABLE_TYPE AS `Table_type` FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + quoted(db);
    // UNION (distinct): a logical table's metadata shadow is a real table of db, listed
    // once whether its shadow exists yet or not.
    for (const auto& [name, _] : s->tables) sql += " UNION SELECT " + quoted(name) + ", 'BASE TABLE'";
    sql += ") AS `__sw_t`";
    if (like) sql += " WHERE " + col + " LIKE " + *like;
    sql += " ORDER BY 1";
    p.targets.push_back({s->default_data_source, "", sql});
    return p;
  }
  if (what == "DATABASES" || what == "SCHEMAS") {
    if (full || !tail(i)) return std::nullopt;
    std::vector<std::string> physical, logical;
    for (const auto& [name, schema] : ctx.rules->schemas) {
      logical.push_back(name);
      for (const auto& [db, _] : schema.databases) physical.push_back(db);
    }
    std::string title = like ? format_identifier({"Database (" + string_literal_value(*like) + ")", true}) : "`Database`";
    std::string sql = "SELECT `Database`" + (like ? " AS " + title : "") +
                      " FROM (SELECT SCHEMA_NAME AS `Database` FROM information_schema.SCHEMATA";
    if (!physical.empty()) {
      sql += " WHERE SCHEMA_NAME NOT IN (";
      for (std::size_t k = 0; k < physical.size(); ++k) sql += (k ? ", " : "") + quoted(physical[k]);
      sql += ")";
    }
    for (const auto& name : logical) sql += " UNION SELECT " + quoted(name);
    sql += ") AS `__sw_d`";
    if (like) sql += " WHERE `Database` LIKE " + *like;
    sql += " ORDER BY 1";
    p.targets.push_back({ctx.default_data_source, "", sql});
    return p;
  }
  return std::nullopt;
}

}  // namespace shardwire::router::detail
