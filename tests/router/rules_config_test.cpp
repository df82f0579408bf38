// router/rules_config: the "schemas" config section, the demo layout, and errors that
// name the offending key.
#include <catch2/catch.hpp>

#include <functional>

#include "router/key_generator.hpp"
#include "router/rules_config.hpp"
#include "router/sharding_algorithms.hpp"

using namespace shardwire::router;
using json = nlohmann::json;

namespace {
const std::set<std::string> sources{"ds0", "ds1"};

// The demo layout of docs/sharding.md.
json demo() {
  return json::parse(R"({
    "orders": {
      "default_data_source": "ds0",
      "databases": { "db_${0..3}": "ds0", "db_${4..7}": "ds1" },
      "tables": {
        "order_info": {
          "data_nodes": "db_${0..7}.order_info_${0..7}",
          "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 },
          "key_generator": { "column": "order_id", "type": "gene", "gene_column": "user_id", "modulus": 64 }
        },
        "order_item": {
          "data_nodes": "db_${0..7}.order_item_${0..7}",
          "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 },
          "key_generator": { "column": "item_id", "type": "snowflake" }
        },
        "region": { "broadcast": true }
      },
      "binding_groups": [ ["order_info", "order_item"] ]
    }
  })");
}

sharding_rules parse_ok(const json& j) {
  auto r = parse_rules(j, sources);
  INFO(j.dump());
  if (!r) FAIL(r.error());
  return *r;
}

shard_value i(std::int64_t x) { return shard_value::of_int(x); }
}  // namespace

TEST_CASE("the demo layout", "[rules_config]") {
  const sharding_rules rules = parse_ok(demo());
  REQUIRE(rules.schemas.size() == 1);
  const schema_rules* s = rules.find_schema("orders");
  REQUIRE(s != nullptr);
  CHECK(s->name == "orders");
  CHECK(s->default_data_source == "ds0");
  CHECK(s->databases.size() == 8);
  CHECK(s->databases.at("db_3") == "ds0");
  CHECK(s->databases.at("db_4") == "ds1");

  const table_rule* info = s->find_table("order_info");
  REQUIRE(info != nullptr);
  CHECK(info->kind() == table_kind::sharded);
  REQUIRE(info->node_count() == 64);
  CHECK(info->node(0) == data_node{"ds0", "db_0", "order_info_0"});
  CHECK(info->node(9) == data_node{"ds0", "db_1", "order_info_1"});
  CHECK(info->node(40) == data_node{"ds1", "db_5", "order_info_0"});
  CHECK(info->node(63) == data_node{"ds1", "db_7", "order_info_7"});
  CHECK(info->sharding_columns() == std::vector<std::string>{"user_id", "order_id"});
  CHECK(info->algorithm()->canonical() == "gene(modulus=64)");
  CHECK(info->route("user_id", i(9)) == 9u);
  CHECK(info->route("user_id", i(64 * 1000 + 40)) == 40u);
  CHECK(info->route("ORDER_ID", i(73)) == 9u);
  CHECK_FALSE(info->route("amount", i(9)).has_value());

  key_generator* keys = info->key_generator();
  REQUIRE(keys != nullptr);
  CHECK(keys->type() == key_generator::kind::gene);
  CHECK(keys->column() == "order_id");
  CHECK(keys->gene_column() == "user_id");
  CHECK(keys->modulus() == 64);
  CHECK(keys->worker_id() == 0);
  const std::int64_t order_id = keys->next_id(123457);
  CHECK(info->route("order_id", i(order_id)) == info->route("user_id", i(123457)));

  const table_rule* item = s->find_table("order_item");
  REQUIRE(item != nullptr);
  CHECK(item->node(9) == data_node{"ds0", "db_1", "order_item_1"});
  REQUIRE(item->key_generator() != nullptr);
  CHECK(item->key_generator()->type() == key_generator::kind::snowflake);
  CHECK(item->key_generator()->column() == "item_id");
  for (const table_rule* t : {info, item}) {
    REQUIRE(t->binding_group() != nullptr);
    CHECK(*t->binding_group() == std::vector<std::string>{"order_info", "order_item"});
  }
  CHECK(s->binding_groups == std::vector<std::vector<std::string>>{{"order_info", "order_item"}});

  const table_rule* region = s->find_table("region");
  REQUIRE(region != nullptr);
  CHECK(region->kind() == table_kind::broadcast);
  REQUIRE(region->node_count() == 8);
  CHECK(region->node(0) == data_node{"ds0", "db_0", "region"});
  CHECK(region->node(7) == data_node{"ds1", "db_7", "region"});
  CHECK(region->sharding_columns().empty());
  CHECK(region->key_generator() == nullptr);
  CHECK(region->binding_group() == nullptr);

  CHECK(s->find_table("customers") == nullptr);
  CHECK(s->unsharded_node("customers") == data_node{"ds0", "orders", "customers"});
  CHECK(rules.find_schema("sbtest") == nullptr);
}

