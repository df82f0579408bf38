// What copier.cpp, copier_reverse.cpp and copier_verify.cpp share. Private to proxy/migration.
#pragma once

#include "proxy/migration/copier.hpp"

namespace shardwire::proxy::migration {

namespace sql = router::migration_sql;


inline const router::table_rule* find_rule(const job& j, const config& cfg) {
  const auto* schema = cfg.rules ? cfg.rules->find_schema(j.target_schema) : nullptr;
  const auto* rule = schema ? schema->find_table(j.target_table) : nullptr;
  return rule && rule->kind() == router::table_kind::sharded ? rule : nullptr;
}

inline const router::table_rule* find_source_rule(const job& j, const config& cfg) {
  const auto* schema = cfg.rules ? cfg.rules->find_schema(j.source_schema) : nullptr;
  const auto* rule = schema ? schema->find_table(j.source_table) : nullptr;
  return rule && rule->kind() == router::table_kind::sharded ? rule : nullptr;
}

inline std::optional<std::size_t> index_of(const std::vector<router::move_sql::column>& cols, const std::string& name) {
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (router::same_column(cols[i].name, name)) return i;
  }
  return std::nullopt;
}

inline std::uint64_t to_u64(const std::optional<std::string>& v) {
  return v ? std::strtoull(v->c_str(), nullptr, 10) : 0;
}

// (sql_error converts from integers: a value is returned in place.)
template <class T>
sql_result<T> value(T v) {
  return sql_result<T>(boost::system::in_place_value, std::move(v));
}


}  // namespace shardwire::proxy::migration
