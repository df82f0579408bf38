// Which nodes a WHERE clause can match, from predicates on sharding columns:
// equality, IN lists, ranges/BETWEEN, AND (intersection) and OR (union); everything
// else matches every node.
#pragma once

#include <optional>
#include <set>

#include "router/ast.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::router {

using node_set = std::optional<std::set<std::size_t>>;  // nullopt: every node

// A sharded table as the statement names it: its rule and how columns qualify it.
struct sharded_use {
  const table_rule* rule;
  std::string qualifier;  // alias if any, else the table name
};

struct condition_context {
  std::vector<sharded_use> tables;                   // the binding set of the statement
  const std::vector<shard_value>* params = nullptr;  // bound ? values
};

node_set match_nodes(const ast::expr* where, const condition_context& ctx);

// A number literal's value as written: an integer when it is one (decimal beyond 64 bits),
// a double with an exponent, else an exact decimal.
shard_value number_value(const std::string& text);

// The value of a literal (or bound placeholder); nullopt when not a constant.
std::optional<shard_value> constant_of(const ast::expr& e, const std::vector<shard_value>* params);

node_set intersect(const node_set& a, const node_set& b);
node_set unite(const node_set& a, const node_set& b);

}  // namespace shardwire::router
