#include "router/merge_ast.hpp"

#include <algorithm>

#include "router/formatter.hpp"
#include "router/lexer.hpp"

namespace shardwire::router::detail {

bool is_aggregate_name(std::string_view n) {
  static const char* names[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "STD", "STDDEV", "STDDEV_POP",
                                "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP", "BIT_AND", "BIT_OR", "BIT_XOR",
                                "JSON_ARRAYAGG", "JSON_OBJECTAGG"};
  std::string u = ascii_upper(n);
  return std::any_of(std::begin(names), std::end(names), [&](const char* x) { return u == x; });
}

bool is_aggregate(const ast::expr& e) {
  return e.kind == ast::expr_kind::function && e.over.empty() && is_aggregate_name(e.text);
}

bool contains_aggregate(const ast::expr& e) {
  if (is_aggregate(e)) return true;
  if (e.query) return false;  // a subquery's aggregates are its own
  return std::any_of(e.args.begin(), e.args.end(), [](const auto& a) { return a && contains_aggregate(*a); });
}

bool has_window(const ast::expr& e) {
  if (e.kind == ast::expr_kind::function && !e.over.empty()) return true;
  return std::any_of(e.args.begin(), e.args.end(), [](const auto& a) { return a && has_window(*a); });
}

ast::expr_ptr clone(const ast::expr& e) {
  if (e.query) return nullptr;
  auto c = std::make_unique<ast::expr>();
  c->kind = e.kind;
  c->text = e.text;
  c->lit = e.lit;
  c->quote = e.quote;
  c->charset = e.charset;
  c->names = e.names;
  c->tail = e.tail;
  c->over = e.over;
  c->index = e.index;
  c->negated = e.negated;
  c->distinct = e.distinct;
  c->system = e.system;
  c->has_operand = e.has_operand;
  c->has_else = e.has_else;
  c->parenthesized = e.parenthesized;
  for (const auto& a : e.args) {
    if (!a) {
      c->args.push_back(nullptr);
      continue;
    }
    auto ca = clone(*a);
    if (!ca) return nullptr;
    c->args.push_back(std::move(ca));
  }
  return c;
}

ast::expr_ptr call(const std::string& name, ast::expr_ptr arg) {
  auto f = std::make_unique<ast::expr>();
  f->kind = ast::expr_kind::function;
  f->text = name;
  f->args.push_back(std::move(arg));
  return f;
}

std::string string_value(const ast::expr& e) { return string_literal_value(e.text); }

std::string key_text(const ast::expr& e) {
  std::string s = format(e);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool whole_result_needed(const ast::select_stmt& d) {
  if (!d.terms.empty()) {
    return d.limit.has_value() || std::any_of(d.terms.begin(), d.terms.end(), [](const auto& t) {
             return (!t.op.empty() && t.op != "UNION ALL") || whole_result_needed(*t.select);
           });
  }
  return d.limit || !d.group_by.empty() || d.distinct || d.having || !d.window.empty() ||
         std::any_of(d.items.begin(), d.items.end(),
                     [](const auto& it) { return it.value && (contains_aggregate(*it.value) || has_window(*it.value)); });
}

bool derived_needs_whole(const ast::table_ref& r) {
  if (r.type == ast::table_ref::kind::derived) return whole_result_needed(*r.derived);
  if (r.type == ast::table_ref::kind::join) return derived_needs_whole(*r.left) || derived_needs_whole(*r.right);
  return false;
}

}  // namespace shardwire::router::detail
