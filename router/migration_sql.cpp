#include "router/migration_sql.hpp"

#include <initializer_list>

#include "router/formatter.hpp"
#include "router/parser.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::router::migration_sql {

namespace {

std::string id(const std::string& name) { return format_identifier({name, true}); }

std::string log_of(const data_node& source) {
  return move_sql::qualified({source.data_source, source.database, std::string(changelog_table)});
}

std::string job_literal(std::string_view job) {
  std::string s = "'";
  s.append(job).append("'");  // valid_job_name: [a-z0-9_] only
  return s;
}

std::string trigger_id(std::string_view tag, std::string_view suffix) {
  std::string t = "_sw_";
  t.append(tag).append("_").append(suffix);
  return t;
}

std::string trigger_name(const data_node& table, std::string_view tag, std::string_view suffix) {
  return move_sql::qualified({table.data_source, table.database, trigger_id(tag, suffix)});
}

std::string key_list(const std::vector<std::string>& keys) {
  if (keys.empty()) return "(NULL)";  // matches nothing, and is valid SQL
  std::string s = "(";
  for (std::size_t i = 0; i < keys.size(); ++i) s.append(i ? ", " : "").append(keys[i]);
  return s + ")";
}

std::string between(const std::string& key, const std::string& lo, const std::string& hi) {
  std::string s;
  if (!lo.empty()) s.append(" WHERE ").append(id(key)).append(" > ").append(lo);
  if (!hi.empty()) s.append(lo.empty() ? " WHERE " : " AND ").append(id(key)).append(" <= ").append(hi);
  return s;
}

// One column's exact value as text for the checksum; 'N' (no hex digit, no number) for NULL.
std::string exact(const column& c) {
  std::string s = "IFNULL(";
  if (c.numeric) {
    s.append("CAST(").append(id(c.name)).append(" AS CHAR)");
  } else {
    s.append("HEX(").append(id(c.name)).append(")");
  }
  return s + ", 'N')";
}

}  // namespace

