// Parses and validates the "schemas" section of the proxy config (docs/sharding.md)
// into sharding_rules. Like proxy/server/config.cpp: everything is checked at load, unknown
// keys are errors, and an error names the JSON path of the offending key:
//   config error at "schemas.orders.tables.order_info.sharding.algorithm": unknown algorithm "foo" (...)
#pragma once

#include <set>
#include <string>

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include "router/sharding_rule.hpp"

namespace shardwire::router {

using rules_result = boost::system::result<sharding_rules, std::string>;

// `schemas` is the value of the top-level "schemas" key; `data_source_names` are the
// keys of "data_sources", which every data source named here must be one of.
rules_result parse_rules(const nlohmann::json& schemas, const std::set<std::string>& data_source_names);

}  // namespace shardwire::router
