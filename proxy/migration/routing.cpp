#include "proxy/migration/routing.hpp"

#include <functional>

namespace shardwire::proxy::migration {

namespace {

// Adds `r.table` to the schema named `r.database` (made, holding only it, when the
// source database is not a logical one: its other tables stay unsharded on the source's
// data source, where they are).
void add_alias(router::sharding_rules& rules, const route& r, const router::table_rule& target,
               const router::schema_rules& target_schema) {
  auto it = rules.schemas.find(r.database);
  if (it == rules.schemas.end()) {
    router::schema_rules s;
    s.name = r.database;
    s.default_data_source = r.data_source;
    s.txn_mode = target_schema.txn_mode;  // the target's transactions: rows may move as there
    it = rules.schemas.emplace(r.database, std::move(s)).first;
  }
  it->second.tables.erase(r.table);
  it->second.tables.emplace(r.table, target.renamed(r.table));
}

}  // namespace

std::shared_ptr<const config> with_routes(std::shared_ptr<const config> loaded, const std::vector<route>& routes,
                                          std::string& why) {
  const config& base = *loaded;
  auto out = std::make_shared<config>(base);
  out->migration_routes.clear();
  out->double_writes.clear();
  out->write_rules = nullptr;
  out->loaded_base = loaded;
  for (const auto& r : routes) {
    if (r.reads) out->migration_routes.push_back(r);
    if (!r.writes) out->double_writes.push_back(r);
  }
  if (out->migration_routes.empty()) return out;
  auto reads = std::make_shared<router::sharding_rules>(*base.rules);
  auto writes = std::make_shared<router::sharding_rules>(*base.rules);
  std::size_t h = base.schemas_hash;
  for (const auto& r : out->migration_routes) {
    const auto* schema = base.rules->find_schema(r.target_schema);
    const auto* target = schema ? schema->find_table(r.target_table) : nullptr;
    if (!target || target->kind() != router::table_kind::sharded) {
      why = r.target_schema + "." + r.target_table + " is not a sharded logical table in the config";
      return nullptr;
    }
    add_alias(*reads, r, *target, *schema);
    if (r.writes) add_alias(*writes, r, *target, *schema);
    out->routed_names.push_back(r.database);
    out->routed_names.push_back(r.table);
    // Prepared statements re-plan when this changes (session_stmt.cpp).
    h = h * 31 + std::hash<std::string>{}(r.database + "." + r.table + (r.writes ? "/rw" : "/r"));
  }
  out->schemas_hash = h;
  out->rules = std::move(reads);
  out->write_rules = std::move(writes);
  return out;
}

}  // namespace shardwire::proxy::migration