bool valid_job_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool valid_token(std::string_view t) {
  if (t.size() < 16 || t.size() > 32) return false;
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string mark_applier(std::string_view token) {
  std::string s = "SET @sw_apply_";
  s.append(token).append(" = 1");  // valid_token: hex digits only
  return s;
}

std::string take_lock(std::string_view job) {
  std::string s = "SELECT GET_LOCK('shardwire_migration_";
  s.append(job).append("', 0)");  // valid_job_name: [a-z0-9_] only
  return s;
}

bool integer_text(std::string_view t) {
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  if (t.empty() || t.size() > 20) return false;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool key_less(std::string_view a, std::string_view b) {
  const bool na = !a.empty() && a.front() == '-', nb = !b.empty() && b.front() == '-';
  if (na) a.remove_prefix(1);
  if (nb) b.remove_prefix(1);
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a == "0" && b == "0") return false;  // -0 == 0
  if (na != nb) return na;
  // Same sign: compare magnitudes (by length, then digits); negatives reverse it.
  const bool less = a.size() != b.size() ? a.size() < b.size() : a < b;
  const bool greater = a.size() != b.size() ? a.size() > b.size() : a > b;
  return na ? greater : less;
}

std::string create_changelog(const data_node& source) {
  std::string s = "CREATE TABLE IF NOT EXISTS ";
  s.append(log_of(source))
      .append(" (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, job VARCHAR(32) NOT NULL, "
              "old_key DECIMAL(20,0) NULL, new_key DECIMAL(20,0) NULL, old_route LONGTEXT NULL, "
              "KEY job_id (job, id)) ENGINE=InnoDB");
  return s;
}

std::vector<std::string> create_triggers(const data_node& source, std::string_view job, std::string_view tag,
                                         std::string_view token, const std::string& key,
                                         const std::vector<std::string>& route_columns) {
  auto route = [&](const char* row) {
    std::string r = "JSON_ARRAY(";
    for (std::size_t i = 0; i < route_columns.size(); ++i) {
      r.append(i ? ", " : "").append(row).append(".").append(id(route_columns[i]));
    }
    return r + ")";
  };
  std::string table = move_sql::qualified(source);
  // Writes of the job's own appliers (mark_applier on their connections) are not
  // logged: applying a change in one direction must not log it for the other.
  std::string into = " FOR EACH ROW INSERT INTO ";
  into.append(log_of(source)).append(" (job, old_key, new_key, old_route) SELECT ");
  into.append(job_literal(job)).append(", ");
  std::string old_key = "OLD.", new_key = "NEW.";
  old_key.append(id(key));
  new_key.append(id(key));
  std::string guard = " FROM DUAL WHERE @sw_apply_";
  guard.append(token).append(" IS NULL");
  std::vector<std::string> out;
  std::string ins = "CREATE TRIGGER ";
  ins.append(trigger_name(source, tag, "ai")).append(" AFTER INSERT ON ").append(table).append(into);
  ins.append("NULL, ").append(new_key).append(", NULL").append(guard);
  out.push_back(std::move(ins));
  std::string upd = "CREATE TRIGGER ";
  upd.append(trigger_name(source, tag, "au")).append(" AFTER UPDATE ON ").append(table).append(into);
  upd.append(old_key).append(", ").append(new_key).append(", ").append(route("OLD")).append(guard);
  out.push_back(std::move(upd));
  std::string del = "CREATE TRIGGER ";
  del.append(trigger_name(source, tag, "ad")).append(" AFTER DELETE ON ").append(table).append(into);
  del.append(old_key).append(", NULL, ").append(route("OLD")).append(guard);
  out.push_back(std::move(del));
  return out;
}

namespace {
std::vector<std::string> drop_named(const data_node& table, std::string_view tag, std::initializer_list<const char*> suffixes) {
  std::vector<std::string> out;
  for (const char* suffix : suffixes) {
    std::string s = "DROP TRIGGER IF EXISTS ";
    out.push_back(s.append(trigger_name(table, tag, suffix)));
  }
  return out;
}
}  // namespace

std::vector<std::string> drop_triggers(const data_node& table, std::string_view tag) {
  return drop_named(table, tag, {"ai", "au", "ad"});
}

std::vector<std::string> create_guard_triggers(const data_node& table, std::string_view tag, std::string_view token) {
  std::vector<std::string> out;
  const char* events[][2] = {{"bi", "INSERT"}, {"bu", "UPDATE"}, {"bd", "DELETE"}};
  for (const auto& e : events) {
    std::string s = "CREATE TRIGGER ";
    s.append(trigger_name(table, tag, e[0])).append(" BEFORE ").append(e[1]).append(" ON ");
    s.append(move_sql::qualified(table)).append(" FOR EACH ROW IF @sw_apply_").append(token);
    s.append(" IS NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = "
             "'shardwire: this table was migrated; its writes go to the migration target now'; END IF");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> drop_guard_triggers(const data_node& table, std::string_view tag) {
  return drop_named(table, tag, {"bi", "bu", "bd"});
}

std::string triggers_query(const data_node& table, std::string_view tag) {
  std::string s = "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ";
  s.append(hex_string_literal(table.database, "utf8mb4"))
      .append(" AND EVENT_OBJECT_TABLE = ")
      .append(hex_string_literal(table.table, "utf8mb4"))
      .append(" AND TRIGGER_NAME IN (");
  for (const char* suffix : {"ai", "au", "ad"}) {
    s.append(suffix[1] == 'i' ? "" : ", ").append(hex_string_literal(trigger_id(tag, suffix), "utf8mb4"));
  }
  return s + ")";
}

std::string read_changes(const data_node& source, std::string_view job, std::size_t limit) {
  std::string s = "SELECT id, old_key, new_key, old_route FROM ";
  s.append(log_of(source)).append(" WHERE job = ").append(job_literal(job));
  s.append(" ORDER BY id LIMIT ").append(std::to_string(limit));
  return s;
}

std::string forget_changes(const data_node& source, std::string_view job, const std::vector<std::string>& ids) {
  std::string s = "DELETE FROM ";
  s.append(log_of(source)).append(" WHERE job = ").append(job_literal(job));
  s.append(" AND id IN ").append(key_list(ids));
  return s;
}

std::string pending_changes(const data_node& source, std::string_view job) {
  std::string s = "SELECT COUNT(*) FROM ";
  s.append(log_of(source)).append(" WHERE job = ").append(job_literal(job));
  return s;
}

std::string select_keys(const data_node& from, const std::vector<column>& cols, const std::string& key,
                        const std::vector<std::string>& keys, bool lock) {
  std::string s = "SELECT ";
  s.append(move_sql::select_list(cols)).append(" FROM ").append(move_sql::qualified(from));
  s.append(" WHERE ").append(id(key)).append(" IN ").append(key_list(keys));
  if (lock) s.append(" FOR UPDATE");
  return s;
}

std::string select_range(const data_node& from, const std::vector<column>& cols, const std::string& key,
                         const std::string& after, std::size_t limit, bool lock) {
  std::string s = "SELECT ";
  s.append(move_sql::select_list(cols)).append(" FROM ").append(move_sql::qualified(from));
  s.append(between(key, after, "")).append(" ORDER BY ").append(id(key));
  s.append(" LIMIT ").append(std::to_string(limit));
  if (lock) s.append(" FOR UPDATE");
  return s;
}

std::string select_between(const data_node& from, const std::vector<column>& cols, const std::string& key,
                           const std::string& lo, const std::string& hi, bool lock) {
  std::string s = "SELECT ";
  s.append(move_sql::select_list(cols)).append(" FROM ").append(move_sql::qualified(from));
  s.append(between(key, lo, hi));
  if (lock) s.append(" FOR UPDATE");
  return s;
}

std::string keys_between(const data_node& from, const std::string& key, const std::string& lo, const std::string& hi) {
  std::string s = "SELECT ";
  s.append(id(key)).append(" FROM ").append(move_sql::qualified(from)).append(between(key, lo, hi));
  return s;
}

std::string delete_keys(const data_node& from, const std::string& key, const std::vector<std::string>& keys) {
  std::string s = "DELETE FROM ";
  s.append(move_sql::qualified(from)).append(" WHERE ").append(id(key)).append(" IN ").append(key_list(keys));
  return s;
}

std::string chunk_end(const data_node& from, const std::string& key, const std::string& after, std::size_t n) {
  std::string s = "SELECT ";
  s.append(id(key)).append(" FROM ").append(move_sql::qualified(from)).append(between(key, after, ""));
  s.append(" ORDER BY ").append(id(key)).append(" LIMIT 1 OFFSET ").append(std::to_string(n == 0 ? 0 : n - 1));
  return s;
}

std::string checksum(const data_node& from, const std::vector<column>& cols, const std::string& key,
                     const std::string& lo, const std::string& hi) {
  std::string row = "CONCAT_WS('|'";
  for (const auto& c : cols) row.append(", ").append(exact(c));
  row += ")";
  std::string s = "SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5(";
  s.append(row).append("), 16), 16, 10) AS UNSIGNED)), 0) FROM ").append(move_sql::qualified(from));
  s.append(between(key, lo, hi));
  return s;
}

std::string rename_table(const data_node& from, const std::string& to) {
  std::string s = "RENAME TABLE ";
  s.append(move_sql::qualified(from)).append(" TO ");
  return s.append(move_sql::qualified({from.data_source, from.database, to}));
}

std::string table_rows_estimate(const data_node& from) {
  std::string s = "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ";
  s.append(hex_string_literal(from.database, "utf8mb4"))
      .append(" AND TABLE_NAME = ")
      .append(hex_string_literal(from.table, "utf8mb4"));
  return s;
}

std::string table_exists(const data_node& t) {
  std::string s = "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ";
  s.append(hex_string_literal(t.database, "utf8mb4"))
      .append(" AND TABLE_NAME = ")
      .append(hex_string_literal(t.table, "utf8mb4"));
  return s;
}

std::optional<std::string> archive_condition(const std::string& text, std::string& why) {
  std::string sql = "SELECT 1 FROM t WHERE ";
  sql.append(text);
  auto parsed = parse(sql);
  const auto* s = parsed ? std::get_if<ast::select_stmt>(&parsed->node) : nullptr;
  if (!s || !s->where || parsed->placeholders > 0 || !s->group_by.empty() || s->having || s->order_by.size() ||
      s->limit || s->lock != ast::lock_mode::none || !s->terms.empty() || !s->ctes.empty() ||
      s->items.size() != 1 || !s->into.empty() || !s->window.empty() || s->from.size() != 1) {
    why = parsed ? "not one SQL condition" : parsed.error().message;
    return std::nullopt;
  }
  return format(*s->where);
}

}  // namespace shardwire::router::migration_sql
