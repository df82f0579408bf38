#include "router/planner_merge.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "router/lexer.hpp"
#include "router/merge_ast.hpp"
#include "router/planner_merge_impl.hpp"

namespace shardwire::router::detail {

using merger::column_ref;
using merger::sort_key;
using mexpr = merger::expr;

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

bool merge_planner::uses_aggregate(const ast::expr& e, bool aliases) const {
  if (is_aggregate(e)) return true;
  const auto* it = aliases ? item_by_alias(e) : nullptr;
  if (it && it->value.get() != &e && uses_aggregate(*it->value, false)) return true;
  if (e.query) return false;  // a subquery's aggregates are its own
  return std::any_of(e.args.begin(), e.args.end(), [&](const auto& a) { return a && uses_aggregate(*a, aliases); });
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
    if (e->kind == ast::expr_kind::binary && (ascii_upper(e->text) == "AND" || e->text == "&&") && !e->parenthesized) {
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
    if (is_aggregate(e) && e.distinct && ascii_upper(e.text) == "COUNT" && !(e.args.size() == 1 && sharding_column(*e.args[0]))) {
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

boost::system::result<merge_rewrite, protocol::sql_error> rewrite_for_merge(ast::select_stmt& s,
                                                                             const std::vector<sharded_use>& set,
                                                                             const route_context& ctx) {
  return merge_planner(s, set, ctx).run();
}

}  // namespace shardwire::router::detail