TEST_CASE("every algorithm and option parses", "[rules_config]") {
  json j = json::parse(R"({
    "app": {
      "default_data_source": "ds1",
      "databases": { "app_${[a,b]}": "ds0", "app_c": "ds1" },
      "tables": {
        "t_mod":      { "data_nodes": "app_${[a,b]}.t_mod_${0..1}", "sharding": { "column": "id", "algorithm": "mod" } },
        "t_mod_m":    { "data_nodes": "app_${[a,b]}.t_mod_m_${0..1}", "sharding": { "columns": ["id"], "algorithm": "mod", "modulus": 4 },
                        "key_generator": { "column": "id", "type": "gene", "gene_column": "uid", "worker_id": 1023 } },
        "t_hash":     { "data_nodes": "app_c.t_hash_${0..15}", "sharding": { "column": "name", "algorithm": "hash_mod" } },
        "t_hash_int": { "data_nodes": "app_c.t_hash_int_${0..15}",
                        "sharding": { "column": "id", "algorithm": "hash_mod", "key_type": "integer" } },
        "t_range":    { "data_nodes": ["app_a.t_range_${0..1}", "app_b.t_range_2"],
                        "sharding": { "column": "id", "algorithm": "range", "boundaries": [-100, 1000] } },
        "t_month":    { "data_nodes": "app_a.t_month_${202401..202412}",
                        "sharding": { "column": "created", "algorithm": "interval", "start": "2024-01-01", "unit": "month" } },
        "t_week":     { "data_nodes": "app_b.t_week_${0..51}",
                        "sharding": { "column": "d", "algorithm": "interval", "start": "2024-01-03", "unit": "day", "step": 7 } },
        "t_inline":   { "data_nodes": "app_c.t_inline_${0..3}",
                        "sharding": { "column": "uid", "algorithm": "inline", "expression": "(uid / 10) % 4" } },
        "t_gene":     { "data_nodes": "app_${[a,b]}.t_gene_${0..3}",
                        "sharding": { "columns": ["a", "b", "c"], "algorithm": "gene" },
                        "key_generator": { "column": "b", "type": "gene", "gene_column": "A", "modulus": 16 } }
      }
    },
    "empty": { "default_data_source": "ds0" }
  })");
  j["app"]["tables"]["t_mod_m"]["sharding"]["columns"] = {"uid"};
  const sharding_rules rules = parse_ok(j);
  const schema_rules& s = *rules.find_schema("app");
  auto canonical = [&](const char* table) { return s.find_table(table)->algorithm()->canonical(); };
  CHECK(canonical("t_mod") == "mod(modulus=4)");
  CHECK(canonical("t_hash") == "hash_mod(key_type=string)");
  CHECK(canonical("t_hash_int") == "hash_mod(key_type=integer)");
  CHECK(canonical("t_range") == "range(boundaries=[-100,1000])");
  CHECK(canonical("t_month") == "interval(start=2024-01-01,unit=month,step=1)");
  CHECK(canonical("t_week") == "interval(start=2024-01-03,unit=day,step=7)");
  CHECK(canonical("t_inline") == "inline(expression=((x / 10) % 4))");
  CHECK(canonical("t_gene") == "gene(modulus=8)");

  const table_rule& range = *s.find_table("t_range");
  REQUIRE(range.node_count() == 3);
  CHECK(range.node(2) == data_node{"ds0", "app_b", "t_range_2"});
  CHECK(range.route("id", i(-101)) == 0u);
  CHECK(range.route("id", i(5000)) == 2u);
  CHECK(s.find_table("t_month")->node(11).table == "t_month_202412");
  CHECK(s.find_table("t_month")->route("created", shard_value::of_datetime("2024-03-05 10:00:00")) == 2u);
  CHECK(s.find_table("t_hash")->node(0).data_source == "ds1");
  CHECK(s.find_table("t_mod_m")->key_generator()->modulus() == 4);  // defaults to the node count
  CHECK(s.find_table("t_mod_m")->key_generator()->worker_id() == 1023);
  CHECK(s.find_table("t_gene")->key_generator()->gene_bits() == 4);
  CHECK(s.unsharded_node("x") == data_node{"ds1", "app", "x"});
  CHECK(rules.find_schema("empty")->tables.empty());
  CHECK(parse_ok(json::object()).schemas.empty());
}

