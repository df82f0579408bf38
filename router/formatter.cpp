#include "router/formatter.hpp"

namespace shardwire::router {

namespace {
using namespace ast;

class printer {
 public:
  explicit printer(const name_mapper* map) : map_(map) {}
  std::string out;

  void w(std::string_view s) { out += s; }
  void id(const identifier& i) { out += format_identifier(i); }

  void name(const table_name& n) {
    const table_name* shown = &n;
    std::optional<table_name> mapped;
    if (map_ && (mapped = map_->table(n))) shown = &*mapped;
    if (shown->schema) {
      id(*shown->schema);
      w(".");
    }
    id(shown->table);
  }

  // leading_space: whether the run's first piece may be preceded by a space (if the
  // source had one); later pieces follow the source spacing.
  void opaque_run(const opaque& o, bool leading_space) {
    bool first = true;
    for (const auto& p : o) {
      if (p.space_before && (!first || leading_space)) w(" ");
      first = false;
      if (const auto* s = std::get_if<std::string>(&p.value)) {
        w(*s);
      } else {
        name(std::get<table_name>(p.value));
      }
    }
  }

  void exprs(const std::vector<expr_ptr>& v, std::size_t from = 0) {
    for (std::size_t i = from; i < v.size(); ++i) {
      if (i > from) w(", ");
      expr_(*v[i]);
    }
  }

  void column(const expr& e) {
    // [schema.]table.column: the qualifier may be a logical table to rename.
    if (e.names.size() >= 2 && map_) {
      table_name q;
      q.table = e.names[e.names.size() - 2];
      if (e.names.size() == 3) q.schema = e.names[0];
      if (auto mapped = map_->qualifier(q)) {
        if (mapped->schema) {
          id(*mapped->schema);
          w(".");
        }
        id(mapped->table);
        w(".");
        id(e.names.back());
        return;
      }
    }
    for (std::size_t i = 0; i < e.names.size(); ++i) {
      if (i) w(".");
      id(e.names[i]);
    }
  }

  void expr_(const expr& e) {
    if (e.parenthesized) w("(");
    switch (e.kind) {
      case expr_kind::literal:
      case expr_kind::placeholder:
      case expr_kind::variable:
      case expr_kind::default_value: w(e.text); break;
      case expr_kind::column: column(e); break;
      case expr_kind::star:
        if (!e.names.empty()) {
          column(e);
          w(".");
        }
        w("*");
        break;
      case expr_kind::unary:
        w(e.text);
        // - -1 must not print as --1 (a comment start for some clients and tools)
        if (e.text == "NOT" || e.text == "BINARY" ||
            (e.text == "-" && e.args[0]->kind == expr_kind::unary && e.args[0]->text == "-" &&
             !e.args[0]->parenthesized)) {
          w(" ");
        }
        expr_(*e.args[0]);
        break;
      case expr_kind::binary:
        expr_(*e.args[0]);
        w(" ");
        w(e.text);
        w(" ");
        expr_(*e.args[1]);
        break;
      case expr_kind::between:
        expr_(*e.args[0]);
        w(e.negated ? " NOT BETWEEN " : " BETWEEN ");
        expr_(*e.args[1]);
        w(" AND ");
        expr_(*e.args[2]);
        break;
      case expr_kind::in_list:
        expr_(*e.args[0]);
        w(e.negated ? " NOT IN (" : " IN (");
        exprs(e.args, 1);
        w(")");
        break;
      case expr_kind::in_subquery:
        expr_(*e.args[0]);
        w(e.negated ? " NOT IN (" : " IN (");
        select(*e.query);
        w(")");
        break;
      case expr_kind::exists:
        w(e.negated ? "NOT EXISTS (" : "EXISTS (");
        select(*e.query);
        w(")");
        break;
      case expr_kind::is:
        expr_(*e.args[0]);
        w(e.negated ? " IS NOT " : " IS ");
        w(e.text);
        break;
      case expr_kind::subquery:
        w("(");
        select(*e.query);
        w(")");
        break;
      case expr_kind::row:
        w("(");
        exprs(e.args);
        w(")");
        break;
      case expr_kind::function:
        w(e.text);
        w(e.query ? " (" : "(");
        if (e.query) {
          select(*e.query);  // ANY / ALL / SOME (subquery)
        } else {
          if (e.distinct) w("DISTINCT ");
          exprs(e.args);
          opaque_run(e.tail, true);
        }
        w(")");
        if (!e.over.empty()) {
          w(" OVER ");
          opaque_run(e.over, false);
        }
        break;
      case expr_kind::special:
        w(e.text);
        opaque_run(e.tail, false);
        break;
      case expr_kind::match:
        w("MATCH ");
        opaque_run(e.tail, false);
        break;
      case expr_kind::case_when: case_(e); break;
      case expr_kind::interval:
        w("INTERVAL ");
        expr_(*e.args[0]);
        w(" ");
        w(e.text);
        break;
      case expr_kind::collate:
        expr_(*e.args[0]);
        w(" COLLATE ");
        w(e.text);
        break;
    }
    if (e.parenthesized) w(")");
  }

