#include "router/table_refs.hpp"

#include <set>

namespace shardwire::router {

namespace {
using namespace ast;

class collector {
 public:
  std::vector<table_use> out;

  void statement(const ast::statement& st) { std::visit([&](const auto& n) { node(n); }, st.node); }

  void node(const select_stmt& s) { select(s); }
  void node(const insert_stmt& s) {
    add(s.table, nullptr);
    for (const auto& row : s.rows) exprs(row);
    assignments(s.set);
    assignments(s.on_duplicate);
    if (s.select) select(*s.select);
  }
  void node(const update_stmt& s) {
    refs(s.tables);
    assignments(s.set);
    opt(s.where);
    order(s.order_by);
  }
  void node(const delete_stmt& s) {
    // Multi-table targets name tables (or aliases) that also appear in FROM.
    refs(s.from);
    for (const auto& t : s.targets) {
      if (!is_alias(t)) add(t, nullptr);
    }
    opt(s.where);
    order(s.order_by);
  }
  void node(const ddl_stmt& d) {
    for (const auto& t : d.tables) add(t, nullptr);
    pieces(d.body);
    if (d.as_select) select(*d.as_select);
  }
  void node(const set_stmt& s) {
    for (const auto& it : s.items) opt(it.value);
  }
  void node(const use_stmt&) {}
  void node(const show_stmt& s) { pieces(s.body); }
  void node(const transaction_stmt&) {}
  void node(const explain_stmt& e) {
    if (e.target) statement(*e.target);
    if (e.table) add(*e.table, nullptr);
  }
  void node(const shardwire_explain& e) { statement(*e.target); }
  void node(const shardwire_next_id& n) { add(n.table, nullptr); }
  void node(const other_stmt& o) { pieces(o.body); }

 private:
  std::vector<std::set<std::string>> cte_scopes_;

  bool is_cte(const table_name& n) const {
    if (n.schema) return false;
    for (const auto& scope : cte_scopes_) {
      if (scope.count(n.table.name)) return true;
    }
    return false;
  }
  bool is_alias(const table_name& n) const {
    if (n.schema) return false;
    for (const auto& u : out) {
      if (u.alias && u.alias->name == n.table.name) return true;
    }
    return false;
  }
  void add(const table_name& n, const identifier* alias) {
    if (!is_cte(n)) out.push_back({&n, alias});
  }
  void pieces(const opaque& o) {
    for (const auto& p : o) {
      if (const auto* n = std::get_if<table_name>(&p.value)) add(*n, nullptr);
    }
  }
  void opt(const expr_ptr& e) {
    if (e) expr(*e);
  }
  void exprs(const std::vector<expr_ptr>& v) {
    for (const auto& e : v) opt(e);
  }
  void order(const std::vector<order_item>& v) {
    for (const auto& o : v) opt(o.value);
  }
  void assignments(const std::vector<assignment>& v) {
    for (const auto& a : v) opt(a.value);
  }
  void expr(const ast::expr& e) {
    exprs(e.args);
    if (e.query) select(*e.query);
  }
  void refs(const std::vector<table_ref_ptr>& v) {
    for (const auto& r : v) ref(*r);
  }
  void ref(const table_ref& r) {
    switch (r.type) {
      case table_ref::kind::table: add(r.name, r.alias ? &*r.alias : nullptr); break;
      case table_ref::kind::derived: select(*r.derived); break;
      case table_ref::kind::join:
        ref(*r.left);
        ref(*r.right);
        opt(r.on);
        break;
    }
  }
  void select(const select_stmt& s) {
    std::set<std::string> names;
    for (const auto& c : s.ctes) names.insert(c.name.name);
    // A recursive CTE's body may name itself, so the scope covers the bodies too.
    cte_scopes_.push_back(std::move(names));
    for (const auto& c : s.ctes) select(*c.query);
    for (const auto& t : s.terms) select(*t.select);
    for (const auto& i : s.items) opt(i.value);
    refs(s.from);
    opt(s.where);
    order(s.group_by);
    opt(s.having);
    order(s.order_by);
    cte_scopes_.pop_back();
  }
};
}  // namespace

std::vector<table_use> collect_tables(const ast::statement& st) {
  collector c;
  c.statement(st);
  return std::move(c.out);
}

}  // namespace shardwire::router
