// Where a row lives under a table's rule: the node its sharding columns route to, as an
// INSERT through the proxy would place it; and the rule of a sharded logical table. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "router/sharding_rule.hpp"

namespace shardwire::proxy::migration {

using values = std::vector<std::optional<std::string>>;

// The rule of `schema`.`table` when it is a sharded logical table of `rules`, else nullptr.
const router::table_rule* sharded_rule(const router::sharding_rules* rules, const std::string& schema,
                                       const std::string& table);

// The node for these values of the rule's sharding columns (`columns`, same order);
// nullopt when a value is NULL, not an integer, routes nowhere, or the columns route to
// different nodes.
std::optional<std::size_t> node_for(const router::table_rule& rule, const std::vector<std::string>& columns,
                                    const values& v);
// The values of a change log entry's old_route (a JSON array of integers, as the
// trigger's JSON_ARRAY wrote them); nullopt when it is not that.
std::optional<values> route_values(const std::string& json_array, std::size_t count);

}  // namespace shardwire::proxy::migration
