// What copier.cpp, copier_reverse.cpp and copier_verify.cpp share. Private to proxy/migration.
#pragma once

#include <set>

#include "proxy/migration/copier.hpp"

namespace shardwire::proxy::migration {

namespace sql = router::migration_sql;


inline const router::table_rule* find_rule(const job& j, const config& cfg) {
  return sharded_rule(cfg.rules.get(), j.target_schema, j.target_table);
}

inline const router::table_rule* find_source_rule(const job& j, const config& cfg) {
  return sharded_rule(cfg.rules.get(), j.source_schema, j.source_table);
}

// A change log entry (read_changes' columns: id, old_key, new_key, ...): its id to
// forget and the keys before and after to apply; false for one without an id.
inline bool take_entry(const router::move_sql::row& e, std::vector<std::string>& ids, std::set<std::string>& keys) {
  if (e.size() < 3 || !e[0]) return false;
  ids.push_back(*e[0]);
  for (int k = 1; k <= 2; ++k) {
    if (e[k] && sql::integer_text(*e[k])) keys.insert(*e[k]);
  }
  return true;
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
