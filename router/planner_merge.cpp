#include "router/planner_merge.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "router/lexer.hpp"

namespace shardwire::router::detail {

namespace {

using merger::column_ref;
using merger::merge_op;
using merger::sort_key;
using mexpr = merger::expr;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_aggregate_name(const std::string& n) {
  static const char* names[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "GROUP_CONCAT", "STD", "STDDEV", "STDDEV_POP",
                                "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP", "BIT_AND", "BIT_OR", "BIT_XOR",
                                "JSON_ARRAYAGG", "JSON_OBJECTAGG"};
  std::string u = upper(n);
  return std::any_of(std::begin(names), std::end(names), [&](const char* x) { return u == x; });
}

bool is_aggregate(const ast::expr& e) {
  return e.kind == ast::expr_kind::function && e.over.empty() && is_aggregate_name(e.text);
}

bool has_window(const ast::expr& e) {
  if (e.kind == ast::expr_kind::function && !e.over.empty()) return true;
  return std::any_of(e.args.begin(), e.args.end(), [](const auto& a) { return a && has_window(*a); });
}

// Deep copy of an expression without subqueries (nullptr when it has one).
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

// The value of a string literal as the server reads it (the AST keeps it as written).
std::string string_value(const ast::expr& e) {
  std::string_view t = e.text;
  if (t.size() >= 2 && e.quote && t.front() == e.quote && t.back() == e.quote) t = t.substr(1, t.size() - 2);
  token tok;
  tok.kind = token_kind::string;
  tok.text = t;
  tok.quote = e.quote;
  return unescape_string(tok);
}

std::string key_text(const ast::expr& e) {  // for matching ORDER BY / GROUP BY to select items
  std::string s = format(e);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class merge_planner {
 public:
  merge_planner(ast::select_stmt& s, const std::vector<sharded_use>& set, const route_context& ctx)
      : s_(s), set_(set), ctx_(ctx) {}

  boost::system::result<merge_rewrite, protocol::sql_error> run();

 private:
  using error = protocol::sql_error;

  std::optional<error> check_supported();
  bool groups_local() const;
  bool sharding_column(const ast::expr& e) const;
  bool uses_aggregate(const ast::expr& e) const;
  const ast::select_item* item_by_alias(const ast::expr& e) const;
  std::optional<std::size_t> find_item(const ast::expr& e) const;
  std::optional<column_ref> item_ref(std::size_t i) const;
  column_ref add_hidden(ast::expr_ptr e);
  std::optional<column_ref> weight_of(const ast::expr& e);
  std::optional<sort_key> resolve_key(const ast::expr& e, bool desc, bool aggregate_mode);
  std::optional<column_ref> aggregate_column(const ast::expr& e, std::optional<column_ref> at);
  std::optional<mexpr> merged(const ast::expr& e);
  std::optional<error> plan_items();
  std::optional<error> plan_having();
  std::optional<error> plan_plain();
  std::optional<error> plan_aggregate();
  std::optional<std::uint64_t> number(const ast::expr* e) const;
  std::string union_tail(std::optional<std::uint64_t> rows) const;

  ast::select_stmt& s_;
  const std::vector<sharded_use>& set_;
  const route_context& ctx_;
  merger::merge_spec spec_;
  std::size_t visible_items_ = 0;   // items before a *, whose column index is known
  std::vector<ast::select_item> hidden_;
  std::optional<error> fail_;
  bool expands_groups_ = false;  // some COUNT(DISTINCT) adds its values to the shards' GROUP BY
};

// A derived table computed node by node equals the unsharded one only when it is a
// plain row filter: LIMIT, grouping, aggregates or DISTINCT inside would be per node.
bool whole_result_needed(const ast::select_stmt& d) {
  if (!d.terms.empty()) {
    return std::any_of(d.terms.begin(), d.terms.end(), [](const auto& t) {
      return (!t.op.empty() && t.op != "UNION ALL") || whole_result_needed(*t.select);
    }) || d.limit.has_value();
  }
  return d.limit || !d.group_by.empty() || d.distinct || d.having || !d.window.empty() ||
         std::any_of(d.items.begin(), d.items.end(), [](const auto& it) {
           std::function<bool(const ast::expr&)> agg = [&](const ast::expr& e) {
             if (e.kind == ast::expr_kind::function && is_aggregate_name(e.text)) return true;
             return std::any_of(e.args.begin(), e.args.end(), [&](const auto& a) { return a && agg(*a); });
           };
           return it.value && agg(*it.value);
         });
}

bool derived_needs_whole(const ast::table_ref& r) {
  if (r.type == ast::table_ref::kind::derived) return whole_result_needed(*r.derived);
  if (r.type == ast::table_ref::kind::join) return derived_needs_whole(*r.left) || derived_needs_whole(*r.right);
  return false;
}

std::optional<protocol::sql_error> merge_planner::check_supported() {
  auto has = [&](const std::string& o) { return std::find(s_.options.begin(), s_.options.end(), o) != s_.options.end(); };
  if (s_.recursive) return unsupported("WITH RECURSIVE across shards");
  for (const auto& c : s_.ctes) {
    if (whole_result_needed(*c.query)) {
      return unsupported("a WITH (CTE) with LIMIT, GROUP BY, DISTINCT or aggregates across shards");
    }
  }
  for (const auto& r : s_.from) {
    if (derived_needs_whole(*r)) {
      return unsupported("a derived table with LIMIT, GROUP BY, DISTINCT or aggregates across shards");
    }
  }
  if (has("SQL_CALC_FOUND_ROWS")) return unsupported("SQL_CALC_FOUND_ROWS across shards");
  if (s_.with_rollup) return unsupported("WITH ROLLUP across shards");
  if (!s_.window.empty()) return unsupported("window functions across shards");
  for (const auto& it : s_.items) {
    if (it.value && has_window(*it.value)) return unsupported("window functions across shards");
  }
  for (const auto& o : s_.order_by) {
    if (has_window(*o.value)) return unsupported("window functions across shards");
  }
  return std::nullopt;
}

bool merge_planner::sharding_column(const ast::expr& e) const {
  if (e.kind != ast::expr_kind::column || e.names.empty()) return false;
  const std::string& col = e.names.back().name;
  for (const auto& u : set_) {
    if (!u.rule->is_sharding_column(col)) continue;
    if (e.names.size() < 2 || e.names[e.names.size() - 2].name == u.qualifier) return true;
  }
  return false;
}

// GROUP BY (or DISTINCT over) a sharding column: every group lives on one node.
bool merge_planner::groups_local() const {
  for (const auto& g : s_.group_by) {
    const ast::expr* e = g.value.get();
    if (auto i = find_item(*e); i && e->kind != ast::expr_kind::column) e = s_.items[*i].value.get();
    if (e && sharding_column(*e)) return true;
  }
  if (s_.distinct && s_.group_by.empty()) {
    for (const auto& it : s_.items) {
      if (it.value && sharding_column(*it.value)) return true;
    }
  }
  return false;
}

const ast::select_item* merge_planner::item_by_alias(const ast::expr& e) const {
  if (e.kind != ast::expr_kind::column || e.names.size() != 1) return nullptr;
  for (const auto& it : s_.items) {
    if (it.alias && same_column(it.alias->name, e.names[0].name)) return &it;
  }
  return nullptr;
}

bool merge_planner::uses_aggregate(const ast::expr& e) const {
  if (is_aggregate(e)) return true;
  if (const auto* it = item_by_alias(e); it && it->value.get() != &e && uses_aggregate(*it->value)) return true;
  if (e.query) return false;  // a subquery's aggregates are its own
  return std::any_of(e.args.begin(), e.args.end(), [&](const auto& a) { return a && uses_aggregate(*a); });
}

// The select item an ORDER BY / GROUP BY expression denotes: a position, an alias, or
// the same expression.
std::optional<std::size_t> merge_planner::find_item(const ast::expr& e) const {
  if (e.kind == ast::expr_kind::literal && e.lit == token_kind::number) {
    std::size_t p = 0;
    auto r = std::from_chars(e.text.data(), e.text.data() + e.text.size(), p);
    if (r.ec == std::errc{} && p >= 1 && p <= s_.items.size()) return p - 1;
    return std::nullopt;
  }
  if (const auto* it = item_by_alias(e)) return static_cast<std::size_t>(it - s_.items.data());
  std::string k = key_text(e);
  for (std::size_t i = 0; i < s_.items.size(); ++i) {
    const auto* v = s_.items[i].value.get();
    if (!v || v->kind == ast::expr_kind::star) continue;
    if (key_text(*v) == k) return i;
    // `user_id` and `o.user_id` name the same column when the query has one table use
    if (v->kind == ast::expr_kind::column && e.kind == ast::expr_kind::column && set_.size() == 1 &&
        same_column(v->names.back().name, e.names.back().name) && (v->names.size() == 1 || e.names.size() == 1)) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<column_ref> merge_planner::item_ref(std::size_t i) const {
  if (i >= visible_items_) return std::nullopt;  // after a *: its column is unknown
  return column_ref{static_cast<int>(i), false};
}

column_ref merge_planner::add_hidden(ast::expr_ptr e) {
  int n = static_cast<int>(hidden_.size());
  ast::select_item item;
  item.value = std::move(e);
  item.alias = ast::identifier{"__sw_h" + std::to_string(n), false};
  hidden_.push_back(std::move(item));
  return column_ref{n, true};
}

std::optional<column_ref> merge_planner::weight_of(const ast::expr& e) {
  auto c = clone(e);
  if (!c) return std::nullopt;
  return add_hidden(call("WEIGHT_STRING", std::move(c)));
}

// A sort/group key: the select item it denotes, or a hidden copy; strings by weight.
std::optional<sort_key> merge_planner::resolve_key(const ast::expr& e, bool desc, bool aggregate_mode) {
  sort_key k;
  k.desc = desc;
  const ast::expr* value = &e;
  auto i = find_item(e);
  if (i) value = s_.items[*i].value.get();
  if (e.kind == ast::expr_kind::literal && e.lit == token_kind::number) {
    if (!i) {
      fail_ = unsupported("ORDER BY/GROUP BY position " + e.text + " outside the select list");
      return std::nullopt;
    }
    k.value = column_ref{static_cast<int>(*i), false};  // a position is a column index even after *
    if (*i >= visible_items_) value = nullptr;           // (no weight: the column's expression is unknown)
  } else if (auto r = i ? item_ref(*i) : std::nullopt) {
    k.value = *r;
  } else if (aggregate_mode && uses_aggregate(e)) {
    auto c = aggregate_column(e, std::nullopt);
    if (!c) return std::nullopt;
    k.value = *c;
    value = nullptr;
  } else {
    auto c = clone(e);
    if (!c) {
      fail_ = unsupported("a subquery as an ORDER BY/GROUP BY key across shards");
      return std::nullopt;
    }
    k.value = add_hidden(std::move(c));
  }
  if (value && value->kind != ast::expr_kind::star) {
    if (aggregate_mode && uses_aggregate(*value)) {
      // MIN/MAX of strings: the weight travels with the merged value
      for (const auto& m : spec_.merges) {
        if (m.column == k.value && m.weight) k.weight = m.weight;
      }
    } else {
      k.weight = weight_of(*value);
    }
  }
  return k;
}

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
  std::string name = is_aggregate(e) ? upper(e.text) : "";
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
  if (const auto* it = item_by_alias(e); it && it->value.get() != &e) {
    auto i = static_cast<std::size_t>(it - s_.items.data());
    if (auto r = item_ref(i)) {
      out.o = mexpr::op::column;
      out.column = *r;
      return out;
    }
    return merged(*it->value);
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
    if (e.kind == ast::expr_kind::literal && upper(e.text) == "NULL") return out;
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
    std::string name = upper(e.text);
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
        if (upper(e.text) == text) {
          out.o = o;
          if (!args(0)) return std::nullopt;
          return out;
        }
      }
      break;
    case ast::expr_kind::unary: {
      std::string u = upper(e.text);
      if (u == "-" || u == "NOT" || u == "!" || u == "+") {
        if (u == "+") return merged(*e.args[0]);
        out.o = u == "-" ? mexpr::op::neg : mexpr::op::not_;
        if (!args(0)) return std::nullopt;
        return out;
      }
      break;
    }
    case ast::expr_kind::is: {
      std::string u = upper(e.text);
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
      std::string u = upper(e.text);
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

std::optional<std::uint64_t> merge_planner::number(const ast::expr* e) const {
  if (!e) return std::nullopt;
  if (auto v = constant_of(*e, ctx_.params)) {
    if (auto i = integer_of(*v); i && *i >= 0) return static_cast<std::uint64_t>(*i);
  }
  return std::nullopt;
}

std::string merge_planner::union_tail(std::optional<std::uint64_t> rows) const {
  std::string out;
  for (const auto& k : spec_.order) {
    out += out.empty() ? "ORDER BY " : ", ";
    out += k.value.hidden ? "`__sw_h" + std::to_string(k.value.index) + "`" : std::to_string(k.value.index + 1);
    if (k.desc) out += " DESC";
  }
  if (rows) out += (out.empty() ? "" : " ") + std::string("LIMIT ") + std::to_string(*rows);
  return out;
}

// No aggregation across shards: rows are final; merge by ORDER BY, then LIMIT.
std::optional<protocol::sql_error> merge_planner::plan_plain() {
  for (const auto& o : s_.order_by) {
    auto k = resolve_key(*o.value, o.dir == ast::order_item::direction::desc, false);
    if (!k) return fail_;
    spec_.order.push_back(*k);
  }
  return std::nullopt;
}

std::optional<protocol::sql_error> merge_planner::plan_having() {
  if (!s_.having) return std::nullopt;
  // Conjuncts without aggregates filter groups by their keys: the shards apply them.
  std::vector<ast::expr_ptr> parts, local;
  std::vector<ast::expr_ptr> stack;
  stack.push_back(std::move(s_.having));
  while (!stack.empty()) {
    auto e = std::move(stack.back());
    stack.pop_back();
    if (e->kind == ast::expr_kind::binary && (upper(e->text) == "AND" || e->text == "&&") && !e->parenthesized) {
      stack.push_back(std::move(e->args[1]));
      stack.push_back(std::move(e->args[0]));
      continue;
    }
    (uses_aggregate(*e) ? parts : local).push_back(std::move(e));
  }
  for (auto& p : parts) {
    auto m = merged(*p);
    if (!m) return fail_;
    if (!spec_.having) {
      spec_.having = std::move(*m);
    } else {
      mexpr both;
      both.o = mexpr::op::and_;
      both.args.push_back(std::move(*spec_.having));
      both.args.push_back(std::move(*m));
      spec_.having = std::move(both);
    }
  }
  for (auto& l : local) {
    if (!s_.having) {
      s_.having = std::move(l);
      continue;
    }
    auto both = std::make_unique<ast::expr>();
    both->kind = ast::expr_kind::binary;
    both->text = "AND";
    both->args.push_back(std::move(s_.having));
    both->args.push_back(std::move(l));
    s_.having = std::move(both);
  }
  return std::nullopt;
}

std::optional<protocol::sql_error> merge_planner::plan_items() {
  for (std::size_t i = 0; i < s_.items.size(); ++i) {
    const auto& v = s_.items[i].value;
    if (!v || v->kind == ast::expr_kind::star || (v->kind == ast::expr_kind::column && v->names.back().name == "*")) {
      return unsupported("SELECT * together with GROUP BY, DISTINCT or aggregates across shards");
    }
    if (!uses_aggregate(*v)) continue;
    if (!aggregate_column(*v, column_ref{static_cast<int>(i), false})) return fail_;
  }
  return std::nullopt;
}

// GROUP BY / aggregates / DISTINCT whose groups span shards.
std::optional<protocol::sql_error> merge_planner::plan_aggregate() {
  spec_.aggregate = true;
  // DISTINCT over grouped rows: a no-op when the items include every group key, else
  // merged rows are de-duplicated after grouping.
  bool distinct_groups = s_.distinct && !s_.group_by.empty();
  std::size_t written = s_.group_by.size();  // COUNT(DISTINCT) planning appends shard-only keys
  if (auto e = plan_items()) return e;
  if (s_.distinct && s_.group_by.empty() && !spec_.merges.empty()) {
    // SELECT DISTINCT COUNT(*) FROM t: one row anyway
    distinct_groups = true;
  }
  // DISTINCT is a grouping on every select item.
  std::vector<const ast::expr*> group_exprs;
  if (s_.distinct && !distinct_groups) {
    for (const auto& it : s_.items) group_exprs.push_back(it.value.get());
  } else {
    for (std::size_t i = 0; i < written; ++i) group_exprs.push_back(s_.group_by[i].value.get());
  }
  for (const auto* g : group_exprs) {
    auto k = resolve_key(*g, false, true);
    if (!k) return fail_;
    spec_.group.push_back(*k);
  }
  if (distinct_groups) {
    bool keys_selected = std::all_of(spec_.group.begin(), spec_.group.end(), [](const sort_key& k) { return !k.value.hidden; });
    spec_.distinct_after_group = !keys_selected || spec_.group.empty();
  }
  if (auto e = plan_having()) return e;
  // ORDER BY: merged in stream when it names group keys only, else sorted at the end.
  std::vector<sort_key> final_keys;
  for (const auto& o : s_.order_by) {
    auto k = resolve_key(*o.value, o.dir == ast::order_item::direction::desc, true);
    if (!k) return fail_;
    final_keys.push_back(*k);
  }
  auto group_index = [&](const sort_key& k) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < spec_.group.size(); ++i) {
      if (spec_.group[i].value == k.value) return i;
    }
    return std::nullopt;
  };
  bool streaming = std::all_of(final_keys.begin(), final_keys.end(), [&](const sort_key& k) { return group_index(k); });
  // Shard ORDER BY: the keys of the stream order, as the shards can evaluate them.
  std::vector<ast::order_item> shard_order;
  auto order_on = [&](std::size_t gi, bool desc) -> bool {
    auto c = clone(*group_exprs[gi]);
    if (!c) return false;
    shard_order.push_back({std::move(c), desc ? ast::order_item::direction::desc : ast::order_item::direction::none});
    sort_key k = spec_.group[gi];
    k.desc = desc;
    spec_.order.push_back(k);
    return true;
  };
  if (streaming) {
    std::vector<char> used(spec_.group.size(), 0);
    for (const auto& k : final_keys) {
      std::size_t gi = *group_index(k);
      if (used[gi]) continue;
      used[gi] = 1;
      if (!order_on(gi, k.desc)) return unsupported("a subquery as a GROUP BY key across shards");
    }
    for (std::size_t gi = 0; gi < spec_.group.size(); ++gi) {
      if (!used[gi] && !order_on(gi, false)) return unsupported("a subquery as a GROUP BY key across shards");
    }
    spec_.group_sorted = true;
  } else {
    spec_.final_order = std::move(final_keys);
  }
  s_.order_by = std::move(shard_order);
  // Column positions in the shard ORDER BY refer to the shard's select list: fine, it
  // is unchanged up to the hidden columns.
  return std::nullopt;
}

boost::system::result<merge_rewrite, protocol::sql_error> merge_planner::run() {
  if (auto e = check_supported()) return *e;
  std::function<void(const ast::expr&)> scan = [&](const ast::expr& e) {
    if (is_aggregate(e) && e.distinct && upper(e.text) == "COUNT" && !(e.args.size() == 1 && sharding_column(*e.args[0]))) {
      expands_groups_ = true;
    }
    if (e.query) return;
    for (const auto& a : e.args) {
      if (a) scan(*a);
    }
  };
  for (const auto& it : s_.items) {
    if (it.value) scan(*it.value);
  }
  if (s_.having) scan(*s_.having);
  for (const auto& o : s_.order_by) scan(*o.value);
  visible_items_ = s_.items.size();
  for (std::size_t i = 0; i < s_.items.size(); ++i) {
    const auto* v = s_.items[i].value.get();
    if (v && (v->kind == ast::expr_kind::star || (v->kind == ast::expr_kind::column && v->names.back().name == "*"))) {
      visible_items_ = i;
      break;
    }
  }
  bool any_aggregate = std::any_of(s_.items.begin(), s_.items.end(), [&](const auto& it) {
    return it.value && uses_aggregate(*it.value);
  }) || (s_.having && uses_aggregate(*s_.having));
  bool aggregate = (any_aggregate || !s_.group_by.empty() || s_.distinct) && !groups_local();
  std::optional<std::uint64_t> offset, count;
  if (s_.limit) {
    count = number(s_.limit->count.get());
    offset = s_.limit->offset ? number(s_.limit->offset.get()) : std::optional<std::uint64_t>(0);
    if (!count || !offset) return unsupported("a LIMIT that is not a number across shards");
  }
  if (auto e = aggregate ? plan_aggregate() : plan_plain()) return *e;
  std::optional<std::uint64_t> shard_rows;
  if (count) {
    spec_.offset = *offset;
    spec_.limit = *count;
    if (aggregate) {
      s_.limit.reset();  // every group's parts are needed
    } else {
      // Each shard sends its first offset+count rows; the proxy skips `offset`.
      shard_rows = *offset + *count;
      auto n = std::make_unique<ast::expr>();
      n->kind = ast::expr_kind::literal;
      n->lit = token_kind::number;
      n->text = std::to_string(*shard_rows);
      s_.limit->count = std::move(n);
      s_.limit->offset.reset();
      s_.limit->offset_keyword = false;
    }
  }
  spec_.hidden = hidden_.size();
  for (auto& h : hidden_) s_.items.push_back(std::move(h));
  merge_rewrite out;
  out.union_tail = union_tail(shard_rows);
  out.derived_terms = !s_.ctes.empty();
  out.spec = std::make_shared<merger::merge_spec>(std::move(spec_));
  return out;
}

}  // namespace

boost::system::result<merge_rewrite, protocol::sql_error> rewrite_for_merge(ast::select_stmt& s,
                                                                             const std::vector<sharded_use>& set,
                                                                             const route_context& ctx) {
  return merge_planner(s, set, ctx).run();
}

}  // namespace shardwire::router::detail
