// Metadata shadow tables. Every sharded or broadcast table has an EMPTY table of the same
// name and shape in its logical database on the schema's default data source
// (`orders.order_info` on ds0), the "shadow". It never holds rows: DML is routed to the
// physical nodes. It exists so that what drivers and ORMs ask about a logical table by
// name (information_schema, SHOW CREATE TABLE, DESCRIBE, SHOW COLUMNS/INDEX) is answered
// by the server itself under the logical name, with no result rewriting. So DDL keeps
// the shadow in step with the nodes, and metadata statements read it.
#include "router/key_generator.hpp"
#include "router/planner_impl.hpp"

namespace shardwire::router::detail {

namespace {

// Config names exclude `.`, backticks and whitespace, but may still need quoting (`a-b`, `42`).
ast::identifier plain_or_quoted(const std::string& name) {
  bool plain = !name.empty();
  bool digits = true;
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    plain = plain && alnum;
    digits = digits && c >= '0' && c <= '9';
  }
  return {name, !plain || digits};
}

// The shadow of `written` (a reference to a table of `s`): `<logical db>.<table>`, the
// table as the client wrote it.
ast::table_name shadow_name(const schema_rules& s, const ast::table_name& written) {
  ast::table_name out;
  out.schema = written.schema && written.schema->name == s.name ? *written.schema : plain_or_quoted(s.name);
  out.table = written.table;
  return out;
}

std::string text(const ast::table_name& n) {
  return (n.schema ? format_identifier(*n.schema) + "." : "") + format_identifier(n.table);
}

// Prints every sharded/broadcast table of a statement as its shadow.
class shadow_mapper : public name_mapper {
 public:
  explicit shadow_mapper(const std::vector<resolved_table>& tables) : tables_(tables) {}
  std::optional<ast::table_name> table(const ast::table_name& name) const override {
    for (const auto& t : tables_) {
      if (t.name == &name && t.rule) return shadow_name(*t.schema, name);
    }
    return std::nullopt;
  }
  std::optional<ast::table_name> qualifier(const ast::table_name&) const override { return std::nullopt; }

 private:
  const std::vector<resolved_table>& tables_;
};

plan single_target(const std::string& data_source, const std::string& database, std::string sql) {
  plan p;
  p.type = plan::kind::single;
  p.targets.push_back({data_source, database, std::move(sql)});
  return p;
}

std::string unquoted(std::string w) {
  if (w.size() >= 2 && w.front() == '`' && w.back() == '`') w = w.substr(1, w.size() - 2);
  return w;
}

bool is_word(const ast::opaque_piece& p, std::string_view upper) {
  const auto* s = std::get_if<std::string>(&p.value);
  return s && ascii_upper(*s) == upper;
}

// SHOW [FULL] COLUMNS|INDEX|KEYS FROM t [FROM db], SHOW CREATE TABLE t: the parser made
// `t` a table piece; a second FROM/IN names its database and is folded into the shadow's name.
std::optional<plan_result> show_shadow(const ast::show_stmt& sh, std::string_view sql, const route_context& ctx) {
  std::size_t at = 0;
  while (at < sh.body.size() && !std::holds_alternative<ast::table_name>(sh.body[at].value)) ++at;
  if (at == sh.body.size()) return std::nullopt;
  const auto& name = std::get<ast::table_name>(sh.body[at].value);
  std::optional<std::string> from_db;
  if (at + 2 < sh.body.size() && (is_word(sh.body[at + 1], "FROM") || is_word(sh.body[at + 1], "IN"))) {
    if (const auto* w = std::get_if<std::string>(&sh.body[at + 2].value)) from_db = unquoted(*w);
  }
  std::string db = from_db ? *from_db : name.schema ? name.schema->name : ctx.current_schema;
  const schema_rules* s = ctx.rules->find_schema(db);
  const table_rule* rule = s ? s->find_table(name.table.name) : nullptr;
  if (!rule) {
    if (!from_db) return std::nullopt;  // the general path resolves it like any statement
    // The table is db's, not the session database's: as written, to db's data source.
    const schema_rules* current = ctx.rules->find_schema(ctx.current_schema);
    plan p;
    p.targets.push_back({s         ? s->default_data_source
                         : current ? current->default_data_source
                                   : ctx.default_data_source,
                         "", std::string(sql)});
    return p;
  }
  ast::show_stmt out;
  for (std::size_t k = 0; k < sh.body.size(); ++k) {
    if (from_db && (k == at + 1 || k == at + 2)) continue;
    out.body.push_back(sh.body[k]);
    if (k == at) out.body.back().value = shadow_name(*s, name);
  }
  ast::statement st;
  st.node = std::move(out);
  return single_target(s->default_data_source, s->name, format(st));
}

}  // namespace

