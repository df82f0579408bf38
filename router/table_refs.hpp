// Finds every table a statement references: FROM lists, joins, derived tables,
// subqueries in any expression, CTE bodies, INSERT/UPDATE/DELETE targets, DDL tables
// and table pieces of opaque runs. CTE names are not tables.
#pragma once

#include <string>
#include <vector>

#include "router/ast.hpp"

namespace shardwire::router {

struct table_use {
  const ast::table_name* name;       // the node in the AST
  const ast::identifier* alias;      // nullptr without alias
};

std::vector<table_use> collect_tables(const ast::statement& st);

}  // namespace shardwire::router
