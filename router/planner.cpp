#include <algorithm>

#include "router/key_generator.hpp"
#include "router/planner_merge.hpp"

namespace shardwire::router {

using namespace detail;
using protocol::errc;
using protocol::make_error;

namespace detail {

protocol::sql_error unsupported(const std::string& what) { return make_error(errc::not_supported, what); }

std::vector<resolved_table> resolve(const ast::statement& st, const route_context& ctx) {
  std::vector<resolved_table> out;
  for (const auto& use : collect_tables(st)) {
    std::string schema = use.name->schema ? use.name->schema->name : ctx.current_schema;
    const schema_rules* s = ctx.rules ? ctx.rules->find_schema(schema) : nullptr;
    const table_rule* r = s ? s->find_table(use.name->table.name) : nullptr;
    out.push_back({use.name, use.alias, s, r});
  }
  return out;
}

const resolved_table* node_mapper::find(const ast::table_name& n) const {
  for (const auto& t : tables_) {
    if (t.name == &n) return &t;
  }
  return nullptr;
}

std::optional<ast::table_name> node_mapper::physical(const resolved_table& t, bool with_schema) const {
  if (!t.rule) {
    // An unsharded table of a logical database, next to sharded ones: name its
    // database, or the node's connection would resolve it wherever it happens to be.
    if (!t.schema || !with_schema) return std::nullopt;
    return ast::table_name{ast::identifier{t.schema->name, false}, t.name->table};
  }
  ast::table_name out;
  if (t.rule->kind() == table_kind::sharded) {
    const data_node& n = t.rule->node(index_);
    if (with_schema) out.schema = ast::identifier{n.database, false};
    out.table = ast::identifier{n.table, false};
  } else {
    if (with_schema) out.schema = ast::identifier{database_, false};
    out.table = t.name->table;
  }
  return out;
}

std::optional<ast::table_name> node_mapper::table(const ast::table_name& name) const {
  const resolved_table* t = find(name);
  if (!t) return std::nullopt;
  return physical(*t, true);
}

std::optional<ast::table_name> node_mapper::qualifier(const ast::table_name& q) const {
  // Only a qualifier naming an unaliased logical table changes: t.col -> t_3.col.
  for (const auto& t : tables_) {
    if (!t.rule || t.alias || t.name->table.name != q.table.name) continue;
    // orders.order_info.user_id names the table's logical database, written or not
    if (q.schema && (!t.schema || t.schema->name != q.schema->name)) continue;
    return physical(t, q.schema.has_value());
  }
  return std::nullopt;
}

bool is_write(const ast::statement& st) {
  return !std::holds_alternative<ast::select_stmt>(st.node) && !std::holds_alternative<ast::show_stmt>(st.node) &&
         !std::holds_alternative<ast::explain_stmt>(st.node) && !std::holds_alternative<ast::use_stmt>(st.node);
}

const ast::expr* where_of(const ast::statement& st) {
  if (const auto* s = std::get_if<ast::select_stmt>(&st.node)) return s->terms.empty() ? s->where.get() : nullptr;
  if (const auto* u = std::get_if<ast::update_stmt>(&st.node)) return u->where.get();
  if (const auto* d = std::get_if<ast::delete_stmt>(&st.node)) return d->where.get();
  return nullptr;
}

// Sharded tables of one statement must be one binding set: the same table, or
// tables of one binding group, so that node i of each holds matching rows.
boost::system::result<std::vector<sharded_use>, protocol::sql_error> binding_set(
    const std::vector<resolved_table>& tables) {
  std::vector<sharded_use> set;
  const table_rule* first = nullptr;
  for (const auto& t : tables) {
    if (!t.rule || t.rule->kind() != table_kind::sharded) continue;
    if (!first) {
      first = t.rule;
    } else if (t.rule != first) {
      const auto* group = first->binding_group();
      if (!group || std::find(group->begin(), group->end(), t.rule->name()) == group->end()) {
        return unsupported("a statement over sharded tables " + first->name() + " and " + t.rule->name() +
                           " that are not in one binding group");
      }
    }
    set.push_back({t.rule, t.alias ? t.alias->name : t.name->table.name});
  }
  return set;
}

}  // namespace detail

namespace {

// Where a statement without sharded/broadcast tables goes: the default data source of
// the logical database its tables belong to (archive.t is on archive's, whatever the
// session's database), else of the session's logical database, else the proxy's.
std::string default_source(const std::vector<resolved_table>& tables, const route_context& ctx) {
  for (const auto& t : tables) {
    if (t.schema) return t.schema->default_data_source;
  }
  if (const schema_rules* s = ctx.rules ? ctx.rules->find_schema(ctx.current_schema) : nullptr) {
    return s->default_data_source;
  }
  return ctx.default_data_source;
}

plan passthrough(std::string_view sql, const std::vector<resolved_table>& tables, const route_context& ctx,
                 bool write) {
  plan p;
  p.type = plan::kind::passthrough;
  p.write = write;
  p.targets.push_back({default_source(tables, ctx), "", std::string(sql)});
  return p;
}

// Node-by-node execution of several sharded table uses is only right when the
// statement joins them on their sharding columns (o.order_id = i.order_id, or
// k IN (SELECT k ...)); otherwise rows of node i would need rows of node j.
class join_links {
 public:
  explicit join_links(const std::vector<sharded_use>& uses) : uses_(uses), parent_(uses.size()) {
    for (std::size_t i = 0; i < parent_.size(); ++i) parent_[i] = i;
  }
  void conjuncts(const ast::expr* e) {
    if (!e) return;
    if (e->kind == ast::expr_kind::binary && (e->text == "AND" || e->text == "&&")) {
      conjuncts(e->args[0].get());
      conjuncts(e->args[1].get());
    } else if (e->kind == ast::expr_kind::binary && (e->text == "=" || e->text == "<=>")) {
      auto a = use_of(*e->args[0]), b = use_of(*e->args[1]);
      if (a && b) unite(*a, *b);
    } else if (e->kind == ast::expr_kind::in_subquery && use_of(*e->args[0])) {
      for (std::size_t i = 1; i < parent_.size(); ++i) unite(0, i);  // correlated on a key: node-local
    } else if ((e->kind == ast::expr_kind::exists || e->kind == ast::expr_kind::subquery) && e->query) {
      conjuncts(e->query->where.get());  // [NOT] EXISTS (... WHERE a.k = b.k): co-located rows
      joins(e->query->from);
    }
  }
  void joins(const std::vector<ast::table_ref_ptr>& refs) {
    for (const auto& r : refs) join(*r);
  }
  bool connected() {
    for (std::size_t i = 1; i < parent_.size(); ++i) {
      if (find(i) != find(0)) return false;
    }
    return true;
  }

