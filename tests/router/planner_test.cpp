// router/planner: golden plan files tests/router/plans/*_cases.json, each a list of
// {"comment", "query", "plan": [[data_source, database, sql], ...]} or
// {"comment", "query", "error": "<substring of the message>", "errno": N}.
// Options per case: "schema" (current database, default "orders"), "kind".
// In expected SQL, <id> stands for a generated key (any integer).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "router/parser.hpp"
#include "router/planner.hpp"
#include "router/rules_config.hpp"

using namespace shardwire::router;
using json = nlohmann::json;

namespace {
const sharding_rules& demo_rules() {
  static const sharding_rules rules = [] {
    std::ifstream in(SHARDWIRE_TEST_DATA "/plans/rules.json");
    auto r = parse_rules(json::parse(in), {"ds0", "ds1"});
    if (!r) FAIL(r.error());
    return *r;
  }();
  return rules;
}

bool sql_matches(const std::string& actual, const std::string& expected) {
  if (expected.find("<id>") == std::string::npos) return actual == expected;
  std::string pattern;
  for (std::size_t i = 0; i < expected.size();) {
    if (expected.compare(i, 4, "<id>") == 0) {
      pattern += "-?[0-9]+";
      i += 4;
    } else {
      char c = expected[i++];
      if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) pattern += '\\';
      pattern += c;
    }
  }
  return std::regex_match(actual, std::regex(pattern));
}

const char* kind_name(plan::kind k) {
  switch (k) {
    case plan::kind::passthrough: return "passthrough";
    case plan::kind::single: return "single";
    case plan::kind::multi: return "multi";
    case plan::kind::broadcast: return "broadcast";
    case plan::kind::explain: return "explain";
    case plan::kind::answer: return "answer";
  }
  return "?";
}

void run_case(const json& c) {
  std::string query = c.at("query");
  INFO(c.value("comment", "") << "\n  query: " << query);
  route_context ctx;
  ctx.rules = &demo_rules();
  ctx.default_data_source = "ds0";
  ctx.current_schema = c.value("schema", "orders");
  auto parsed = parse(query);
  plan_result r = parsed ? route(*parsed, query, ctx) : route_unparsed(query, parsed.error(), ctx);
  if (c.contains("error")) {
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains(c.at("error").get<std::string>()));
    if (c.contains("errno")) CHECK(r.error().code == c.at("errno").get<int>());
    return;
  }
  if (!r) FAIL("routing failed: " << r.error().message);
  const plan* p = &*r;
  if (c.contains("kind")) CHECK(kind_name(p->type) == c.at("kind").get<std::string>());
  if (p->type == plan::kind::explain) p = p->explained.get();
  const json& want = c.at("plan");
  std::string got;
  for (const auto& t : p->targets) got += "\n  [" + t.data_source + ", " + t.database + ", " + t.sql + "]";
  INFO("got:" << got);
  REQUIRE(p->targets.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(p->targets[i].data_source == want[i].at(0).get<std::string>());
    CHECK(p->targets[i].database == want[i].at(1).get<std::string>());
    CHECK(sql_matches(p->targets[i].sql, want[i].at(2).get<std::string>()));
  }
}
}  // namespace

std::vector<std::pair<std::string, json>> all_cases() {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& entry : std::filesystem::directory_iterator(SHARDWIRE_TEST_DATA "/plans")) {
    if (!entry.path().string().ends_with("_cases.json")) continue;
    std::ifstream in(entry.path());
    for (const auto& c : json::parse(in, nullptr, true, true)) out.emplace_back(entry.path().filename().string(), c);
  }
  return out;
}

TEST_CASE("golden plans", "[planner]") {
  for (const auto& [file, c] : all_cases()) {
    SECTION(file + ": " + c.value("comment", c.at("query").get<std::string>())) { run_case(c); }
  }
}

TEST_CASE("golden plan files cover enough cases", "[planner]") { CHECK(all_cases().size() >= 200); }