std::optional<plan_result> route_metadata(const ast::statement& st, std::string_view sql, const route_context& ctx) {
  if (!ctx.rules) return std::nullopt;
  if (const auto* sh = std::get_if<ast::show_stmt>(&st.node)) return show_shadow(*sh, sql, ctx);
  const auto* e = std::get_if<ast::explain_stmt>(&st.node);
  if (!e || e->target || !e->table) return std::nullopt;
  // DESCRIBE t / EXPLAIN t [column]
  auto tables = resolve(st, ctx);
  if (tables.size() != 1 || !tables.front().rule) return std::nullopt;
  shadow_mapper map(tables);
  return single_target(tables.front().schema->default_data_source, tables.front().schema->name, format(st, &map));
}

std::optional<protocol::sql_error> refused_ddl(const ast::ddl_stmt& d) {
  // Renaming would need every node and the rules renamed together.
  if (d.type == ast::ddl_stmt::kind::rename_table) return unsupported("RENAME TABLE of a sharded or broadcast table");
  if (d.type != ast::ddl_stmt::kind::alter_table) return std::nullopt;
  for (std::size_t k = 0; k < d.body.size(); ++k) {
    // ALTER TABLE t RENAME [TO|AS] u; RENAME COLUMN / INDEX / KEY only change the shape.
    if (!is_word(d.body[k], "RENAME")) continue;
    if (k + 1 < d.body.size() &&
        (is_word(d.body[k + 1], "COLUMN") || is_word(d.body[k + 1], "INDEX") || is_word(d.body[k + 1], "KEY"))) {
      continue;
    }
    return unsupported("ALTER TABLE ... RENAME of a sharded or broadcast table");
  }
  return std::nullopt;
}

namespace {

bool is_integer_type(const ast::opaque_piece& p) {
  for (std::string_view t : {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT"}) {
    if (is_word(p, t)) return true;
  }
  return false;
}

bool names_column(const ast::opaque_piece& p, std::string_view column) {
  const auto* w = std::get_if<std::string>(&p.value);
  return w && ascii_upper(unquoted(*w)) == ascii_upper(std::string(column));
}

}  // namespace

// Where AUTO_INCREMENT goes in a CREATE TABLE body so that the shadow shows the key
// generator's column as generated by the database: ORMs (TypeORM's schema diff,
// Hibernate's validate) read information_schema to learn that. Only for an integer column
// without DEFAULT that is a key (inline or first in a key list), where MariaDB accepts it.
std::optional<std::size_t> auto_increment_position(const ast::opaque& body, std::string_view column) {
  std::optional<std::size_t> end;  // of the column's definition
  bool keyed = false, has_default = false, already = false;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t k = 0; k < body.size(); ++k) {
    bool open = is_word(body[k], "("), close = is_word(body[k], ")"), comma = is_word(body[k], ",");
    if (open && ++depth == 1) start = k + 1;
    if (!(close && depth == 1) && !(comma && depth == 1)) {
      if (close) --depth;
      continue;
    }
    // body[start, k) is one element of the table's definition list
    if (k > start + 1 && names_column(body[start], column)) {
      if (!is_integer_type(body[start + 1])) return std::nullopt;
      end = k;
      for (std::size_t i = start; i < k; ++i) {
        keyed = keyed || is_word(body[i], "PRIMARY") || is_word(body[i], "UNIQUE");
        has_default = has_default || is_word(body[i], "DEFAULT");
        already = already || is_word(body[i], "AUTO_INCREMENT");
      }
    } else {
      std::size_t i = start;
      while (i < k && !is_word(body[i], "(")) ++i;
      bool key_list = is_word(body[start], "PRIMARY") || is_word(body[start], "UNIQUE") ||
                      is_word(body[start], "KEY") || is_word(body[start], "INDEX") ||
                      is_word(body[start], "CONSTRAINT");
      keyed = keyed || (key_list && i + 1 < k && names_column(body[i + 1], column));
    }
    start = k + 1;
    if (close) --depth;
  }
  if (!end || !keyed || has_default || already) return std::nullopt;
  return end;
}