 private:
  void join(const ast::table_ref& r) {
    if (r.type == ast::table_ref::kind::derived && r.derived && r.derived->terms.empty()) {
      conjuncts(r.derived->where.get());  // a join inside a derived table links its uses too
      joins(r.derived->from);
      return;
    }
    if (r.type != ast::table_ref::kind::join) return;
    join(*r.left);
    join(*r.right);
    conjuncts(r.on.get());
  }
  std::optional<std::size_t> use_of(const ast::expr& e) const {
    if (e.kind != ast::expr_kind::column || e.names.empty()) return std::nullopt;
    const std::string& column = e.names.back().name;
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < uses_.size(); ++i) {
      if (!uses_[i].rule->is_sharding_column(column)) continue;
      if (e.names.size() >= 2) {
        if (e.names[e.names.size() - 2].name == uses_[i].qualifier) return i;
      } else if (!found) {
        found = i;
      }
    }
    return e.names.size() >= 2 ? std::nullopt : found;
  }
  std::size_t find(std::size_t i) { return parent_[i] == i ? i : parent_[i] = find(parent_[i]); }
  void unite(std::size_t a, std::size_t b) { parent_[find(a)] = find(b); }

  const std::vector<sharded_use>& uses_;
  std::vector<std::size_t> parent_;
};

std::optional<protocol::sql_error> check_joins(const ast::statement& st, const std::vector<sharded_use>& set) {
  if (set.size() < 2) return std::nullopt;
  join_links links(set);
  if (const auto* s = std::get_if<ast::select_stmt>(&st.node)) {
    // UNION terms are separate selects, not joined (joins inside a term are not
    // checked yet: docs/routing.md, Known gaps).
    if (!s->terms.empty()) return std::nullopt;
    links.conjuncts(s->where.get());
    links.joins(s->from);
  } else if (const auto* u = std::get_if<ast::update_stmt>(&st.node)) {
    links.conjuncts(u->where.get());
    links.joins(u->tables);
  } else if (const auto* d = std::get_if<ast::delete_stmt>(&st.node)) {
    links.conjuncts(d->where.get());
    links.joins(d->from);
  } else {
    return std::nullopt;
  }
  if (links.connected()) return std::nullopt;
  return unsupported("a join of sharded tables that is not on their sharding columns (e.g. ON a.user_id = b.user_id)");
}

// A multi-table UPDATE/DELETE writing a broadcast table alongside a sharded one would
// change one copy only.
std::optional<protocol::sql_error> check_broadcast_writes(const ast::statement& st,
                                                          const std::vector<resolved_table>& tables) {
  auto broadcast_named = [&](const std::string& q) {
    for (const auto& t : tables) {
      if (!t.rule || t.rule->kind() != table_kind::broadcast) continue;
      if ((t.alias && t.alias->name == q) || (!t.alias && t.name->table.name == q)) return true;
    }
    return false;
  };
  if (const auto* u = std::get_if<ast::update_stmt>(&st.node)) {
    for (const auto& a : u->set) {
      if (a.column.size() >= 2 && broadcast_named(a.column[a.column.size() - 2].name)) {
        return unsupported("an UPDATE that writes broadcast table " + a.column[a.column.size() - 2].name +
                           " together with sharded tables");
      }
    }
  }
  if (const auto* d = std::get_if<ast::delete_stmt>(&st.node)) {
    for (const auto& t : d->targets) {
      if (broadcast_named(t.table.name)) {
        return unsupported("a DELETE from broadcast table " + t.table.name + " together with sharded tables");
      }
    }
  }
  if (std::holds_alternative<ast::ddl_stmt>(st.node)) {
    for (const auto& t : tables) {
      if (!t.rule || t.rule->kind() != table_kind::sharded) {
        return unsupported("DDL naming sharded and other tables together (" + t.name->table.name + ")");
      }
    }
  }
  return std::nullopt;
}

// Where an UPDATE of a sharding column sends the rows it matched, when they may move.
struct key_move {
  std::size_t to = 0;
  std::string column;
  std::string value;
};

// Whether rows of `t` may move by `column = v`: one sharded table, sharded on that one
// column, an integer value, and no gene key generator (a gene key encodes its shard:
// moving the row would break it).
std::optional<protocol::sql_error> movable(const ast::update_stmt& u, const sharded_use& t, const std::string& column,
                                           const std::optional<shard_value>& v, const std::optional<std::size_t>& to) {
  std::string what = "an UPDATE of sharding column " + column + " of " + t.rule->name() + " that moves rows";
  if (u.tables.size() != 1 || u.tables.front()->type != ast::table_ref::kind::table) {
    return unsupported(what + " in a multi-table UPDATE");
  }
  const key_generator* keys = t.rule->key_generator();
  if (keys && keys->type() == key_generator::kind::gene) {
    return unsupported(what + " of a table whose gene key (" + keys->column() + ") encodes its shard");
  }
  if (t.rule->sharding_columns().size() != 1) return unsupported(what + " of a table sharded on several columns");
  if (!v || !int64_of(*v) || !to) return unsupported(what + " to a value that is not an integer constant");
  return std::nullopt;
}

// UPDATE ... SET <sharding column> = v: only when every matched row provably stays, or,
// with `moves` (an XA transaction), when the rows can move to v's node.
std::optional<protocol::sql_error> check_key_update(const ast::update_stmt& u, const condition_context& cctx,
                                                    const node_set& nodes, std::optional<key_move>* moves) {
  for (const auto& a : u.set) {
    const std::string& column = a.column.back().name;
    for (const auto& t : cctx.tables) {
      if (!t.rule->is_sharding_column(column)) continue;
      auto v = constant_of(*a.value, cctx.params);
      auto target = v ? t.rule->route(column, *v) : std::nullopt;
      if (target && nodes && nodes->size() == 1 && *nodes->begin() == *target) continue;
      if (!moves) {
        return unsupported("UPDATE of sharding column " + column + " of " + t.rule->name() +
                           " that may move rows to another shard (moved in an XA transaction: SET "
                           "shardwire_transaction_mode = 'xa')");
      }
      if (auto refused = movable(u, t, column, v, target)) return refused;
      if (moves->has_value()) return unsupported("an UPDATE assigning sharding column " + column + " twice");
      *moves = key_move{*target, column, to_decimal_text(*int64_of(*v))};
    }
  }
  return std::nullopt;
}

// A SELECT over several nodes: a rewritten copy of the statement (hidden merge
// columns, LIMIT offset+count, ...) is what each node runs; see planner_merge.
plan_result merged_read(std::string_view sql, const std::vector<std::size_t>& indices, const route_context& ctx) {
  auto copy = parse(sql);
  if (!copy) return unsupported("a statement shardwire cannot re-parse for merging (" + copy.error().message + ")");
  auto& s = std::get<ast::select_stmt>(copy->node);
  auto tables = resolve(*copy, ctx);
  auto set = binding_set(tables);
  if (!set) return set.error();
  auto rewritten = rewrite_for_merge(s, *set, ctx);
  if (!rewritten) return rewritten.error();
  plan p;
  p.type = plan::kind::multi;
  p.merge = rewritten->spec;
  p.union_tail = rewritten->union_tail;
  p.union_derived_terms = rewritten->derived_terms;
  for (std::size_t i : indices) {
    const data_node& node = set->front().rule->node(i);
    node_mapper map(tables, i, node.database, ctx.param_literals);
    p.targets.push_back({node.data_source, node.database, format(*copy, &map)});
  }
  return p;
}

plan_result sharded_plan(const ast::statement& st, std::string_view sql, const std::vector<resolved_table>& tables,
                         const std::vector<sharded_use>& set, const route_context& ctx, const std::string& prefix) {
  if (auto err = check_joins(st, set)) return *err;
  if (auto err = check_broadcast_writes(st, tables)) return *err;
  condition_context cctx{set, ctx.params};
  std::size_t n = set.front().rule->node_count();
  node_set nodes = match_nodes(where_of(st), cctx);
  bool ddl = std::holds_alternative<ast::ddl_stmt>(st.node);
  if (ddl) nodes.reset();  // DDL reaches every node
  std::optional<key_move> move;
  if (const auto* u = std::get_if<ast::update_stmt>(&st.node)) {
    if (auto err = check_key_update(*u, cctx, nodes, ctx.allow_moves ? &move : nullptr)) return *err;
  }
  if (nodes && nodes->empty()) nodes = std::set<std::size_t>{0};  // contradiction: empty result, right columns
  std::vector<std::size_t> indices;
  auto unsharded_elsewhere = [&](std::size_t i) -> std::optional<protocol::sql_error> {
    const data_node& node = set.front().rule->node(i);
    for (const auto& t : tables) {
      if (t.schema && !t.rule && t.schema->default_data_source != node.data_source) {
        return unsupported("a statement joining sharded " + set.front().rule->name() + " with unsharded " +
                           t.name->table.name + ", which lives on " + t.schema->default_data_source + " while node " +
                           node.text() + " is on " + node.data_source);
      }
    }
    return std::nullopt;
  };
  if (nodes) {
    indices.assign(nodes->begin(), nodes->end());
  } else {
    for (std::size_t i = 0; i < n; ++i) indices.push_back(i);
  }
  const auto* select = std::get_if<ast::select_stmt>(&st.node);
  if (select && indices.size() > 1 && prefix.empty()) {
    for (std::size_t i : indices) {
      if (auto err = unsharded_elsewhere(i)) return *err;
    }
    if (select->terms.empty()) return merged_read(sql, indices, ctx);
    bool all = std::all_of(select->terms.begin() + 1, select->terms.end(),
                           [](const auto& t) { return t.op == "UNION ALL"; });
    if (!all || !select->order_by.empty() || select->limit) {
      return unsupported("UNION DISTINCT, INTERSECT, EXCEPT, or ORDER BY/LIMIT over a UNION across shards");
    }
  }
  plan p;
  p.write = is_write(st);
  p.type = ddl ? plan::kind::broadcast : indices.size() == 1 ? plan::kind::single : plan::kind::multi;
  for (std::size_t i : indices) {
    if (auto err = unsharded_elsewhere(i)) return *err;
    const data_node& node = set.front().rule->node(i);
    node_mapper map(tables, i, node.database, ctx.param_literals);
    p.targets.push_back({node.data_source, node.database, prefix + format(st, &map)});
    if (move && i != move->to) {
      const data_node& to = set.front().rule->node(move->to);
      p.moves.push_back({p.targets.size() - 1, node, to, move->column, move->value});
    }
  }
  if (!p.moves.empty()) p.type = plan::kind::multi;  // the session runs it (several connections)
  return p;
}

// Statements over broadcast tables only: reads from one copy (on the schema's default
// data source when it has one), writes to every copy.
plan_result broadcast_plan(const ast::statement& st, const std::vector<resolved_table>& tables, const route_context& ctx,
                           const std::string& prefix) {
  const resolved_table* b = nullptr;
  for (const auto& t : tables) {
    if (t.rule && t.rule->kind() == table_kind::broadcast) b = &t;
  }
  plan p;
  p.write = is_write(st);
  std::vector<const data_node*> copies;
  for (const auto& n : b->rule->nodes()) copies.push_back(&n);
  if (!p.write) {
    auto local = std::find_if(copies.begin(), copies.end(),
                              [&](const data_node* n) { return n->data_source == b->schema->default_data_source; });
    copies = {local != copies.end() ? *local : copies.front()};
  }
  p.type = p.write ? plan::kind::broadcast : plan::kind::single;
  for (const data_node* n : copies) {
    node_mapper map(tables, 0, n->database, ctx.param_literals);
    p.targets.push_back({n->data_source, n->database, prefix + format(st, &map)});
  }
  return p;
}

// CREATE DATABASE <logical>: the logical database on its default data source and
// every physical database on its own.
std::optional<plan> create_database(const ast::other_stmt& o, const route_context& ctx) {
  std::vector<std::string> words;
  for (const auto& piece : o.body) {
    if (const auto* s = std::get_if<std::string>(&piece.value)) words.push_back(*s);
  }
  if (words.size() < 3 || ascii_upper(words[0]) != "CREATE" ||
      (ascii_upper(words[1]) != "DATABASE" && ascii_upper(words[1]) != "SCHEMA")) {
    return std::nullopt;
  }
  bool if_not_exists = words.size() >= 6 && ascii_upper(words[2]) == "IF";
  std::string name = words[if_not_exists ? 5 : 2];
  if (name.size() >= 2 && name.front() == '`') name = name.substr(1, name.size() - 2);
  const schema_rules* s = ctx.rules ? ctx.rules->find_schema(name) : nullptr;
  if (!s) return std::nullopt;
  plan p;
  p.type = plan::kind::broadcast;
  p.write = true;
  std::string head = if_not_exists ? "CREATE DATABASE IF NOT EXISTS " : "CREATE DATABASE ";
  p.targets.push_back({s->default_data_source, name, head + format_identifier({name, true})});
  for (const auto& [db, ds] : s->databases) {
    p.targets.push_back({ds, db, head + format_identifier({db, true})});
  }
  return p;
}

plan_result route_statement(const ast::statement& st, std::string_view sql, const route_context& ctx,
                            const std::string& prefix);

// SHARDWIRE NEXT ID FOR t [WITH gene_column = v]: the id an INSERT would have been
// given, so a client can insert with it and retry safely (a duplicate key on retry).
plan_result next_id(const ast::statement& st, const ast::shardwire_next_id& n, const route_context& ctx) {
  auto tables = resolve(st, ctx);
  const table_rule* rule = tables.empty() ? nullptr : tables.front().rule;
  std::string shown = format_identifier(n.table.table);
  key_generator* keys = rule ? rule->key_generator() : nullptr;
  if (!keys) {
    return make_error(errc::not_supported, "SHARDWIRE NEXT ID for " + shown +
                                               ", which is not a sharded table with a key_generator");
  }
  std::int64_t gene = 0;
  if (keys->type() == key_generator::kind::gene) {
    if (!n.column || !n.value || !same_column(n.column->name, keys->gene_column())) {
      return make_error(errc::wrong_arguments, "SHARDWIRE NEXT ID (" + shown + "'s key carries the gene of " +
                                                   keys->gene_column() + ": add WITH " + keys->gene_column() +
                                                   " = <value>)");
    }
    auto v = constant_of(*n.value, ctx.params);
    auto g = v ? int64_of(*v) : std::nullopt;
    if (!g) return make_error(errc::wrong_arguments, "SHARDWIRE NEXT ID (" + keys->gene_column() + " must be an integer)");
    gene = *g;
  } else if (n.column) {
    return make_error(errc::wrong_arguments, "SHARDWIRE NEXT ID (" + shown + "'s generator is snowflake: no WITH)");
  }
  plan p;
  p.type = plan::kind::answer;
  p.answer_columns = {keys->column()};
  p.answer_rows = {{std::to_string(keys->next_id(gene))}};
  return p;
}

plan_result route_explain(const ast::statement& st, std::string_view sql, const route_context& ctx) {
  const auto& e = std::get<ast::explain_stmt>(st.node);
  // DESCRIBE t of a logical table was answered by its shadow (route_metadata)
  if (!e.target) return passthrough(sql, resolve(st, ctx), ctx, false);
  auto inner = route_statement(*e.target, sql, ctx, e.head + " ");
  if (inner && inner->type == plan::kind::passthrough) return passthrough(sql, resolve(st, ctx), ctx, false);
  if (inner) inner->write = false;
  return inner;
}

plan_result route_statement(const ast::statement& st, std::string_view sql, const route_context& ctx,
                            const std::string& prefix) {
  if (auto p = route_metadata(st, sql, ctx)) return *p;  // SHOW COLUMNS, DESCRIBE, ... of a logical table
  if (std::holds_alternative<ast::explain_stmt>(st.node)) return route_explain(st, sql, ctx);
  if (const auto* sw = std::get_if<ast::shardwire_explain>(&st.node)) {
    // The inner statement's text is not kept separately: print it for passthrough targets.
    std::string inner_sql = format(*sw->target);
    auto inner = route_statement(*sw->target, inner_sql, ctx, "");
    if (!inner) return inner.error();
    plan p;
    p.type = plan::kind::explain;
    p.explained = std::make_shared<const plan>(std::move(*inner));
    return p;
  }
  if (const auto* n = std::get_if<ast::shardwire_next_id>(&st.node)) return next_id(st, *n, ctx);
  if (const auto* sh = std::get_if<ast::show_stmt>(&st.node)) {
    if (auto p = show_logical(*sh, ctx)) return *p;
  }
  auto tables = resolve(st, ctx);
  if (const auto* o = std::get_if<ast::other_stmt>(&st.node)) {
    if (auto p = create_database(*o, ctx)) return *p;
    // Statements kept as raw text (LOCK TABLES, CALL, CREATE VIEW, ANALYZE TABLE, ...)
    // cannot be rewritten: refuse them when they name a sharded or broadcast table.
    if (ctx.rules) {
      for (const auto& piece : o->body) {
        const auto* word = std::get_if<std::string>(&piece.value);
        if (!word) continue;
        std::string name = *word;
        if (name.size() >= 2 && name.front() == '`') name = name.substr(1, name.size() - 2);
        for (const auto& [_, schema] : ctx.rules->schemas) {
          if (schema.find_table(name)) {
            std::string verb = std::get<std::string>(o->body.front().value);
            return unsupported(verb + " naming the sharded or broadcast table " + name);
          }
        }
      }
    }
  }
  auto set = binding_set(tables);
  if (!set) return set.error();
  bool any_broadcast = std::any_of(tables.begin(), tables.end(), [](const resolved_table& t) {
    return t.rule && t.rule->kind() == table_kind::broadcast;
  });
  if (const auto* ins = std::get_if<ast::insert_stmt>(&st.node); ins && (!set->empty() || any_broadcast)) {
    return route_insert(*ins, st, tables, ctx);
  }
  if (const auto* d = std::get_if<ast::ddl_stmt>(&st.node); d && (!set->empty() || any_broadcast)) {
    if (auto err = refused_ddl(*d)) return *err;
  }
  // DDL on logical tables changes their metadata shadow too (planner_meta.cpp).
  if (!set->empty()) return with_shadow(sharded_plan(st, sql, tables, *set, ctx, prefix), st, tables);
  if (any_broadcast) return with_shadow(broadcast_plan(st, tables, ctx, prefix), st, tables);
  if (!prefix.empty()) return passthrough(sql, tables, ctx, false);
  return passthrough(sql, tables, ctx, is_write(st));
}

}  // namespace

