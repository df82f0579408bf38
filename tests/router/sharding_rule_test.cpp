// router/sharding_rule: value conversions and the rule model's lookups.
#include <catch2/catch.hpp>

#include <limits>

#include "router/key_generator.hpp"
#include "router/sharding_algorithms.hpp"
#include "router/sharding_rule.hpp"

using namespace shardwire::router;

namespace {
constexpr std::optional<std::size_t> no_node = std::nullopt;
}

TEST_CASE("integer_of follows MySQL's numeric comparison", "[rules]") {
  CHECK(integer_of(shard_value::of_int(-5)) == wide_int{-5});
  CHECK(integer_of(shard_value::of_uint(18446744073709551615ull)) == static_cast<wide_int>(18446744073709551615ull));
  CHECK(integer_of(shard_value::of_string("\t-0042.000 ")) == wide_int{-42});
  CHECK(integer_of(shard_value::of_string("-0")) == wide_int{0});
  CHECK(integer_of(shard_value::of_double(-0.0)) == wide_int{0});
  CHECK(integer_of(shard_value::of_decimal(".0")) == wide_int{0});
  CHECK_FALSE(integer_of(shard_value::of_decimal(" 1")).has_value());  // decimals come from the lexer: no spaces
  CHECK_FALSE(integer_of(shard_value::of_string("4 2")).has_value());
  CHECK_FALSE(integer_of(shard_value::of_string("--4")).has_value());
  CHECK_FALSE(integer_of(shard_value::of_datetime("2024-01-01")).has_value());
  CHECK_FALSE(integer_of(shard_value::null()).has_value());

  CHECK(int64_of(shard_value::of_string("9223372036854775807")) == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(int64_of(shard_value::of_string("9223372036854775808")).has_value());
  CHECK_FALSE(int64_of(shard_value::of_uint(9223372036854775808ull)).has_value());
  CHECK(int64_of(shard_value::of_uint(7)) == 7);
}

TEST_CASE("to_decimal_text", "[rules]") {
  CHECK(to_decimal_text(0) == "0");
  CHECK(to_decimal_text(-1) == "-1");
  CHECK(to_decimal_text(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(to_decimal_text(static_cast<wide_int>(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551615");
}

TEST_CASE("parse_datetime", "[rules]") {
  auto d = parse_datetime("2024-02-29 23:59:58.5");
  REQUIRE(d.has_value());
  CHECK(d->year == 2024);
  CHECK(d->month == 2);
  CHECK(d->day == 29);
  CHECK(d->micros_of_day == (23 * 3600 + 59 * 60 + 58) * 1000000ll + 500000);
  CHECK(parse_datetime("2024-01-01T00:00:01.000001")->micros_of_day == 1000001);
  CHECK(parse_datetime("2024-01-01")->micros_of_day == 0);
  for (const char* bad : {"", "2024", "2024-1-01", "2024-13-01", "2024-00-10", "2024-01-00", "2023-02-29",
                          "2024-04-31", "0000-00-00", "2024-01-01 24:00:00", "2024-01-01 10:60:00",
                          "2024-01-01 10:00", "2024-01-01 10:00:00.", "2024-01-01 10:00:00.1234567",
                          "2024-01-01x", "2024-01-01 10:00:00 ", "2024/01/01", "2024-01-01 10:00:0a"}) {
    INFO(bad);
    CHECK_FALSE(parse_datetime(bad).has_value());
  }
  CHECK(parse_datetime("1970-01-01")->days_since_unix_epoch() == 0);
  CHECK(parse_datetime("1969-12-31")->days_since_unix_epoch() == -1);
  CHECK(parse_datetime("2000-03-01")->days_since_unix_epoch() == 11017);
  CHECK(parse_datetime("2024-01-01")->days_since_unix_epoch() == 19723);
  CHECK(datetime_of(shard_value::of_string("2024-01-01")).has_value());
  CHECK_FALSE(datetime_of(shard_value::of_int(20240101)).has_value());
}

TEST_CASE("column names compare case-insensitively", "[rules]") {
  CHECK(same_column("user_id", "USER_ID"));
  CHECK(same_column("", ""));
  CHECK_FALSE(same_column("user_id", "user_i"));
  CHECK_FALSE(same_column("user_id", "user-id"));
}

TEST_CASE("a table rule routes its sharding columns only", "[rules]") {
  std::vector<data_node> nodes;
  for (int n = 0; n < 4; ++n) nodes.push_back({n < 2 ? "ds0" : "ds1", "db_" + std::to_string(n), "t"});
  table_rule t("t", table_kind::sharded, nodes, {"user_id"}, make_mod(4), nullptr);
  CHECK(t.name() == "t");
  CHECK(t.kind() == table_kind::sharded);
  CHECK(t.node_count() == 4);
  CHECK(t.node(3) == data_node{"ds1", "db_3", "t"});
  CHECK(t.sharding_columns() == std::vector<std::string>{"user_id"});
  CHECK(t.is_sharding_column("User_Id"));
  CHECK_FALSE(t.is_sharding_column("id"));
  CHECK(t.route("user_id", shard_value::of_int(7)) == 3u);
  CHECK(t.route("USER_ID", shard_value::of_string("6")) == 2u);
  CHECK(t.route("id", shard_value::of_int(7)) == no_node);
  CHECK(t.route_range("user_id", range_bound{shard_value::of_int(1), true}, range_bound{shard_value::of_int(2), true}) ==
        std::set<std::size_t>{1, 2});
  CHECK(t.route_range("id", range_bound{shard_value::of_int(1), true}, std::nullopt) == std::nullopt);
  CHECK(t.key_generator() == nullptr);
  CHECK(t.binding_group() == nullptr);
  CHECK(t.algorithm()->canonical() == "mod(modulus=4)");

  auto group = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"t", "u"});
  t.set_binding_group(group);
  REQUIRE(t.binding_group() != nullptr);
  CHECK(*t.binding_group() == std::vector<std::string>{"t", "u"});

  table_rule b("b", table_kind::broadcast, nodes, {}, nullptr,
               std::make_shared<key_generator>(key_generator::kind::snowflake, "id", "", 0, 1));
  CHECK(b.kind() == table_kind::broadcast);
  CHECK(b.sharding_columns().empty());
  CHECK(b.route("user_id", shard_value::of_int(1)) == no_node);
  CHECK(b.route_range("user_id", std::nullopt, std::nullopt) == std::nullopt);
  table_rule copy = b;  // copies share the generator, so ids stay unique
  REQUIRE(copy.key_generator() == b.key_generator());
  const std::int64_t first = copy.key_generator()->next_id();
  CHECK(first < b.key_generator()->next_id());
}

TEST_CASE("schema and rules lookups are exact", "[rules]") {
  schema_rules s;
  s.name = "orders";
  s.default_data_source = "ds0";
  s.tables.emplace("order_info", table_rule("order_info", table_kind::broadcast, {{"ds0", "db_0", "order_info"}}, {},
                                            nullptr, nullptr));
  CHECK(s.find_table("order_info") != nullptr);
  CHECK(s.find_table("Order_Info") == nullptr);  // table names are case-sensitive (Linux)
  CHECK(s.find_table("customers") == nullptr);
  CHECK(s.unsharded_node("customers") == data_node{"ds0", "orders", "customers"});
  sharding_rules r;
  r.schemas.emplace("orders", s);
  CHECK(r.find_schema("orders") != nullptr);
  CHECK(r.find_schema("orders")->find_table("order_info")->node(0).database == "db_0");
  CHECK(r.find_schema("ORDERS") == nullptr);
  CHECK(r.find_schema("") == nullptr);
}