TEST_CASE("unknown algorithm: the message in full", "[rules_config]") {
  json j = demo();
  j["orders"]["tables"]["order_info"]["sharding"]["algorithm"] = "foo";
  auto r = parse_rules(j, sources);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() ==
        "config error at \"schemas.orders.tables.order_info.sharding.algorithm\": unknown algorithm \"foo\" "
        "(expected mod|hash_mod|range|interval|inline|gene)");
}

TEST_CASE("bad rules name the offending key", "[rules_config]") {
  struct row {
    const char* what;
    std::function<void(json&)> mutate;
    std::string key;  // the error must start with: config error at "<key>"
  };
  const std::string o = "schemas.orders";
  const std::string info = o + ".tables.order_info";
  const std::string item = o + ".tables.order_item";
  const std::string region = o + ".tables.region";
  auto sh = [](json& j) -> json& { return j["orders"]["tables"]["order_info"]["sharding"]; };
  auto kg = [](json& j) -> json& { return j["orders"]["tables"]["order_info"]["key_generator"]; };
  auto item_sh = [](json& j) -> json& { return j["orders"]["tables"]["order_item"]["sharding"]; };
  auto use_range = [sh](json& j) { sh(j) = json::parse(R"({"column": "user_id", "algorithm": "range"})"); j["orders"]["tables"]["order_info"].erase("key_generator"); j["orders"].erase("binding_groups"); };
  auto use_interval = [sh](json& j) { sh(j) = json::parse(R"({"column": "d", "algorithm": "interval", "start": "2024-01-01", "unit": "month"})"); j["orders"]["tables"]["order_info"].erase("key_generator"); j["orders"].erase("binding_groups"); };
  const std::vector<row> rows = {
      {"schemas not an object", [](json& j) { j = json::array(); }, "schemas"},
      {"invalid schema name", [](json& j) { j["my db"] = j["orders"]; }, "schemas.my db"},
      {"schema not an object", [](json& j) { j["orders"] = 1; }, o},
      {"unknown schema key", [](json& j) { j["orders"]["tabels"] = json::object(); }, o + ".tabels"},
      {"default_data_source missing", [](json& j) { j["orders"].erase("default_data_source"); }, o + ".default_data_source"},
      {"default_data_source unknown", [](json& j) { j["orders"]["default_data_source"] = "ds9"; }, o + ".default_data_source"},
      {"default_data_source not a string", [](json& j) { j["orders"]["default_data_source"] = 0; }, o + ".default_data_source"},
      {"databases not an object", [](json& j) { j["orders"]["databases"] = json::array(); }, o + ".databases"},
      {"database on unknown source", [](json& j) { j["orders"]["databases"]["db_${4..7}"] = "ds9"; }, o + ".databases.db_${4..7}"},
      {"database source not a string", [](json& j) { j["orders"]["databases"]["db_${4..7}"] = 1; }, o + ".databases.db_${4..7}"},
      {"descending database range", [](json& j) { j["orders"]["databases"]["db_${3..1}"] = "ds0"; }, o + ".databases.db_${3..1}"},
      {"database mapped twice", [](json& j) { j["orders"]["databases"]["db_${7..8}"] = "ds1"; }, o + ".databases.db_${7..8}"},
      {"invalid database name", [](json& j) { j["orders"]["databases"]["a b"] = "ds1"; }, o + ".databases.a b"},
      {"tables not an object", [](json& j) { j["orders"]["tables"] = json::array(); }, o + ".tables"},
      {"table not an object", [](json& j) { j["orders"]["tables"]["t"] = "x"; }, o + ".tables.t"},
      {"unknown table key", [](json& j) { j["orders"]["tables"]["order_info"]["shards"] = 1; }, info + ".shards"},
      {"data_nodes missing", [](json& j) { j["orders"]["tables"]["order_item"].erase("data_nodes"); }, item + ".data_nodes"},
      {"data_nodes not a string", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = 5; }, info + ".data_nodes"},
      {"data_nodes empty array", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = json::array(); }, info + ".data_nodes"},
      {"data_nodes array element", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = {"db_0.t", 1}; }, info + ".data_nodes[1]"},
      {"data_nodes unterminated", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = "db_${0..7}.order_info_${0..7"; }, info + ".data_nodes"},
      {"data_nodes database unmapped", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = "db_${0..8}.order_info_${0..7}"; }, info + ".data_nodes"},
      {"data_nodes without table", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = "db_${0..7}"; }, info + ".data_nodes"},
      {"data_nodes duplicate", [](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = {"db_${0..7}.t_${0..7}", "db_0.t_0"}; }, info + ".data_nodes[1]"},
      {"node shared by two tables", [](json& j) { j["orders"]["tables"]["order_item"]["data_nodes"] = "db_${0..7}.order_info_${0..7}"; }, item},
      {"sharding missing", [](json& j) { j["orders"]["tables"]["order_info"].erase("sharding"); }, info + ".sharding"},
      {"sharding not an object", [sh](json& j) { sh(j) = "gene"; }, info + ".sharding"},
      {"algorithm missing", [sh](json& j) { sh(j).erase("algorithm"); }, info + ".sharding.algorithm"},
      {"algorithm unknown", [sh](json& j) { sh(j)["algorithm"] = "foo"; }, info + ".sharding.algorithm"},
      {"algorithm not a string", [sh](json& j) { sh(j)["algorithm"] = 3; }, info + ".sharding.algorithm"},
      {"key of another algorithm", [sh](json& j) { sh(j)["boundaries"] = {1}; }, info + ".sharding.boundaries"},
      {"gene modulus != nodes", [sh](json& j) { sh(j)["modulus"] = 32; }, info + ".sharding.modulus"},
      {"modulus not an integer", [sh](json& j) { sh(j)["modulus"] = "64"; }, info + ".sharding.modulus"},
      {"columns missing", [sh](json& j) { sh(j).erase("columns"); }, info + ".sharding.columns"},
      {"columns empty", [sh](json& j) { sh(j)["columns"] = json::array(); }, info + ".sharding.columns"},
      {"column name not a string", [sh](json& j) { sh(j)["columns"] = {"user_id", 1}; }, info + ".sharding.columns[1]"},
      {"duplicate column", [sh](json& j) { sh(j)["columns"] = {"user_id", "USER_ID"}; }, info + ".sharding.columns[1]"},
      {"column and columns", [sh](json& j) { sh(j)["column"] = "user_id"; }, info + ".sharding"},
      {"column empty", [sh](json& j) { sh(j).erase("columns"); sh(j)["column"] = ""; }, info + ".sharding.column"},
      {"mod with two columns", [sh](json& j) { sh(j)["algorithm"] = "mod"; }, info + ".sharding.columns"},
      {"range boundaries missing", use_range, info + ".sharding.boundaries"},
      {"range boundaries empty", [=](json& j) { use_range(j); sh(j)["boundaries"] = json::array(); }, info + ".sharding.boundaries"},
      {"range not ascending", [=](json& j) { use_range(j); sh(j)["boundaries"] = {1, 5, 5}; }, info + ".sharding.boundaries[2]"},
      {"range boundary fractional", [=](json& j) { use_range(j); sh(j)["boundaries"] = {1.5}; }, info + ".sharding.boundaries[0]"},
      {"range boundary too big", [=](json& j) { use_range(j); sh(j)["boundaries"] = {9223372036854775808ull}; }, info + ".sharding.boundaries[0]"},
      {"range count mismatch", [=](json& j) { use_range(j); sh(j)["boundaries"] = {1, 2, 3}; }, info + ".sharding.boundaries"},
      {"interval start missing", [=](json& j) { use_interval(j); sh(j).erase("start"); }, info + ".sharding.start"},
      {"interval start invalid", [=](json& j) { use_interval(j); sh(j)["start"] = "2024-13-01"; }, info + ".sharding.start"},
      {"interval start with time", [=](json& j) { use_interval(j); sh(j)["start"] = "2024-01-01 00:00:00"; }, info + ".sharding.start"},
      {"interval month not on day 1", [=](json& j) { use_interval(j); sh(j)["start"] = "2024-01-15"; }, info + ".sharding.start"},
      {"interval unit unknown", [=](json& j) { use_interval(j); sh(j)["unit"] = "week"; }, info + ".sharding.unit"},
      {"interval unit missing", [=](json& j) { use_interval(j); sh(j).erase("unit"); }, info + ".sharding.unit"},
      {"interval step 0", [=](json& j) { use_interval(j); sh(j)["step"] = 0; }, info + ".sharding.step"},
      {"inline expression missing", [=](json& j) { use_range(j); sh(j)["algorithm"] = "inline"; }, info + ".sharding.expression"},
      {"inline expression bad", [=](json& j) { use_range(j); sh(j)["algorithm"] = "inline"; sh(j)["expression"] = "user_id %% 8"; }, info + ".sharding.expression"},
      {"inline expression other column", [=](json& j) { use_range(j); sh(j)["algorithm"] = "inline"; sh(j)["expression"] = "order_id % 64"; }, info + ".sharding.expression"},
      {"hash_mod key_type unknown", [=](json& j) { use_range(j); sh(j)["algorithm"] = "hash_mod"; sh(j)["key_type"] = "bytes"; }, info + ".sharding.key_type"},
      {"key_generator not an object", [kg](json& j) { kg(j) = "gene"; }, info + ".key_generator"},
      {"key_generator unknown key", [kg](json& j) { kg(j)["seed"] = 1; }, info + ".key_generator.seed"},
      {"key_generator type unknown", [kg](json& j) { kg(j)["type"] = "uuid"; }, info + ".key_generator.type"},
      {"key_generator type missing", [kg](json& j) { kg(j).erase("type"); }, info + ".key_generator.type"},
      {"key_generator column missing", [kg](json& j) { kg(j).erase("column"); }, info + ".key_generator.column"},
      {"worker_id too big", [kg](json& j) { kg(j)["worker_id"] = 1024; }, info + ".key_generator.worker_id"},
      {"worker_id negative", [kg](json& j) { kg(j)["worker_id"] = -1; }, info + ".key_generator.worker_id"},
      {"gene modulus not a power of two", [kg](json& j) { kg(j)["modulus"] = 48; }, info + ".key_generator.modulus"},
      {"gene modulus too big", [kg](json& j) { kg(j)["modulus"] = 8192; }, info + ".key_generator.modulus"},
      {"gene modulus not a multiple of nodes", [kg](json& j) { kg(j)["modulus"] = 32; }, info + ".key_generator.modulus"},
      {"gene_column missing", [kg](json& j) { kg(j).erase("gene_column"); }, info + ".key_generator.gene_column"},
      {"gene_column not sharding", [kg](json& j) { kg(j)["gene_column"] = "shop_id"; }, info + ".key_generator.gene_column"},
      {"gene_column == column", [kg](json& j) { kg(j)["gene_column"] = "ORDER_ID"; }, info + ".key_generator.gene_column"},
      {"gene on a range table", [=](json& j) { use_range(j); sh(j)["boundaries"] = json::parse("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63]"); kg(j) = json::parse(R"({"column": "order_id", "type": "gene", "gene_column": "user_id"})"); }, info + ".key_generator.type"},
      {"snowflake with gene_column", [](json& j) { j["orders"]["tables"]["order_item"]["key_generator"]["gene_column"] = "user_id"; }, item + ".key_generator.gene_column"},
      {"gene generator on broadcast", [](json& j) { j["orders"]["tables"]["region"]["key_generator"] = {{"column", "id"}, {"type", "gene"}, {"gene_column", "x"}}; }, region + ".key_generator.type"},
      {"broadcast not a boolean", [](json& j) { j["orders"]["tables"]["region"]["broadcast"] = "yes"; }, region + ".broadcast"},
      {"broadcast with data_nodes", [](json& j) { j["orders"]["tables"]["region"]["data_nodes"] = "db_0.region"; }, region + ".data_nodes"},
      {"broadcast with sharding", [](json& j) { j["orders"]["tables"]["region"]["sharding"] = json::object(); }, region + ".sharding"},
      {"broadcast false, no nodes", [](json& j) { j["orders"]["tables"]["region"]["broadcast"] = false; }, region + ".data_nodes"},
      {"broadcast without databases", [](json& j) { j["orders"].erase("databases"); j["orders"]["tables"].erase("order_info"); j["orders"]["tables"].erase("order_item"); j["orders"].erase("binding_groups"); }, region + ".broadcast"},
      {"binding_groups not an array", [](json& j) { j["orders"]["binding_groups"] = json::object(); }, o + ".binding_groups"},
      {"binding group of one", [](json& j) { j["orders"]["binding_groups"][0] = {"order_info"}; }, o + ".binding_groups[0]"},
      {"binding group unknown table", [](json& j) { j["orders"]["binding_groups"][0][1] = "order_items"; }, o + ".binding_groups[0][1]"},
      {"binding group non-string", [](json& j) { j["orders"]["binding_groups"][0][1] = 2; }, o + ".binding_groups[0][1]"},
      {"binding a broadcast table", [](json& j) { j["orders"]["binding_groups"][0][1] = "region"; }, o + ".binding_groups[0][1]"},
      {"binding the same table twice", [](json& j) { j["orders"]["binding_groups"][0][1] = "order_info"; }, o + ".binding_groups[0][1]"},
      {"table in two groups", [](json& j) { j["orders"]["binding_groups"][1] = {"order_item", "order_info"}; }, o + ".binding_groups[1][0]"},
      {"binding different algorithms", [item_sh](json& j) { item_sh(j) = {{"column", "user_id"}, {"algorithm", "mod"}}; }, o + ".binding_groups[0][1]"},
      {"binding different columns", [item_sh](json& j) { item_sh(j)["columns"] = {"user_id", "item_id"}; }, o + ".binding_groups[0][1]"},
      {"binding different node counts", [item_sh](json& j) { j["orders"]["tables"]["order_item"]["data_nodes"] = "db_${0..7}.order_item_${0..3}"; item_sh(j)["modulus"] = 32; }, o + ".binding_groups[0][1]"},
      {"binding nodes on other sources", [](json& j) { j["orders"]["tables"]["order_item"]["data_nodes"] = "db_${[4,5,6,7,0,1,2,3]}.order_item_${0..7}"; }, o + ".binding_groups[0][1]"},
  };
  REQUIRE(rows.size() >= 25);
  for (const auto& row : rows) {
    json j = demo();
    row.mutate(j);
    INFO(row.what << ": " << j.dump());
    auto r = parse_rules(j, sources);
    REQUIRE_FALSE(r.has_value());
    INFO("error: " << r.error());
    CHECK(r.error().rfind("config error at \"" + row.key + "\": ", 0) == 0);
  }
}