  void case_(const expr& e) {
    w("CASE");
    std::size_t i = 0;
    if (e.has_operand) {
      w(" ");
      expr_(*e.args[i++]);
    }
    std::size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
    for (; i + 1 < pairs_end + 1 && i < pairs_end; i += 2) {
      w(" WHEN ");
      expr_(*e.args[i]);
      w(" THEN ");
      expr_(*e.args[i + 1]);
    }
    if (e.has_else) {
      w(" ELSE ");
      expr_(*e.args.back());
    }
    w(" END");
  }

  void order(const std::vector<order_item>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) w(", ");
      expr_(*items[i].value);
      if (items[i].dir == order_item::direction::asc) w(" ASC");
      if (items[i].dir == order_item::direction::desc) w(" DESC");
    }
  }

  void limit(const limit_clause& l) {
    w(" LIMIT ");
    if (l.offset && !l.offset_keyword) {
      expr_(*l.offset);
      w(", ");
    }
    expr_(*l.count);
    if (l.offset && l.offset_keyword) {
      w(" OFFSET ");
      expr_(*l.offset);
    }
  }

  void table(const table_ref& t) {
    if (t.parenthesized) w("(");
    switch (t.type) {
      case table_ref::kind::table:
        name(t.name);
        if (!t.index_hints.empty() && !std::holds_alternative<std::string>(t.index_hints.front().value)) break;
        if (!t.index_hints.empty() && std::get<std::string>(t.index_hints.front().value) == "PARTITION") {
          opaque_run(t.index_hints, true);
          alias(t.alias);
        } else {
          alias(t.alias);
          opaque_run(t.index_hints, true);
        }
        break;
      case table_ref::kind::derived:
        w("(");
        select(*t.derived);
        w(")");
        alias(t.alias);
        break;
      case table_ref::kind::join:
        table(*t.left);
        if (t.join == ",") {
          w(", ");
        } else {
          w(" ");
          w(t.join);
          w(" ");
        }
        table(*t.right);
        if (t.on) {
          w(" ON ");
          expr_(*t.on);
        } else if (!t.using_columns.empty()) {
          w(" USING (");
          for (std::size_t i = 0; i < t.using_columns.size(); ++i) {
            if (i) w(", ");
            id(t.using_columns[i]);
          }
          w(")");
        }
        break;
    }
    if (t.parenthesized) w(")");
  }

  void alias(const std::optional<identifier>& a) {
    if (!a) return;
    w(" AS ");
    id(*a);
  }

