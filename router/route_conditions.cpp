#include "router/route_conditions.hpp"

#include <algorithm>
#include <cstdlib>

#include "router/lexer.hpp"

namespace shardwire::router {

namespace {
using ast::expr;
using ast::expr_kind;

bool integral_text(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A sharding column of one of the statement's sharded tables: which table.
const sharded_use* sharding_column(const expr& e, const condition_context& ctx, std::string& column) {
  if (e.kind != expr_kind::column || e.names.empty()) return nullptr;
  column = e.names.back().name;
  const sharded_use* found = nullptr;
  for (const auto& t : ctx.tables) {
    if (!t.rule->is_sharding_column(column)) continue;
    if (e.names.size() >= 2) {
      if (e.names[e.names.size() - 2].name == t.qualifier) return &t;
      continue;
    }
    if (!found) found = &t;  // unqualified: bound tables route alike, the first will do
  }
  return found;
}

node_set route_eq(const sharded_use& t, const std::string& column, const shard_value& v) {
  auto i = t.rule->route(column, v);
  if (!i) return std::nullopt;
  return std::set<std::size_t>{*i};
}

node_set comparison(const expr& e, const condition_context& ctx) {
  const std::string& o = e.text;
  bool cmp = o == "=" || o == "<=>" || o == "<" || o == "<=" || o == ">" || o == ">=";
  if (!cmp) return std::nullopt;
  std::string column;
  const expr* col = e.args[0].get();
  const expr* val = e.args[1].get();
  bool flipped = false;
  const sharded_use* t = sharding_column(*col, ctx, column);
  if (!t) {
    std::swap(col, val);
    flipped = true;
    t = sharding_column(*col, ctx, column);
  }
  if (!t) return std::nullopt;
  auto v = constant_of(*val, ctx.params);
  if (!v) return std::nullopt;
  if (o == "=" || o == "<=>") {
    if (v->is_null() && o == "=") return std::set<std::size_t>{};  // col = NULL matches nothing
    return route_eq(*t, column, *v);
  }
  // col < v, or v < col written the other way round
  bool less = (o == "<" || o == "<=") != flipped;
  bool inclusive = o == "<=" || o == ">=";
  range_bound b{*v, inclusive};
  if (less) return t->rule->route_range(column, std::nullopt, b);
  return t->rule->route_range(column, b, std::nullopt);
}

node_set in_list(const expr& e, const condition_context& ctx) {
  std::string column;
  const sharded_use* t = sharding_column(*e.args[0], ctx, column);
  if (!t || e.negated) return std::nullopt;
  std::set<std::size_t> nodes;
  for (std::size_t i = 1; i < e.args.size(); ++i) {
    auto v = constant_of(*e.args[i], ctx.params);
    if (!v) return std::nullopt;
    if (v->is_null()) continue;
    auto n = t->rule->route(column, *v);
    if (!n) return std::nullopt;
    nodes.insert(*n);
  }
  return nodes;
}

node_set between(const expr& e, const condition_context& ctx) {
  std::string column;
  const sharded_use* t = sharding_column(*e.args[0], ctx, column);
  if (!t || e.negated) return std::nullopt;
  auto lo = constant_of(*e.args[1], ctx.params);
  auto hi = constant_of(*e.args[2], ctx.params);
  if (!lo || !hi) return std::nullopt;
  return t->rule->route_range(column, range_bound{*lo, true}, range_bound{*hi, true});
}
}  // namespace

shard_value number_value(const std::string& text) {
  if (integral_text(text)) {
    try {
      if (text[0] == '-') return shard_value::of_int(std::stoll(text));
      return shard_value::of_uint(std::stoull(text));
    } catch (...) {  // out of 64-bit range: keep it exact as a decimal
      return shard_value::of_decimal(text);
    }
  }
  // strtod, not stod: 1e999 is the server's overflow to handle, never an exception here.
  if (text.find_first_of("eE") != std::string::npos) return shard_value::of_double(std::strtod(text.c_str(), nullptr));
  return shard_value::of_decimal(text);
}

std::optional<shard_value> constant_of(const expr& e, const std::vector<shard_value>* params) {
  switch (e.kind) {
    case expr_kind::literal: {
      if (e.lit == token_kind::number) return number_value(e.text);
      if (e.lit == token_kind::identifier && e.text == "NULL") return shard_value::null();
      // DATE '...' / TIMESTAMP '...' are string-kind literals whose text carries the
      // keyword: check them before plain strings, or they never become datetimes.
      if (e.text.starts_with("DATE ") || e.text.starts_with("TIMESTAMP ")) {
        const std::string quoted = e.text.substr(e.text.find(' ') + 1);  // tokens view into it: keep it alive
        auto toks = lex(quoted);
        if (toks.empty() || toks[0].kind != token_kind::string) return std::nullopt;
        return shard_value::of_datetime(unescape_string(toks[0]));
      }
      if (e.lit == token_kind::string) {
        // e.text is the raw literal; re-lex it to decode escapes exactly like the lexer.
        auto toks = lex(e.text);
        if (toks.empty() || toks[0].kind != token_kind::string) return std::nullopt;
        return shard_value::of_string(unescape_string(toks[0]));
      }
      return std::nullopt;
    }
    case expr_kind::unary:
      if (e.text == "-" && e.args[0]->kind == expr_kind::literal && e.args[0]->lit == token_kind::number) {
        return number_value("-" + e.args[0]->text);
      }
      if (e.text == "+") return constant_of(*e.args[0], params);
      return std::nullopt;
    case expr_kind::placeholder:
      if (params && e.index >= 0 && static_cast<std::size_t>(e.index) < params->size()) return (*params)[e.index];
      return std::nullopt;
    default: return std::nullopt;
  }
}

node_set intersect(const node_set& a, const node_set& b) {
  if (!a) return b;
  if (!b) return a;
  std::set<std::size_t> out;
  std::set_intersection(a->begin(), a->end(), b->begin(), b->end(), std::inserter(out, out.end()));
  return out;
}

node_set unite(const node_set& a, const node_set& b) {
  if (!a || !b) return std::nullopt;
  std::set<std::size_t> out = *a;
  out.insert(b->begin(), b->end());
  return out;
}

node_set match_nodes(const expr* where, const condition_context& ctx) {
  if (!where) return std::nullopt;
  const expr& e = *where;
  switch (e.kind) {
    case expr_kind::binary:
      if (e.text == "AND" || e.text == "&&") {
        return intersect(match_nodes(e.args[0].get(), ctx), match_nodes(e.args[1].get(), ctx));
      }
      if (e.text == "OR" || e.text == "||") {
        return unite(match_nodes(e.args[0].get(), ctx), match_nodes(e.args[1].get(), ctx));
      }
      return comparison(e, ctx);
    case expr_kind::in_list: return in_list(e, ctx);
    case expr_kind::between: return between(e, ctx);
    default: return std::nullopt;
  }
}

}  // namespace shardwire::router