TEST_CASE("a plan carries the smallest max_statement_time_ms of its tables", "[planner]") {
  std::ifstream in(SHARDWIRE_TEST_DATA "/plans/rules.json");
  json j = json::parse(in);
  json& tables = j["orders"]["tables"];
  const std::vector<std::string> names{"order_info", "order_item"};
  tables[names[0]]["max_statement_time_ms"] = 900;
  tables[names[1]]["max_statement_time_ms"] = 300;
  auto rules = parse_rules(j, {"ds0", "ds1"});
  if (!rules) FAIL(rules.error());
  route_context ctx;
  ctx.rules = &*rules;
  ctx.default_data_source = "ds0";
  ctx.current_schema = "orders";
  auto limit_of = [&](const std::string& sql) {
    auto parsed = parse(sql);
    if (!parsed) FAIL(parsed.error().message);
    auto r = route(*parsed, sql, ctx);
    if (!r) FAIL(r.error().message);
    return r->statement_limit.count();
  };
  CHECK(limit_of("SELECT * FROM " + names[0]) == 900);
  CHECK(limit_of("SELECT * FROM " + names[1]) == 300);
  CHECK(limit_of("SELECT * FROM order_info i JOIN order_item t ON t.order_id = i.order_id AND t.user_id = i.user_id "
                 "WHERE i.user_id = 7") == 300);
  CHECK(limit_of("SELECT * FROM unsharded_elsewhere") == 0);
}

TEST_CASE("SHARDWIRE NEXT ID answers a fresh key of the table's generator", "[planner][next_id]") {
  // Rules of their own: the ids taken here do not touch the golden plans' generators.
  std::ifstream in(SHARDWIRE_TEST_DATA "/plans/rules.json");
  auto rules = parse_rules(json::parse(in), {"ds0", "ds1"});
  if (!rules) FAIL(rules.error());
  route_context ctx;
  ctx.rules = &*rules;
  ctx.default_data_source = "ds0";
  ctx.current_schema = "orders";
  auto route_sql = [&](const std::string& sql) {
    INFO(sql);
    auto parsed = parse(sql);
    if (!parsed) FAIL(parsed.error().message);
    return route(*parsed, sql, ctx);
  };
  // The one value of a one-row, one-column answer named `column`.
  auto answer = [&](const std::string& sql, const std::string& column) {
    auto r = route_sql(sql);
    INFO(sql);
    if (!r) FAIL(r.error().message);
    CHECK(r->type == plan::kind::answer);
    CHECK(r->targets.empty());
    CHECK(r->answer_columns == std::vector<std::string>{column});
    REQUIRE(r->answer_rows.size() == 1);
    REQUIRE(r->answer_rows[0].size() == 1);
    return std::stoll(r->answer_rows[0][0]);
  };
  auto error_code = [&](const std::string& sql) {
    auto r = route_sql(sql);
    INFO(sql);
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().message);
    CHECK_THAT(r.error().message, Catch::Contains("SHARDWIRE NEXT ID"));
    return r.error().code;
  };

  SECTION("gene: the id carries the gene column's value") {
    std::int64_t a = answer("SHARDWIRE NEXT ID FOR order_info WITH user_id = 42", "order_id");
    CHECK(a > 0);
    CHECK(a % 64 == 42);
    std::int64_t b = answer("SHARDWIRE NEXT ID FOR orders.order_info WITH user_id = 42", "order_id");
    CHECK(b > a);
    CHECK(b % 64 == 42);
    CHECK(answer("shardwire next id for order_info with USER_ID = 106", "order_id") % 64 == 42);
    CHECK(answer("SHARDWIRE NEXT ID FOR order_info WITH user_id = -1", "order_id") % 64 == 63);  // mathematical mod
    CHECK(answer("SHARDWIRE NEXT ID FOR archive.customer_note WITH customer_id = 21", "note_id") % 16 == 5);
  }
  SECTION("gene: the gene column's value is required") {
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_info") == 1210);
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_info WITH order_id = 42") == 1210);
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_info WITH user_id = 'x'") == 1210);
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_info WITH user_id = user_id") == 1210);
  }
  SECTION("snowflake: no WITH") {
    std::int64_t a = answer("SHARDWIRE NEXT ID FOR order_item", "item_id");
    CHECK(a > 0);
    CHECK(answer("SHARDWIRE NEXT ID FOR order_item", "item_id") > a);
    CHECK(answer("SHARDWIRE NEXT ID FOR archive.customer_addr", "addr_id") > 0);
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_item WITH user_id = 42") == 1210);
  }
  SECTION("tables without a key generator") {
    CHECK(error_code("SHARDWIRE NEXT ID FOR order_log") == 1235);     // sharded, no key_generator
    CHECK(error_code("SHARDWIRE NEXT ID FOR region") == 1235);        // broadcast, no key_generator
    CHECK(error_code("SHARDWIRE NEXT ID FOR no_such_table") == 1235);  // unsharded
    CHECK(error_code("SHARDWIRE NEXT ID FOR other_db.order_info WITH user_id = 1") == 1235);
  }
}

