// Internals of the formatter: the printer both formatter.cpp (expressions, tables,
// SELECT) and formatter_stmt.cpp (other statements, public API) implement.
#pragma once

#include <string>
#include <vector>

#include "router/formatter.hpp"

namespace shardwire::router::detail {

using namespace ast;

class printer {
 public:
  explicit printer(const name_mapper* map) : map_(map) {}
  std::string out;
  void w(std::string_view s) { out += s; }
  void id(const identifier& i) { out += format_identifier(i); }
  void name(const table_name& n);
  void opaque_run(const opaque& o, bool leading_space);
  void exprs(const std::vector<expr_ptr>& v, std::size_t from = 0);
  void column(const expr& e);
  void expr_(const expr& e);
  void case_(const expr& e);
  void order(const std::vector<order_item>& items);
  void limit(const limit_clause& l);
  void table(const table_ref& t);
  void alias(const std::optional<identifier>& a);
  void tables(const std::vector<table_ref_ptr>& v);
  void select(const select_stmt& s);
  void core(const select_stmt& s);
  void assignments(const std::vector<assignment>& v);
  void verb_hints();
  void insert(const insert_stmt& s);
  void update(const update_stmt& s);
  void where_order_limit(const expr_ptr& where, const std::vector<order_item>& ob,
                         const std::optional<limit_clause>& l);
  void delete_(const delete_stmt& s);
  void ddl(const ddl_stmt& d);
  void set(const set_stmt& s);
  void set_item(const set_stmt::item& it);
  void transaction(const transaction_stmt& t);
  void statement(const ast::statement& st);
  void node(const select_stmt& s) { select(s); }
  void node(const insert_stmt& s) { insert(s); }
  void node(const update_stmt& s) { update(s); }
  void node(const delete_stmt& s) { delete_(s); }
  void node(const ddl_stmt& s) { ddl(s); }
  void node(const set_stmt& s) { set(s); }
  void node(const use_stmt& s);
  void node(const show_stmt& s);
  void node(const transaction_stmt& s) { transaction(s); }
  void node(const explain_stmt& s);
  void node(const shardwire_explain& s);
  void node(const shardwire_next_id& s);
  void node(const other_stmt& s) { opaque_run(s.body, false); }

 private:
  const name_mapper* map_;
  std::vector<std::string> hints_;
};

}  // namespace shardwire::router::detail
