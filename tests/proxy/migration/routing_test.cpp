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
                              "sharding": { "column": "user_id", "algorithm": "mod", "modulus": 8 } } } } }
  })");
  if (!r) FAIL(r.error());
  return std::make_shared<const config>(std::move(*r));
}

migration::route route_to(std::string target, bool writes) {
  return {"legacy", "old_orders", "ds0", "shop", std::move(target), writes,
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