TEST_CASE("errors explain themselves", "[rules_config]") {
  auto error_of = [](const std::function<void(json&)>& mutate) {
    json j = demo();
    mutate(j);
    auto r = parse_rules(j, sources);
    return r ? std::string("(parsed)") : r.error();
  };
  CHECK_THAT(error_of([](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = "db_${0..8}.order_info_${0..7}"; }),
             Catch::EndsWith("node \"db_8.order_info_0\": database \"db_8\" is not mapped in \"schemas.orders.databases\""));
  CHECK_THAT(error_of([](json& j) { j["orders"]["tables"]["order_info"]["sharding"]["modulus"] = 32; }),
             Catch::EndsWith("must equal the number of data nodes (64), got 32"));
  CHECK_THAT(error_of([](json& j) { j["orders"]["tables"]["order_info"]["sharding"]["boundaries"] = {1}; }),
             Catch::EndsWith("unknown key for algorithm \"gene\" (it takes: modulus)"));
  CHECK_THAT(error_of([](json& j) { j["orders"]["tables"]["order_item"]["sharding"]["columns"] = {"user_id", "item_id"}; }),
             Catch::EndsWith("\"order_item\" shards by gene(modulus=64) on [item_id,user_id], \"order_info\" by "
                             "gene(modulus=64) on [order_id,user_id]"));
  CHECK_THAT(error_of([](json& j) { j["orders"]["databases"]["db_${7..8}"] = "ds1"; }),
             Catch::EndsWith("database \"db_7\" is already mapped by \"db_${4..7}\""));
  CHECK_THAT(error_of([](json& j) { j["orders"]["tables"]["order_info"]["data_nodes"] = "db_${3..1}.t"; }),
             Catch::EndsWith(": descending range ${3..1} at offset 3"));
}

