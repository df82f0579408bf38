// Internals of the parser, shared by parser_*.cpp. A cursor over the token vector
// with a sticky first error: after an error every accept/expect consumes nothing and
// peek() sees the end token, so loops and recursion unwind without checks at every
// call, and the caller reads failed() once.
#pragma once

#include <string>
#include <vector>

#include "router/parser.hpp"

namespace shardwire::router::detail {

class parser {
 public:
  parser(std::string_view sql, std::vector<token> toks) : sql_(sql), toks_(std::move(toks)) {}

  // statements (parser_stmt.cpp, parser_ddl.cpp)
  ast::statement statement();
  std::unique_ptr<ast::select_stmt> query();
  // expressions (parser_expr.cpp)
  ast::expr_ptr expr();
  std::vector<ast::expr_ptr> expr_list();

  bool failed() const { return failed_; }
  const parse_error& error() const { return error_; }
  bool at_end() const { return peek().kind == token_kind::end || (peek().is_op(";") && peek(1).kind == token_kind::end); }
  const std::vector<std::string>& hints() const { return hints_; }
  int placeholders() const { return placeholders_; }

  // --- cursor ----------------------------------------------------------------
  const token& peek(std::size_t ahead = 0) const;
  const token& take();
  bool word(std::string_view upper) const { return peek().is_word(upper); }
  bool word_at(std::size_t ahead, std::string_view upper) const { return peek(ahead).is_word(upper); }
  bool op(std::string_view o) const { return peek().is_op(o); }
  bool accept_word(std::string_view upper);
  bool accept_op(std::string_view o);
  void expect_word(std::string_view upper);
  void expect_op(std::string_view o);
  void fail(const std::string& what);
  std::string upper(const token& t) const;

  // --- pieces shared by statements ---------------------------------------------
  ast::identifier ident();                 // bare (non-reserved) or quoted identifier
  bool is_ident_start(std::size_t ahead = 0) const;
  ast::table_name table_name();
  std::optional<ast::identifier> alias();  // [AS] alias
  std::vector<ast::order_item> order_list();
  std::optional<ast::limit_clause> limit();
  std::vector<ast::assignment> assignments();
  std::vector<ast::table_ref_ptr> table_refs();
  ast::opaque balanced();                  // ( ... ) as written, nested parentheses included
  ast::opaque rest_opaque(bool tables_after_keywords = true, bool keep_semicolons = false);  // to the end of the statement
  void append_token(ast::opaque& out, const token& t);
  static bool reserved(const token& t);

  // --- nesting limits (parser.hpp) ---------------------------------------------
  // One more level of recursion while alive; past max_depth the parse fails and every
  // later call sees the end token, so the recursion unwinds at once.
  class nested {
   public:
    explicit nested(parser& p) : p_(p) {
      if (++p_.depth_ > max_depth) p_.fail_too_deep("levels of nesting", max_depth);
    }
    ~nested() { --p_.depth_; }
    nested(const nested&) = delete;
    nested& operator=(const nested&) = delete;

   private:
    parser& p_;
  };
  // Sets e's height from its children (already sealed) and fails past max_height.
  ast::expr_ptr seal(ast::expr_ptr e);
  void fail_too_deep(std::string_view what, std::uint32_t limit);
  void count_join();

 private:
  // expressions
  ast::expr_ptr or_expr();
  ast::expr_ptr xor_expr();
  ast::expr_ptr and_expr();
  ast::expr_ptr not_expr();
  ast::expr_ptr predicate();
  ast::expr_ptr bit_or();
  ast::expr_ptr bit_and();
  ast::expr_ptr shift();
  ast::expr_ptr additive();
  ast::expr_ptr multiplicative();
  ast::expr_ptr bit_xor();
  ast::expr_ptr unary();
  ast::expr_ptr collate();
  ast::expr_ptr primary();
  ast::expr_ptr primary_node();
  ast::expr_ptr function_call(const token& name);
  ast::expr_ptr case_expr();
  ast::expr_ptr paren_expr();
  ast::expr_ptr column_ref();
  ast::expr_ptr literal(const token& t);
  ast::expr_ptr binary(std::string opname, ast::expr_ptr l, ast::expr_ptr r);

  // statements
  std::unique_ptr<ast::select_stmt> query_body();
  std::unique_ptr<ast::select_stmt> query_term();
  std::unique_ptr<ast::select_stmt> select_core();
  void select_tail(ast::select_stmt& s);
  ast::table_ref_ptr table_ref();
  ast::table_ref_ptr table_factor();
  std::string join_op();
  ast::insert_stmt insert();
  ast::update_stmt update();
  void where_order_limit(ast::expr_ptr& where, std::vector<ast::order_item>& order_by,
                         std::optional<ast::limit_clause>& lim);
  ast::delete_stmt delete_();
  ast::statement ddl_create();
  ast::statement ddl_alter();
  ast::statement ddl_drop();
  ast::statement ddl_truncate();
  ast::statement ddl_rename();
  ast::set_stmt set();
  ast::show_stmt show();
  ast::transaction_stmt transaction();
  ast::statement explain();
  ast::statement other();
  ast::statement shardwire_command();

  std::string_view sql_;
  std::vector<token> toks_;
  std::size_t pos_ = 0;
  bool failed_ = false;
  parse_error error_;
  std::vector<std::string> hints_;
  int placeholders_ = 0;
  std::uint32_t depth_ = 0;         // recursion depth now
  std::uint32_t query_height_ = 0;  // tallest expression sealed in the query being parsed
  std::uint32_t joins_ = 0;
};

}  // namespace shardwire::router::detail