// The shadow's CREATE TABLE: `d` with AUTO_INCREMENT inserted at body[at], its tables
// printed as their shadows (the resolved tables re-pointed at the copy's names).
std::string format_with_auto_increment(const ast::ddl_stmt& d, std::size_t at,
                                       const std::vector<resolved_table>& tables) {
  ast::statement shadow;
  auto& copy = shadow.node.emplace<ast::ddl_stmt>();
  copy.type = d.type;
  copy.head = d.head;
  copy.tables = d.tables;
  copy.index = d.index;
  copy.index_head = d.index_head;
  copy.body = d.body;
  copy.body.insert(copy.body.begin() + static_cast<std::ptrdiff_t>(at),
                   ast::opaque_piece{std::string("AUTO_INCREMENT")});
  std::vector<resolved_table> moved = tables;
  for (auto& t : moved) {
    for (std::size_t i = 0; i < d.tables.size(); ++i) {
      if (t.name == &d.tables[i]) t.name = &copy.tables[i];
    }
    for (std::size_t i = 0; i < d.body.size(); ++i) {
      const auto* n = std::get_if<ast::table_name>(&d.body[i].value);
      if (n && t.name == n) t.name = &std::get<ast::table_name>(copy.body[i < at ? i : i + 1].value);
    }
  }
  shadow_mapper map(moved);
  return format(shadow, &map);
}

plan_result with_shadow(plan_result r, const ast::statement& st, const std::vector<resolved_table>& tables) {
  const auto* d = std::get_if<ast::ddl_stmt>(&st.node);
  using kind = ast::ddl_stmt::kind;
  if (!r || !d || d->type == kind::truncate_table || d->type == kind::rename_table) return r;
  // A temporary table belongs to one backend connection: nothing shared to describe.
  if (d->head.find("TEMPORARY") != std::string::npos) return r;
  const resolved_table* first = nullptr;
  std::vector<std::string> logical;  // shadows named by the statement
  for (const auto& t : tables) {
    if (!t.rule) {
      // CREATE TABLE t LIKE region would otherwise create t once per copy's database.
      return unsupported("DDL naming sharded or broadcast and other tables together (" + t.name->table.name + ")");
    }
    if (!first) first = &t;
    if (t.schema->default_data_source != first->schema->default_data_source) {
      return unsupported("DDL on logical tables of databases on different default data sources (" +
                         first->schema->name + ", " + t.schema->name + ")");
    }
    logical.push_back(text(shadow_name(*t.schema, *t.name)));
  }
  if (!first) return r;
  const schema_rules& s = *first->schema;
  std::string sql;
  bool like = false;
  for (std::size_t k = 0; k + 1 < d->body.size(); ++k) {
    like = like || (is_word(d->body[k], "LIKE") && std::holds_alternative<ast::table_name>(d->body[k + 1].value));
  }
  if (d->type == kind::drop_table) {
    // IF EXISTS: a missing shadow must not fail the user's DROP (the nodes decide that).
    sql = "DROP TABLE IF EXISTS ";
    for (std::size_t i = 0; i < logical.size(); ++i) sql += (i ? ", " : "") + logical[i];
  } else if (d->type == kind::create_table && (d->as_select || like)) {
    // CREATE ... SELECT would fill the shadow, LIKE may name a table elsewhere: copy the
    // shape of a node the statement has just created on the same server (it runs first).
    const data_node* model = nullptr;
    for (const auto& n : first->rule->nodes()) {
      if (!model && n.data_source == s.default_data_source) model = &n;
    }
    if (!model) {
      return unsupported("CREATE TABLE ... " + std::string(d->as_select ? "SELECT" : "LIKE") + " of " +
                         first->rule->name() + ", which has no node on " + s.default_data_source +
                         " to copy its metadata table from (write the column definitions)");
    }
    sql = d->head + " " + logical.front() + " LIKE " +
          text({plain_or_quoted(model->database), plain_or_quoted(model->table)});
  } else {
    shadow_mapper map(tables);
    sql = format(st, &map);
    const auto* keys = first->rule->key_generator();
    auto at = d->type == kind::create_table && keys ? auto_increment_position(d->body, keys->column()) : std::nullopt;
    if (at) sql = format_with_auto_increment(*d, *at, tables);
  }
  r->targets.push_back({s.default_data_source, s.name, std::move(sql)});  // after the nodes: LIKE reads one
  return r;
}

}  // namespace shardwire::router::detail
