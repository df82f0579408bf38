// The merge rewrite's planner, shared by planner_merge.cpp (keys, grouping, LIMIT, the
// rewritten statement) and planner_merge_expr.cpp (aggregates and the expressions the
// proxy evaluates over merged rows).
#pragma once

#include "router/planner_merge.hpp"

namespace shardwire::router::detail {

class merge_planner {
  using column_ref = merger::column_ref;
  using sort_key = merger::sort_key;
  using mexpr = merger::expr;


 public:
  merge_planner(ast::select_stmt& s, const std::vector<sharded_use>& set, const route_context& ctx)
      : s_(s), set_(set), ctx_(ctx) {}

  boost::system::result<merge_rewrite, protocol::sql_error> run();

 private:
  using error = protocol::sql_error;

  std::optional<error> check_supported();
  bool groups_local() const;
  bool sharding_column(const ast::expr& e) const;
  // `aliases`: a name may denote a select item's alias. Inside an item's own value it
  // may not (`SELECT a + 1 AS a ... ORDER BY a`: the inner a is the column), so an
  // alias is resolved at most once along a path: never recursion without end.
  bool uses_aggregate(const ast::expr& e, bool aliases = true) const;
  const ast::select_item* item_by_alias(const ast::expr& e) const;
  std::optional<std::size_t> find_item(const ast::expr& e) const;
  std::optional<column_ref> item_ref(std::size_t i) const;
  column_ref add_hidden(ast::expr_ptr e);
  std::optional<column_ref> weight_of(const ast::expr& e);
  std::optional<sort_key> resolve_key(const ast::expr& e, bool desc, bool aggregate_mode);
  std::optional<column_ref> aggregate_column(const ast::expr& e, std::optional<column_ref> at);
  std::optional<mexpr> merged(const ast::expr& e);
  bool in_alias_ = false;  // merged() is inside a select item reached through its alias
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

}  // namespace shardwire::router::detail
