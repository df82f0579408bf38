// Aggregates across shards and the expressions the proxy evaluates over merged rows.
#include <algorithm>

#include "router/lexer.hpp"
#include "router/merge_ast.hpp"
#include "router/planner_merge_impl.hpp"

namespace shardwire::router::detail {

using merger::column_ref;
using merger::merge_op;
using merger::sort_key;
using mexpr = merger::expr;

// A column holding aggregate expression `e` merged across shards: at `at` (a visible
// item) or a new hidden column. Plain aggregates merge in place; AVG and expressions
// over aggregates are computed from hidden parts.
std::optional<column_ref> merge_planner::aggregate_column(const ast::expr& e, std::optional<column_ref> at) {
  if (!at) {
    auto c = clone(e);
    if (!c) {
      fail_ = unsupported("a subquery inside an aggregate across shards");
      return std::nullopt;
    }
    at = add_hidden(std::move(c));
  }
  std::string name = is_aggregate(e) ? ascii_upper(e.text) : "";
  bool star = !e.args.empty() && e.args[0] && e.args[0]->kind == ast::expr_kind::star;
  if (name == "COUNT" && e.distinct) {
    // Values of a sharding column never repeat across shards, so per-shard counts add
    // up, unless another COUNT(DISTINCT) splits the shards' groups by its values.
    if (e.args.size() == 1 && sharding_column(*e.args[0]) && !expands_groups_) {
      spec_.merges.push_back({*at, merge_op::count, std::nullopt, {}});
      return at;
    }
    merger::column_merge m{*at, merge_op::count_distinct, std::nullopt, {}};
    for (const auto& a : e.args) {
      auto v = clone(*a), g = clone(*a);
      if (!v || !g) {
        fail_ = unsupported("COUNT(DISTINCT) of a subquery across shards");
        return std::nullopt;
      }
      sort_key k{add_hidden(std::move(v)), weight_of(*a), false};
      m.distinct_of.push_back(k);
      // Shards group by the counted values too, so each sends every distinct value once.
      s_.group_by.push_back(ast::order_item{std::move(g), ast::order_item::direction::none});
    }
    spec_.merges.push_back(std::move(m));
    return at;
  }
  if (e.distinct && name != "MIN" && name != "MAX") {
    fail_ = unsupported(name + "(DISTINCT ...) across shards");
    return std::nullopt;
  }
  if (name == "COUNT" || (name == "SUM" && !star)) {
    spec_.merges.push_back({*at, name == "COUNT" ? merge_op::count : merge_op::sum, std::nullopt, {}});
    return at;
  }
  if (name == "MIN" || name == "MAX") {
    auto w = weight_of(e);
    spec_.merges.push_back({*at, name == "MIN" ? merge_op::min : merge_op::max, w, {}});
    return at;
  }
  // AVG and expressions over aggregates: the shard's own value gives the column its
  // type; the merged value is computed.
  auto m = merged(e);
  if (!m) return std::nullopt;
  spec_.computed.push_back({*at, std::move(*m)});
  return at;
}

// An expression over merged columns: aggregates become (hidden) merged columns,
// aggregate-free parts the shards' values (constant within a group).
std::optional<mexpr> merge_planner::merged(const ast::expr& e) {
  mexpr out;
  const auto* it = in_alias_ ? nullptr : item_by_alias(e);
  if (it && it->value.get() != &e) {
    auto i = static_cast<std::size_t>(it - s_.items.data());
    if (auto r = item_ref(i)) {
      out.o = mexpr::op::column;
      out.column = *r;
      return out;
    }
    in_alias_ = true;  // names inside the item's value are columns, not aliases
    auto r = merged(*it->value);
    in_alias_ = false;
    return r;
  }
  if (!uses_aggregate(e)) {
    if (e.kind == ast::expr_kind::literal && (e.lit == token_kind::number || e.lit == token_kind::string)) {
      if (e.lit == token_kind::string) {
        out.lit.k = merger::value::kind::str;
        out.text = string_value(e);
      } else if (auto d = merger::parse_decimal(e.text)) {
        out.lit.k = merger::value::kind::dec;
        out.lit.dec = *d;
      } else {
        out.lit.k = merger::value::kind::dbl;
        out.lit.d = std::strtod(e.text.c_str(), nullptr);
      }
      return out;
    }
    if (e.kind == ast::expr_kind::literal && ascii_upper(e.text) == "NULL") return out;
    if (e.kind == ast::expr_kind::interval) {
      fail_ = unsupported("date arithmetic (INTERVAL) over aggregates across shards");
      return std::nullopt;
    }
    out.o = mexpr::op::column;
    if (auto i = find_item(e); i && item_ref(*i)) {
      out.column = *item_ref(*i);
      return out;
    }
    auto c = clone(e);
    if (!c) {
      fail_ = unsupported("a subquery next to aggregates across shards");
      return std::nullopt;
    }
    out.column = add_hidden(std::move(c));
    return out;
  }
  if (is_aggregate(e)) {
    std::string name = ascii_upper(e.text);
    if (name == "AVG" && !e.distinct) {
      auto sum = clone(*e.args[0]), cnt = clone(*e.args[0]);
      if (!sum || !cnt) {
        fail_ = unsupported("AVG of a subquery across shards");
        return std::nullopt;
      }
      column_ref s = add_hidden(call("SUM", std::move(sum))), c = add_hidden(call("COUNT", std::move(cnt)));
      spec_.merges.push_back({s, merge_op::sum, std::nullopt, {}});
      spec_.merges.push_back({c, merge_op::count, std::nullopt, {}});
      out.o = mexpr::op::avg;
      mexpr a, b;
      a.o = b.o = mexpr::op::column;
      a.column = s;
      b.column = c;
      out.args.push_back(a);
      out.args.push_back(b);
      return out;
    }
    if (name != "COUNT" && name != "SUM" && name != "MIN" && name != "MAX") {
      fail_ = unsupported(name + "() across shards (the aggregate cannot be merged from per-shard parts)");
      return std::nullopt;
    }
    auto c = aggregate_column(e, std::nullopt);
    if (!c) return std::nullopt;
    out.o = mexpr::op::column;
    out.column = *c;
    return out;
  }
  static const std::pair<const char*, mexpr::op> binary_ops[] = {
      {"+", mexpr::op::add},  {"-", mexpr::op::sub},    {"*", mexpr::op::mul},   {"/", mexpr::op::div},
      {"DIV", mexpr::op::intdiv}, {"%", mexpr::op::mod}, {"MOD", mexpr::op::mod}, {"=", mexpr::op::eq},
      {"<>", mexpr::op::ne},  {"!=", mexpr::op::ne},    {"<", mexpr::op::lt},    {"<=", mexpr::op::le},
      {">", mexpr::op::gt},   {">=", mexpr::op::ge},    {"<=>", mexpr::op::nulleq}, {"AND", mexpr::op::and_},
      {"&&", mexpr::op::and_}, {"OR", mexpr::op::or_},  {"||", mexpr::op::or_},  {"XOR", mexpr::op::xor_}};
  auto args = [&](std::size_t from) -> bool {
    for (std::size_t i = from; i < e.args.size(); ++i) {
      auto a = merged(*e.args[i]);
      if (!a) return false;
      out.args.push_back(std::move(*a));
    }
    return true;
  };
  switch (e.kind) {
    case ast::expr_kind::binary:
      for (const auto& [text, o] : binary_ops) {
        if (ascii_upper(e.text) == text) {
          out.o = o;
          if (!args(0)) return std::nullopt;
          return out;
        }
      }
      break;
    case ast::expr_kind::unary: {
      std::string u = ascii_upper(e.text);
      if (u == "-" || u == "NOT" || u == "!" || u == "+") {
        if (u == "+") return merged(*e.args[0]);
        out.o = u == "-" ? mexpr::op::neg : mexpr::op::not_;
        if (!args(0)) return std::nullopt;
        return out;
      }
      break;
    }
    case ast::expr_kind::is: {
      std::string u = ascii_upper(e.text);
      if (u == "NULL") {
        out.o = e.negated ? mexpr::op::is_not_null : mexpr::op::is_null;
        if (!args(0)) return std::nullopt;
        return out;
      }
      break;
    }
    case ast::expr_kind::between:
      out.o = mexpr::op::between;
      out.negated = e.negated;
      if (!args(0)) return std::nullopt;
      return out;
    case ast::expr_kind::in_list:
      out.o = mexpr::op::in;
      out.negated = e.negated;
      if (!args(0)) return std::nullopt;
      return out;
    case ast::expr_kind::case_when:
      out.o = mexpr::op::case_when;
      out.has_operand = e.has_operand;
      out.has_else = e.has_else;
      if (!args(0)) return std::nullopt;
      return out;
    case ast::expr_kind::function: {
      static const char* fns[] = {"ROUND", "TRUNCATE", "ABS", "CEIL", "CEILING", "FLOOR", "IFNULL", "COALESCE",
                                  "GREATEST", "LEAST", "IF", "NULLIF"};
      std::string u = ascii_upper(e.text);
      if (e.tail.empty() && std::any_of(std::begin(fns), std::end(fns), [&](const char* f) { return u == f; })) {
        if (u == "TRUNCATE") break;  // not rounding: leave it to the refusal below
        out.o = mexpr::op::function;
        out.text = u;
        if (!args(0)) return std::nullopt;
        return out;
      }
      break;
    }
    default: break;
  }
  fail_ = unsupported("the expression " + format(e) + " over aggregates across shards");
  return std::nullopt;
}


}  // namespace shardwire::router::detail
