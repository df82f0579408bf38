// Multi-shard SELECTs: rewrites the statement each shard runs (hidden columns for
// sort keys, collation weights and aggregate parts; LIMIT offset+count; GROUP BY/HAVING
// adjusted) and writes the merger::merge_spec that turns the shards' rows into the
// rows one unsharded server would return. docs/routing.md, "Merging".
#pragma once

#include "router/planner_impl.hpp"

namespace shardwire::router::detail {

struct merge_rewrite {
  std::shared_ptr<const merger::merge_spec> spec;
  // Appended to "(node 1) UNION ALL (node 2) ..." when one backend connection serves
  // several nodes: the same order (and row bound) over their rows together.
  std::string union_tail;
  // WITH ... SELECT cannot stand in parentheses as a UNION term: such nodes are
  // combined as SELECT * FROM (<node>) AS t instead.
  bool derived_terms = false;
};

boost::system::result<merge_rewrite, protocol::sql_error> rewrite_for_merge(ast::select_stmt& s,
                                                                             const std::vector<sharded_use>& set,
                                                                             const route_context& ctx);

}  // namespace shardwire::router::detail