TEST_CASE("a shard-key UPDATE moves rows only in an XA transaction, and only where it can", "[planner][moves]") {
  route_context ctx;
  ctx.rules = &demo_rules();
  ctx.default_data_source = "ds0";
  ctx.current_schema = "archive";
  ctx.allow_moves = true;
  auto plan_of = [&](const std::string& sql) {
    auto parsed = parse(sql);
    if (!parsed) FAIL(parsed.error().message);
    return route(*parsed, sql, ctx);
  };
  const auto& addr = *demo_rules().find_schema("archive")->find_table("customer_addr");  // mod 8, snowflake keys
  SECTION("rows move to the new value's node") {
    auto r = plan_of("UPDATE customer_addr SET customer_id = 3 WHERE customer_id = 2");
    REQUIRE(r.has_value());
    REQUIRE(r->moves.size() == 1u);
    CHECK(r->moves[0].key_column == "customer_id");
    CHECK(r->moves[0].key_value == "3");
    CHECK(r->moves[0].from == addr.node(2));
    CHECK(r->moves[0].to == addr.node(3));
  }
  SECTION("from every node the WHERE leaves open, each to the one node") {
    auto r = plan_of("UPDATE customer_addr SET customer_id = 3 WHERE addr_id = 9");
    REQUIRE(r.has_value());
    REQUIRE_FALSE(r->moves.empty());
    for (const auto& m : r->moves) {
      CHECK(m.to == addr.node(3));
      CHECK_FALSE(m.from == addr.node(3));  // rows already there stay
    }
  }
  SECTION("a value on the rows' own node moves nothing") {
    auto r = plan_of("UPDATE customer_addr SET customer_id = 11 WHERE customer_id = 3");
    REQUIRE(r.has_value());
    CHECK(r->moves.empty());
  }
  SECTION("refused where a move cannot be exact (ERR 1235)") {
    for (const auto& [sql, why] : std::vector<std::pair<std::string, std::string>>{
             {"UPDATE customer_addr SET customer_id = 'x' WHERE customer_id = 2", "not an integer constant"},
             {"UPDATE customer_addr SET customer_id = customer_id + 1 WHERE customer_id = 2", "not an integer constant"},
             {"UPDATE customer_note SET customer_id = 5 WHERE customer_id = 2", "gene key"},
             {"UPDATE orders.order_item SET user_id = 5 WHERE user_id = 2", "several columns"},
             {"UPDATE customer_addr SET customer_id = 5, customer_id = 6 WHERE customer_id = 2", "twice"},
         }) {
      INFO(sql);
      auto r = plan_of(sql);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == 1235);
      CHECK_THAT(r.error().message, Catch::Contains(why));
    }
  }
  SECTION("outside an XA transaction a move is refused, with the way to allow it") {
    ctx.allow_moves = false;
    auto r = plan_of("UPDATE customer_addr SET customer_id = 3 WHERE customer_id = 2");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == 1235);
    CHECK_THAT(r.error().message, Catch::Contains("shardwire_transaction_mode = 'xa'"));
  }
}
