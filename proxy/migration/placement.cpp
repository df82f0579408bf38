#include "proxy/migration/placement.hpp"

#include <nlohmann/json.hpp>

#include "router/migration_sql.hpp"

namespace shardwire::proxy::migration {

const router::table_rule* sharded_rule(const router::sharding_rules* rules, const std::string& schema,
                                       const std::string& table) {
  const auto* s = rules ? rules->find_schema(schema) : nullptr;
  const auto* rule = s ? s->find_table(table) : nullptr;
  return rule && rule->kind() == router::table_kind::sharded ? rule : nullptr;
}

std::optional<std::size_t> node_for(const router::table_rule& rule, const std::vector<std::string>& columns,
                                    const values& v) {
  std::optional<std::size_t> node;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i >= v.size() || !v[i] || !router::migration_sql::integer_text(*v[i])) return std::nullopt;
    auto n = rule.route(columns[i], router::shard_value::of_decimal(*v[i]));
    if (!n || (node && *node != *n)) return std::nullopt;
    node = n;
  }
  return node;
}

std::optional<values> route_values(const std::string& json_array, std::size_t count) {
  auto j = nlohmann::json::parse(json_array, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.size() != count) return std::nullopt;
  values out;
  for (const auto& e : j) {
    if (e.is_null()) {
      out.push_back(std::nullopt);
    } else if (e.is_number_integer()) {
      out.push_back(e.dump());
    } else if (e.is_string() && router::migration_sql::integer_text(e.get<std::string>())) {
      out.push_back(e.get<std::string>());
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace shardwire::proxy::migration
