// INSERT/REPLACE into sharded and broadcast tables: rows are routed one by one and
// grouped per node, a missing generated key is filled in, and nothing is guessed:
// rows that cannot be placed are errors, never sent to an arbitrary node.
#include <map>

#include "router/key_generator.hpp"
#include "router/planner_impl.hpp"

namespace shardwire::router::detail {

using protocol::errc;
using protocol::make_error;

namespace {
struct insert_row {
  std::vector<const ast::expr*> values;
  std::vector<std::string> generated;  // printed values of generated columns appended
  std::optional<std::string> key;      // generated key replacing a DEFAULT/NULL value
};

// DEFAULT or NULL for a generated key means "generate one", as for AUTO_INCREMENT.
bool asks_for_key(const ast::expr& e) {
  return e.kind == ast::expr_kind::default_value ||
         (e.kind == ast::expr_kind::literal && e.lit == token_kind::identifier && e.text == "NULL");
}

std::string head_of(const ast::insert_stmt& ins, const data_node& node) {
  std::string h = ins.replace ? "REPLACE" : "INSERT";
  for (const auto& o : ins.options) h += " " + o;
  h += " INTO " + format_identifier({node.database, false}) + "." + format_identifier({node.table, false});
  return h;
}

std::optional<std::size_t> column_index(const std::vector<std::string>& cols, std::string_view name) {
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (same_column(cols[i], name)) return i;
  }
  return std::nullopt;
}

plan_result broadcast_insert(const ast::insert_stmt&, const ast::statement& st, const resolved_table& target,
                             const std::vector<resolved_table>& tables, const route_context& ctx) {
  plan p;
  p.type = plan::kind::broadcast;
  p.write = true;
  for (const auto& n : target.rule->nodes()) {
    node_mapper map(tables, 0, n.database, ctx.param_literals);
    p.targets.push_back({n.data_source, n.database, format(st, &map)});
  }
  return p;
}
}  // namespace

