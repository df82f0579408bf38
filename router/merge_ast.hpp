// AST questions and constructions the merge rewrite (planner_merge.cpp) needs:
// which functions aggregate, copies of expressions for hidden columns, literal values,
// and whether a derived table can be computed node by node.
#pragma once

#include <string>

#include "router/ast.hpp"

namespace shardwire::router::detail {

bool is_aggregate_name(std::string_view name);            // COUNT, SUM, ..., GROUP_CONCAT, JSON_ARRAYAGG
bool is_aggregate(const ast::expr& e);                     // an aggregate call (not a window function)
bool contains_aggregate(const ast::expr& e);               // anywhere outside subqueries
bool has_window(const ast::expr& e);                       // a window function anywhere
ast::expr_ptr clone(const ast::expr& e);                   // deep copy; nullptr when it holds a subquery
ast::expr_ptr call(const std::string& name, ast::expr_ptr arg);  // name(arg)
std::string string_value(const ast::expr& literal);        // a string literal as the server reads it
std::string key_text(const ast::expr& e);                  // for matching ORDER/GROUP BY keys to items
// A derived table or CTE body equals the unsharded one node by node only when it is a
// plain row filter: LIMIT, grouping, aggregates or DISTINCT inside would be per node.
bool whole_result_needed(const ast::select_stmt& d);
bool derived_needs_whole(const ast::table_ref& r);

}  // namespace shardwire::router::detail
