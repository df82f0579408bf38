// proxy/migration/placement: the target node a row belongs on (as an INSERT through the
// proxy would place it), and the old sharding values a change log entry carries. A row
// that cannot be placed must say so (nullopt), never land on a guessed node. Pure code.
#include "proxy/migration/placement.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "router/rules_config.hpp"

using namespace shardwire;
using namespace shardwire::proxy::migration;
using json = nlohmann::json;

namespace {
// 64 nodes db_${0..7}.<table>_${0..7}: node i is db_{i/8}.<table>_{i%8}.
const router::sharding_rules& rules() {
  static const router::sharding_rules r = [] {
    const json schemas = json::parse(R"({
      "app": {
        "default_data_source": "ds0",
        "databases": { "db_${0..3}": "ds0", "db_${4..7}": "ds1" },
        "tables": {
          "t_mod": { "data_nodes": "db_${0..7}.t_mod_${0..7}",
                     "sharding": { "column": "user_id", "algorithm": "mod", "modulus": 64 } },
          "t_gene": { "data_nodes": "db_${0..7}.t_gene_${0..7}",
                      "sharding": { "columns": ["user_id", "order_id"], "algorithm": "gene", "modulus": 64 } }
        }
      }
    })");
    auto parsed = router::parse_rules(schemas, {"ds0", "ds1"});
    if (!parsed) FAIL(parsed.error());
    return *parsed;
  }();
  return r;
}

const router::table_rule& table(const char* name) {
  const router::table_rule* t = rules().find_schema("app")->find_table(name);
  REQUIRE(t != nullptr);
  return *t;
}
}  // namespace

TEST_CASE("placement: one mod column", "[migration][placement]") {
  const auto& mod = table("t_mod");
  const std::vector<std::string> cols{"user_id"};
  CHECK(node_for(mod, cols, {"70"}) == 6u);
  CHECK(mod.node(6) == router::data_node{"ds0", "db_0", "t_mod_6"});
  CHECK(node_for(mod, cols, {"0"}) == 0u);
  CHECK(node_for(mod, cols, {"-1"}) == 63u);                    // mathematical mod, as the router
  CHECK(node_for(mod, cols, {"18446744073709551615"}) == 63u);  // BIGINT UNSIGNED max
  CHECK(node_for(mod, {"USER_ID"}, {"70"}) == 6u);              // column names are case-insensitive

  // Unplaceable: the copier must not guess.
  CHECK_FALSE(node_for(mod, cols, {std::nullopt}).has_value());
  for (const char* bad : {"abc", "1.5", "7.0", " 70", "", "1e3", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(node_for(mod, cols, {bad}).has_value());
  }
  CHECK_FALSE(node_for(mod, cols, {}).has_value());            // fewer values than columns
  CHECK_FALSE(node_for(mod, {"amount"}, {"70"}).has_value());  // not a sharding column
  CHECK_FALSE(node_for(mod, {}, {}).has_value());              // no column: no node
}

TEST_CASE("placement: two gene columns must agree", "[migration][placement]") {
  const auto& gene = table("t_gene");
  const std::vector<std::string> cols{"user_id", "order_id"};
  CHECK(node_for(gene, cols, {"9", "73"}) == 9u);  // 73 = 64 + 9: same gene
  CHECK(node_for(gene, cols, {"64040", "40"}) == 40u);
  CHECK(gene.node(40) == router::data_node{"ds1", "db_5", "t_gene_0"});
  CHECK_FALSE(node_for(gene, cols, {"9", "74"}).has_value());  // disagree
  CHECK_FALSE(node_for(gene, cols, {"9", std::nullopt}).has_value());
  CHECK_FALSE(node_for(gene, cols, {"9"}).has_value());
}

TEST_CASE("placement: old_route as the triggers' JSON_ARRAY writes it", "[migration][placement]") {
  CHECK(route_values("[1, 2]", 2) == values{"1", "2"});
  CHECK(route_values("[-5]", 1) == values{"-5"});
  CHECK(route_values("[null]", 1) == values{std::nullopt});
  CHECK(route_values("[null, 3]", 2) == values{std::nullopt, "3"});
  CHECK(route_values(R"(["42"])", 1) == values{"42"});  // a character sharding column
  CHECK(route_values("[]", 0) == values{});
  // Kept as exact text, not rounded through a double.
  CHECK(route_values("[18446744073709551615]", 1) == values{"18446744073709551615"});
  CHECK(route_values("[-9223372036854775808]", 1) == values{"-9223372036854775808"});

  // Not one value per sharding column.
  CHECK_FALSE(route_values("[1, 2]", 1).has_value());
  CHECK_FALSE(route_values("[1]", 2).has_value());
  CHECK_FALSE(route_values("[]", 1).has_value());
  for (const char* bad : {"{\"a\": 1}", "1", "\"1\"", "null", "[1.5]", "[1.0]", "[1e3]", "[18446744073709551616]",
                          R"(["x"])", R"(["1.5"])", R"([" 1"])", "[true]", "[[1]]", "[{}]", "", "[1,", "garbage"}) {
    INFO(bad);
    CHECK_FALSE(route_values(bad, 1).has_value());
  }
}
