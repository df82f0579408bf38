// Printing of non-SELECT statements, and the formatter's public API.
#include "router/formatter_impl.hpp"

namespace shardwire::router {
namespace detail {

void printer::assignments(const std::vector<assignment>& v) {
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

void printer::verb_hints() {
  for (const auto& h : hints_) {
    w(" /*");
    w(h);
    w("*/");
  }
  hints_.clear();
}

void printer::insert(const insert_stmt& s) {
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
  if (!s.returning.empty()) {
    w(" RETURNING");
    opaque_run(s.returning, true);
  }
}

void printer::update(const update_stmt& s) {
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

void printer::where_order_limit(const expr_ptr& where, const std::vector<order_item>& ob,
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

void printer::delete_(const delete_stmt& s) {
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

void printer::ddl(const ddl_stmt& d) {
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

void printer::set(const set_stmt& s) {
  w("SET ");
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    if (i) w(", ");
    set_item(s.items[i]);
  }
}

void printer::set_item(const set_stmt::item& it) {
  using target = set_stmt::item::target;
  if (!it.scope.empty()) {
    w(it.scope);
    w(" ");
  }
  if (it.kind == target::names || it.kind == target::character_set || it.kind == target::transaction) {
    opaque_run(it.rest, false);
    return;
  }
  w(it.name);
  w(" = ");
  expr_(*it.value);
}

void printer::transaction(const transaction_stmt& t) {
  w(t.text);
  if (t.savepoint) {
    w(" ");
    id(*t.savepoint);
  }
}

void printer::statement(const ast::statement& st) {
  hints_.clear();
  for (const auto& h : st.hints) {
    if (!h.empty() && h[0] == '+') hints_.push_back(h);
  }
  std::visit([&](const auto& n) { node(n); }, st.node);
}

void printer::node(const use_stmt& s) {
  w("USE ");
  id(s.database);
}

void printer::node(const show_stmt& s) {
  w("SHOW");
  opaque_run(s.body, true);
}

void printer::node(const explain_stmt& s) {
  w(s.head);
  w(" ");
  if (s.target) {
    statement(*s.target);
  } else if (s.table) {
    name(*s.table);
    opaque_run(s.rest, true);
  }
}

void printer::node(const shardwire_next_id& s) {
  w("SHARDWIRE NEXT ID FOR ");
  name(s.table);
  if (s.column && s.value) {
    w(" WITH ");
    id(*s.column);
    w(" = ");
    expr_(*s.value);
  }
}

void printer::node(const shardwire_explain& s) {
  w("SHARDWIRE EXPLAIN ");
  statement(*s.target);
}

}  // namespace detail

using detail::printer;
using namespace ast;

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

std::string format_opaque(const opaque& o, const name_mapper* map) {
  printer p(map);
  p.opaque_run(o, true);
  return std::move(p.out);
}

std::string format_set_item(const set_stmt::item& it) {
  detail::printer p(nullptr);
  p.set_item(it);
  return p.out;
}

std::string format(const expr& e, const name_mapper* map) {
  printer p(map);
  p.expr_(e);
  return std::move(p.out);
}

}  // namespace shardwire::router