TEST_CASE("a table's own max_statement_time_ms", "[rules_config]") {
  json j = demo();
  CHECK_FALSE(parse_ok(j).any_statement_limit);
  j["orders"]["tables"]["order_info"]["max_statement_time_ms"] = 1500;
  j["orders"]["tables"]["region"]["max_statement_time_ms"] = 300;
  auto rules = parse_ok(j);
  CHECK(rules.any_statement_limit);
  const auto& s = rules.schemas.at("orders");
  CHECK(s.find_table("order_info")->statement_limit() == std::chrono::milliseconds(1500));
  CHECK(s.find_table("order_item")->statement_limit() == std::chrono::milliseconds(0));
  CHECK(s.find_table("region")->statement_limit() == std::chrono::milliseconds(300));
  for (const auto& bad : {json(-1), json("1s"), json(86400001)}) {
    j["orders"]["tables"]["order_info"]["max_statement_time_ms"] = bad;
    auto r = parse_rules(j, sources);
    REQUIRE(r.has_error());
    CHECK_THAT(r.error(), Catch::Contains("schemas.orders.tables.order_info.max_statement_time_ms"));
  }
}

TEST_CASE("a schema's own transaction_mode", "[rules_config]") {
  json j = demo();
  CHECK_FALSE(parse_ok(j).schemas.at("orders").txn_mode.has_value());  // unset: the config's transactions.mode
  for (auto [text, mode] : {std::pair{"xa", transaction_mode::xa}, std::pair{"local", transaction_mode::local},
                            std::pair{"best_effort", transaction_mode::best_effort}, std::pair{"XA", transaction_mode::xa}}) {
    INFO(text);
    j["orders"]["transaction_mode"] = text;
    auto rules = parse_ok(j);
    REQUIRE(rules.schemas.at("orders").txn_mode.has_value());
    CHECK(*rules.schemas.at("orders").txn_mode == mode);
  }
  for (const auto& bad : {json("bogus"), json(""), json(1), json::array({"xa"})}) {
    INFO(bad.dump());
    j["orders"]["transaction_mode"] = bad;
    auto r = parse_rules(j, sources);
    REQUIRE(r.has_error());
    CHECK(r.error().rfind("config error at \"schemas.orders.transaction_mode\": ", 0) == 0);
    CHECK_THAT(r.error(), Catch::EndsWith("expected \"local\", \"best_effort\" or \"xa\", got " + bad.dump()));
  }
}