plan_result route(const ast::statement& st, std::string_view sql, const route_context& ctx) {
  plan_result r = route_statement(st, sql, ctx, "");
  if (r && ctx.rules && ctx.rules->any_statement_limit) {
    for (const auto& t : resolve(st, ctx)) {
      auto limit = t.rule ? t.rule->statement_limit() : std::chrono::milliseconds(0);
      if (limit.count() > 0 && (r->statement_limit.count() == 0 || limit < r->statement_limit)) {
        r->statement_limit = limit;
      }
    }
  }
  return r;
}

plan_result route_unparsed(std::string_view sql, const parse_error& err, const route_context& ctx) {
  // Past a nesting limit: refused as the server refuses a statement its parser cannot
  // hold, whatever it names.
  if (err.too_deep) return protocol::make_error(protocol::errc::parse_too_deep, err.message);
  // Conservative: any word naming a sharded or broadcast table of a logical database
  // makes the statement unroutable.
  if (ctx.rules) {
    for (const auto& t : lex(sql)) {
      if (t.kind != token_kind::identifier && t.kind != token_kind::quoted_identifier) continue;
      for (const auto& [_, schema] : ctx.rules->schemas) {
        if (schema.find_table(t.text)) {
          return unsupported("statement on " + std::string(t.text) + " that shardwire cannot parse (" + err.message + ")");
        }
      }
    }
  }
  plan p;
  p.type = plan::kind::passthrough;
  p.write = true;
  std::string ds = ctx.default_data_source;
  if (const schema_rules* s = ctx.rules ? ctx.rules->find_schema(ctx.current_schema) : nullptr) {
    ds = s->default_data_source;
  }
  p.targets.push_back({ds, "", std::string(sql)});
  return p;
}

}  // namespace shardwire::router