plan_result route_insert(const ast::insert_stmt& ins, const ast::statement& st, const std::vector<resolved_table>& tables,
                         const route_context& ctx) {
  const resolved_table* target = nullptr;
  for (const auto& t : tables) {
    if (t.name == &ins.table) target = &t;
  }
  if (!target || !target->rule) return unsupported("INSERT ... SELECT reading sharded or broadcast tables into another table");
  if (ins.select) return unsupported("INSERT ... SELECT into the sharded or broadcast table " + target->rule->name());
  if (target->rule->kind() == table_kind::broadcast) return broadcast_insert(ins, st, *target, tables, ctx);
  const table_rule& rule = *target->rule;

  // Columns and rows, from VALUES or from INSERT ... SET.
  std::vector<std::string> cols;
  std::vector<insert_row> rows;
  if (!ins.set.empty()) {
    insert_row r;
    for (const auto& a : ins.set) {
      cols.push_back(a.column.back().name);
      r.values.push_back(a.value.get());
    }
    rows.push_back(std::move(r));
  } else {
    if (ins.columns.empty()) return unsupported("INSERT into sharded table " + rule.name() + " without a column list");
    for (const auto& c : ins.columns) cols.push_back(c.name);
    for (std::size_t i = 0; i < ins.rows.size(); ++i) {
      if (ins.rows[i].size() != cols.size()) return make_error(errc::value_count, i + 1);
      insert_row r;
      for (const auto& v : ins.rows[i]) r.values.push_back(v.get());
      rows.push_back(std::move(r));
    }
  }
  for (const auto& a : ins.on_duplicate) {
    if (rule.is_sharding_column(a.column.back().name)) {
      return unsupported("ON DUPLICATE KEY UPDATE of sharding column " + a.column.back().name);
    }
  }

  // A generated key the statement leaves out is filled in here.
  key_generator* keys = rule.key_generator();
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t key_column = none;  // (a plain index: GCC 12 warns falsely on an optional here)
  if (keys) key_column = column_index(cols, keys->column()).value_or(none);
  bool generate = keys && key_column == none;
  if (generate) cols.push_back(keys->column());
  std::optional<std::uint64_t> first_key;

  std::map<std::size_t, std::vector<std::size_t>> by_node;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto& row = rows[r];
    bool fill = key_column != none && asks_for_key(*row.values[key_column]);
    if (generate || fill) {
      std::int64_t gene = 0;
      if (keys->type() == key_generator::kind::gene) {
        auto gi = column_index(cols, keys->gene_column());
        auto gv = gi ? constant_of(*row.values[*gi], ctx.params) : std::nullopt;
        auto g = gv ? int64_of(*gv) : std::nullopt;
        if (!g) return make_error(errc::no_default, keys->gene_column());
        gene = *g;
      }
      std::string id = std::to_string(keys->next_id(gene));
      if (!first_key) first_key = std::stoull(id);
      if (fill) {
        row.key = id;
      } else {
        row.generated.push_back(id);
      }
    }
    std::optional<std::size_t> node;
    bool any_key = false;
    for (const auto& column : rule.sharding_columns()) {
      auto ci = column_index(cols, column);
      if (!ci) continue;
      any_key = true;
      std::optional<shard_value> v;
      if (row.key && *ci == key_column) {
        v = shard_value::of_int(std::stoll(*row.key));
      } else if (*ci < row.values.size()) {
        v = constant_of(*row.values[*ci], ctx.params);
      } else {
        v = shard_value::of_int(std::stoll(row.generated[*ci - row.values.size()]));
      }
      if (!v) return unsupported("a value of sharding column " + column + " that is not a constant");
      auto n = rule.route(column, *v);
      if (!n) {
        bound_values values(ctx.param_literals);
        return make_error(errc::no_shard_for_value, format(*row.values[*ci], &values));
      }
      if (node && *node != *n) {
        return unsupported("a row whose sharding columns route to different shards (row " + std::to_string(r + 1) + ")");
      }
      node = n;
    }
    if (!any_key) return make_error(errc::no_default, rule.sharding_columns().front());
    by_node[*node].push_back(r);
  }

  plan p;
  p.write = true;
  p.type = by_node.size() == 1 ? plan::kind::single : plan::kind::multi;
  p.generated_id = first_key;
  for (const auto& [index, members] : by_node) {
    const data_node& node = rule.node(index);
    node_mapper map(tables, index, node.database, ctx.param_literals);
    std::string sql = head_of(ins, node) + " (";
    for (std::size_t c = 0; c < cols.size(); ++c) sql += (c ? ", " : "") + format_identifier({cols[c], false});
    sql += ") VALUES ";
    for (std::size_t m = 0; m < members.size(); ++m) {
      const auto& row = rows[members[m]];
      sql += m ? ", (" : "(";
      for (std::size_t v = 0; v < row.values.size(); ++v) {
        if (v) sql += ", ";
        sql += row.key && v == key_column ? *row.key : format(*row.values[v], &map);
      }
      for (const auto& g : row.generated) sql += ", " + g;
      sql += ")";
    }
    if (!ins.on_duplicate.empty()) {
      sql += " ON DUPLICATE KEY UPDATE ";
      for (std::size_t a = 0; a < ins.on_duplicate.size(); ++a) {
        const auto& as = ins.on_duplicate[a];
        ast::expr col;
        col.kind = ast::expr_kind::column;
        col.names = as.column;
        sql += (a ? ", " : "") + format(col, &map) + " = " + format(*as.value, &map);
      }
    }
    if (!ins.returning.empty()) {
      // RETURNING names the inserted row's columns (no table references to rewrite).
      sql += " RETURNING" + format_opaque(ins.returning, &map);
    }
    p.targets.push_back({node.data_source, node.database, std::move(sql)});
  }
  p.returns_rows = !ins.returning.empty();
  return p;
}

}  // namespace shardwire::router::detail
