// proxy/migration/routing: the config sessions run with while migrations are switched.
// Pure code.
#include "proxy/migration/routing.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace shardwire::proxy;
using json = nlohmann::json;

namespace {
std::shared_ptr<const config> loaded() {
  auto r = parse_config(R"({
    "users": [ { "name": "app", "password": "app" } ],
    "backend_defaults": { "user": "app", "password": "app" },
    "data_sources": { "ds0": { "primary": "127.0.0.1:3307" }, "ds1": { "primary": "127.0.0.1:3309" } },
    "default_data_source": "ds0",
    "schemas": { "shop": {
      "default_data_source": "ds0", "transaction_mode": "xa",
      "databases": { "shop_${0..1}": "ds0", "shop_${2..3}": "ds1" },
      "tables": { "orders": { "data_nodes": "shop_${0..3}.orders_${0..1}",
                              "sharding": { "column": "user_id", "algorithm": "mod", "modulus": 8 } },
                  "orders_v2": { "data_nodes": "shop_${0..3}.orders_v2_${0..3}",
                                 "sharding": { "column": "user_id", "algorithm": "mod", "modulus": 16 } } } } }
  })");
  if (!r) FAIL(r.error());
  return std::make_shared<const config>(std::move(*r));
}

migration::route route_to(std::string target, bool writes, bool reads = true) {
  return {"legacy", "old_orders", "ds0", "shop", std::move(target), writes, reads,
          std::make_shared<migration::route_state>()};
}
}  // namespace

TEST_CASE("routing: no switched migration, the loaded config as it is", "[migration]") {
  auto base = loaded();
  std::string why;
  auto c = migration::with_routes(base, {}, why);
  REQUIRE(c);
  CHECK(c->loaded_base == base);  // a pinned session may take a later routes-only change
  CHECK(c->write_rules == nullptr);
  CHECK(c->rules == base->rules);
  CHECK(c->schemas_hash == base->schemas_hash);
}

TEST_CASE("routing: switched reads name the old table as its target, for reads only", "[migration]") {
  auto base = loaded();
  std::string why;
  auto c = migration::with_routes(base, {route_to("orders", false)}, why);
  REQUIRE(c);
  const auto* legacy = c->rules->find_schema("legacy");
  REQUIRE(legacy);
  const auto* alias = legacy->find_table("old_orders");
  REQUIRE(alias);
  CHECK(alias->name() == "old_orders");
  CHECK(alias->nodes() == c->rules->find_schema("shop")->find_table("orders")->nodes());
  CHECK(legacy->default_data_source == "ds0");  // its other tables stay where they are
  CHECK(legacy->txn_mode == base->rules->find_schema("shop")->txn_mode);
  REQUIRE(c->write_rules);
  CHECK(c->write_rules->find_schema("legacy") == nullptr);  // writes still reach the source
  CHECK(std::find(c->routed_names.begin(), c->routed_names.end(), "old_orders") != c->routed_names.end());
  CHECK(c->schemas_hash != base->schemas_hash);  // prepared statements re-plan
  CHECK(base->rules->find_schema("legacy") == nullptr);  // the loaded config is untouched
}

TEST_CASE("routing: switched writes are in both rule sets", "[migration]") {
  auto base = loaded();
  std::string why;
  auto reads = migration::with_routes(base, {route_to("orders", false)}, why);
  auto writes = migration::with_routes(base, {route_to("orders", true)}, why);
  REQUIRE(writes);
  REQUIRE(writes->write_rules->find_schema("legacy"));
  CHECK(writes->write_rules->find_schema("legacy")->find_table("old_orders"));
  CHECK(writes->schemas_hash != reads->schemas_hash);
}

TEST_CASE("routing: a target the config does not shard is refused", "[migration]") {
  std::string why;
  CHECK(migration::with_routes(loaded(), {route_to("missing", true)}, why) == nullptr);
  CHECK(why.find("shop.missing") != std::string::npos);
}

TEST_CASE("routing: a double-writing migration is only listed: no alias, same rules", "[migration]") {
  auto base = loaded();
  std::string why;
  auto r = route_to("orders", false, false);
  auto c = migration::with_routes(base, {r}, why);
  REQUIRE(c);
  CHECK(c->migration_routes.empty());
  REQUIRE(c->double_writes.size() == 1u);
  CHECK(c->double_writes[0].state == r.state);  // sessions wait on the job's own state
  CHECK(c->rules == base->rules);
  CHECK(c->write_rules == nullptr);
  CHECK(c->schemas_hash == base->schemas_hash);  // prepared statements keep their plans
  CHECK(std::find(c->routed_names.begin(), c->routed_names.end(), "old_orders") == c->routed_names.end());
}

TEST_CASE("routing: switched reads still double-write; switched writes do not", "[migration]") {
  auto base = loaded();
  std::string why;
  auto reads = migration::with_routes(base, {route_to("orders", false)}, why);
  REQUIRE(reads);
  CHECK(reads->double_writes.size() == 1u);
  CHECK(reads->migration_routes.size() == 1u);
  auto writes = migration::with_routes(base, {route_to("orders", true)}, why);
  REQUIRE(writes);
  CHECK(writes->double_writes.empty());
  CHECK(writes->migration_routes.size() == 1u);
}

TEST_CASE("routing: a sharded source's logical name takes the target's rule", "[migration]") {
  auto base = loaded();
  std::string why;
  migration::route r{"shop", "orders", "ds0", "shop", "orders_v2", false, true,
                     std::make_shared<migration::route_state>()};
  auto c = migration::with_routes(base, {r}, why);
  REQUIRE(c);
  const auto* alias = c->rules->find_schema("shop")->find_table("orders");
  REQUIRE(alias);
  CHECK(alias->nodes() == base->rules->find_schema("shop")->find_table("orders_v2")->nodes());
  CHECK(alias->name() == "orders");
  // Writes keep the source's own rule until they switch.
  CHECK(c->write_rules->find_schema("shop")->find_table("orders")->nodes() ==
        base->rules->find_schema("shop")->find_table("orders")->nodes());
}
