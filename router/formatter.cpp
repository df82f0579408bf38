#include "router/formatter_impl.hpp"

namespace shardwire::router::detail {

void printer::name(const table_name& n) {
  const table_name* shown = &n;
  std::optional<table_name> mapped;
  if (map_ && (mapped = map_->table(n))) shown = &*mapped;
  if (shown->schema) {
    id(*shown->schema);
    w(".");
  }
  id(shown->table);
}

void printer::opaque_run(const opaque& o, bool leading_space) {
  bool first = true;
  for (const auto& p : o) {
    if (p.space_before && (!first || leading_space)) w(" ");
    first = false;
    const std::string* bound = p.placeholder >= 0 && map_ ? map_->placeholder(p.placeholder) : nullptr;
    const auto* text = bound ? bound : std::get_if<std::string>(&p.value);
    // Two '-' tokens written together ("a--b") must stay two operators: a space after
    // them (where the source had a comment) would make the second one start a comment.
    if (text && !text->empty() && (*text)[0] == '-' && !out.empty() && out.back() == '-') w(" ");
    if (bound) {
      w(*bound);
    } else if (const auto* s = std::get_if<std::string>(&p.value)) {
      w(*s);
    } else {
      name(std::get<table_name>(p.value));
    }
  }
}

void printer::exprs(const std::vector<expr_ptr>& v, std::size_t from) {
  for (std::size_t i = from; i < v.size(); ++i) {
    if (i > from) w(", ");
    expr_(*v[i]);
  }
}

void printer::column(const expr& e) {
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

void printer::expr_(const expr& e) {
  if (e.parenthesized) w("(");
  switch (e.kind) {
    case expr_kind::placeholder: {
      const std::string* bound = map_ ? map_->placeholder(e.index) : nullptr;
      w(bound ? *bound : e.text);
      break;
    }
    case expr_kind::literal:
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

void printer::case_(const expr& e) {
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

void printer::order(const std::vector<order_item>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) w(", ");
    expr_(*items[i].value);
    if (items[i].dir == order_item::direction::asc) w(" ASC");
    if (items[i].dir == order_item::direction::desc) w(" DESC");
  }
}

void printer::limit(const limit_clause& l) {
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

void printer::table(const table_ref& t) {
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

void printer::alias(const std::optional<identifier>& a) {
  if (!a) return;
  w(" AS ");
  id(*a);
}

void printer::tables(const std::vector<table_ref_ptr>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) w(", ");
    table(*v[i]);
  }
}

void printer::select(const select_stmt& s) {
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
  if (!s.into.empty() && (!s.terms.empty() || s.into_last)) opaque_run(s.into, true);
  if (s.parenthesized) w(")");
}

void printer::core(const select_stmt& s) {
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
    std::size_t at = out.size();
    const auto& item = s.items[i];
    expr_(*item.value);
    if (item.alias) {
      w(" AS ");
      id(*item.alias);
    } else if (map_ && map_->keep_item_names() && !item.source.empty() && item.source.size() <= 256 &&
               item.value->kind != expr_kind::column && item.value->kind != expr_kind::star &&
               item.value->kind != expr_kind::literal && std::string_view(out).substr(at) != item.source) {
      // Columns are named by their column name, literals by their value; everything
      // else by its text as written, which printing may have changed.
      w(" AS ");
      id(identifier{item.source, true});
    }
  }
  if (!s.into.empty() && !s.into_last) opaque_run(s.into, true);
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

}  // namespace shardwire::router::detail