  void tables(const std::vector<table_ref_ptr>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) w(", ");
      table(*v[i]);
    }
  }

  void select(const select_stmt& s) {
    if (s.parenthesized) w("(");
    if (!s.ctes.empty()) {
      w(s.recursive ? "WITH RECURSIVE " : "WITH ");
      for (std::size_t i = 0; i < s.ctes.size(); ++i) {
        if (i) w(", ");
        id(s.ctes[i].name);
        if (!s.ctes[i].columns.empty()) {
          w(" (");
          for (std::size_t c = 0; c < s.ctes[i].columns.size(); ++c) {
            if (c) w(", ");
            id(s.ctes[i].columns[c]);
          }
          w(")");
        }
        w(" AS (");
        select(*s.ctes[i].query);
        w(")");
      }
      w(" ");
    }
    if (!s.terms.empty()) {
      for (std::size_t i = 0; i < s.terms.size(); ++i) {
        if (i) {
          w(" ");
          w(s.terms[i].op);
          w(" ");
        }
        select(*s.terms[i].select);
      }
    } else {
      core(s);
    }
    if (!s.order_by.empty()) {
      w(" ORDER BY ");
      order(s.order_by);
    }
    if (s.limit) limit(*s.limit);
    if (!s.lock_text.empty()) {
      w(" ");
      w(s.lock_text);
    }
    if (!s.into.empty() && !s.terms.empty()) opaque_run(s.into, true);
    if (s.parenthesized) w(")");
  }

  void core(const select_stmt& s) {
    w("SELECT");
    for (const auto& h : hints_) {
      w(" /*");
      w(h);
      w("*/");
    }
    hints_.clear();
    for (const auto& o : s.options) {
      w(" ");
      w(o);
    }
    w(" ");
    for (std::size_t i = 0; i < s.items.size(); ++i) {
      if (i) w(", ");
      expr_(*s.items[i].value);
      if (s.items[i].alias) {
        w(" AS ");
        id(*s.items[i].alias);
      }
    }
    if (!s.into.empty()) opaque_run(s.into, true);
    if (!s.from.empty()) {
      w(" FROM ");
      tables(s.from);
    }
    if (s.where) {
      w(" WHERE ");
      expr_(*s.where);
    }
    if (!s.group_by.empty()) {
      w(" GROUP BY ");
      order(s.group_by);
      if (s.with_rollup) w(" WITH ROLLUP");
    }
    if (s.having) {
      w(" HAVING ");
      expr_(*s.having);
    }
    if (!s.window.empty()) opaque_run(s.window, true);
  }

  void assignments(const std::vector<assignment>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) w(", ");
      expr col;
      col.kind = expr_kind::column;
      col.names = v[i].column;
      column(col);
      w(" = ");
      expr_(*v[i].value);
    }
  }

  void verb_hints() {
    for (const auto& h : hints_) {
      w(" /*");
      w(h);
      w("*/");
    }
    hints_.clear();
  }

  void insert(const insert_stmt& s) {
    w(s.replace ? "REPLACE" : "INSERT");
    verb_hints();
    for (const auto& o : s.options) {
      w(" ");
      w(o);
    }
    w(" INTO ");
    name(s.table);
    if (!s.columns.empty() || s.empty_column_list) {
      w(" (");
      for (std::size_t i = 0; i < s.columns.size(); ++i) {
        if (i) w(", ");
        id(s.columns[i]);
      }
      w(")");
    }
    if (!s.rows.empty()) {
      w(s.values_keyword_value ? " VALUE " : " VALUES ");
      for (std::size_t r = 0; r < s.rows.size(); ++r) {
        if (r) w(", ");
        w("(");
        exprs(s.rows[r]);
        w(")");
      }
    } else if (!s.set.empty()) {
      w(" SET ");
      assignments(s.set);
    } else if (s.select) {
      w(" ");
      select(*s.select);
    }
    if (!s.on_duplicate.empty()) {
      w(" ON DUPLICATE KEY UPDATE ");
      assignments(s.on_duplicate);
    }
  }

  void update(const update_stmt& s) {
    w("UPDATE");
    verb_hints();
    for (const auto& o : s.options) {
      w(" ");
      w(o);
    }
    w(" ");
    tables(s.tables);
    w(" SET ");
    assignments(s.set);
    where_order_limit(s.where, s.order_by, s.limit);
  }

  void where_order_limit(const expr_ptr& where, const std::vector<order_item>& ob,
                         const std::optional<limit_clause>& l) {
    if (where) {
      w(" WHERE ");
      expr_(*where);
    }
    if (!ob.empty()) {
      w(" ORDER BY ");
      order(ob);
    }
    if (l) limit(*l);
  }

  void delete_(const delete_stmt& s) {
    w("DELETE");
    verb_hints();
    for (const auto& o : s.options) {
      w(" ");
      w(o);
    }
    auto targets = [&] {
      for (std::size_t i = 0; i < s.targets.size(); ++i) {
        w(i ? ", " : " ");
        name(s.targets[i]);
      }
    };
    if (s.using_form) {
      w(" FROM");
      targets();
      w(" USING ");
      tables(s.from);
    } else if (!s.targets.empty()) {
      targets();
      w(" FROM ");
      tables(s.from);
    } else {
      w(" FROM ");
      tables(s.from);
    }
    where_order_limit(s.where, s.order_by, s.limit);
  }

  void ddl(const ddl_stmt& d) {
    if (d.type == ddl_stmt::kind::create_index || d.type == ddl_stmt::kind::drop_index) {
      w(d.index_head);
      w(" ");
      id(*d.index);
      // (an index type written before ON, e.g. USING BTREE, is printed after the columns: same meaning)
      w(" ON ");
      name(d.tables[0]);
      opaque_run(d.body, true);
      return;
    }
    w(d.head);
    if (d.type == ddl_stmt::kind::rename_table) {
      for (std::size_t i = 0; i + 1 < d.tables.size(); i += 2) {
        w(i ? ", " : " ");
        name(d.tables[i]);
        w(" TO ");
        name(d.tables[i + 1]);
      }
      return;
    }
    for (std::size_t i = 0; i < d.tables.size(); ++i) {
      w(i ? ", " : " ");
      name(d.tables[i]);
    }
    opaque_run(d.body, true);
    if (d.as_select) {
      w(" ");
      select(*d.as_select);
    }
  }

  void set(const set_stmt& s) {
    using target = set_stmt::item::target;
    w("SET ");
    for (std::size_t i = 0; i < s.items.size(); ++i) {
      const auto& it = s.items[i];
      if (i) w(", ");
      if (!it.scope.empty()) {
        w(it.scope);
        w(" ");
      }
      if (it.kind == target::names || it.kind == target::character_set || it.kind == target::transaction) {
        opaque_run(it.rest, false);
        continue;
      }
      w(it.name);
      w(" = ");
      expr_(*it.value);
    }
  }

  void transaction(const transaction_stmt& t) {
    w(t.text);
    if (t.savepoint) {
      w(" ");
      id(*t.savepoint);
    }
  }

  void statement(const ast::statement& st) {
    hints_.clear();
    for (const auto& h : st.hints) {
      if (!h.empty() && h[0] == '+') hints_.push_back(h);
    }
    std::visit([&](const auto& n) { node(n); }, st.node);
  }

  void node(const select_stmt& s) { select(s); }
  void node(const insert_stmt& s) { insert(s); }
  void node(const update_stmt& s) { update(s); }
  void node(const delete_stmt& s) { delete_(s); }
  void node(const ddl_stmt& s) { ddl(s); }
  void node(const set_stmt& s) { set(s); }
  void node(const use_stmt& s) {
    w("USE ");
    id(s.database);
  }
  void node(const show_stmt& s) {
    w("SHOW");
    opaque_run(s.body, true);
  }
  void node(const transaction_stmt& s) { transaction(s); }
  void node(const explain_stmt& s) {
    w(s.head);
    w(" ");
    if (s.target) {
      statement(*s.target);
    } else if (s.table) {
      name(*s.table);
      opaque_run(s.rest, true);
    }
  }
  void node(const shardwire_explain& s) {
    w("SHARDWIRE EXPLAIN ");
    statement(*s.target);
  }
  void node(const other_stmt& s) { opaque_run(s.body, false); }

 private:
  const name_mapper* map_;
  std::vector<std::string> hints_;
};
}  // namespace

std::string format_identifier(const identifier& id) {
  if (!id.quoted) return id.name;
  std::string out = "`";
  for (char c : id.name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string format(const statement& st, const name_mapper* map) {
  printer p(map);
  p.statement(st);
  return std::move(p.out);
}

std::string format(const select_stmt& s, const name_mapper* map) {
  printer p(map);
  p.select(s);
  return std::move(p.out);
}

std::string format(const expr& e, const name_mapper* map) {
  printer p(map);
  p.expr_(e);
  return std::move(p.out);
}

}  // namespace shardwire::router
