// router/load_data: LOAD DATA LOCAL statements, the record splitter (as the server cuts
// a file), and routing records of a sharded table (rules of tests/router/plans/rules.json).
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "router/key_generator.hpp"
#include "router/load_data.hpp"
#include "router/rules_config.hpp"

using namespace shardwire::router;

namespace {
const sharding_rules& rules() {
  static const sharding_rules r = [] {
    std::ifstream in(SHARDWIRE_TEST_DATA "/plans/rules.json");
    auto parsed = parse_rules(nlohmann::json::parse(in), {"ds0", "ds1"});
    if (!parsed) FAIL(parsed.error());
    return *parsed;
  }();
  return r;
}

const table_rule& order_info() { return *rules().find_schema("orders")->find_table("order_info"); }

// Every record of `file` fed in pieces of `step` bytes: (bytes, wanted values).
std::vector<std::pair<std::string, std::vector<std::optional<std::string>>>> split(
    const load_format& f, const std::string& file, std::vector<std::size_t> wanted, std::size_t step) {
  load_splitter s(f, std::move(wanted), 1 << 20);
  std::vector<std::pair<std::string, std::vector<std::optional<std::string>>>> out;
  for (std::size_t at = 0; at <= file.size(); at += step) {
    if (at < file.size()) s.feed(std::string_view(file).substr(at, step));
    if (at + step > file.size()) s.finish();
    while (auto r = s.next()) out.emplace_back(std::string(r->bytes), r->values);
    REQUIRE_FALSE(s.error());
  }
  return out;
}
// The one line of `text` (the whole file) through the router: its node, `out` its bytes.
boost::system::result<std::size_t, shardwire::protocol::sql_error> route_line(const load_router& r,
                                                                             const load_data_stmt& s,
                                                                             std::string_view text, std::uint64_t line,
                                                                             std::string& out) {
  load_splitter split(s.format, r.wanted(), 1 << 20);
  split.feed(text);
  split.finish();
  auto rec = split.next();
  REQUIRE(rec);
  return r.route(*rec, line, out);
}
// A comma-separated LOAD DATA into order_info with `columns`, and its router.
std::pair<std::optional<load_data_stmt>, std::optional<load_router>> load_into_order_info(std::string_view columns) {
  auto s = parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE order_info FIELDS TERMINATED BY ',' " +
                           std::string(columns));
  REQUIRE(s.has_value());
  auto r = load_router::make(order_info(), *s);
  REQUIRE(r.has_value());
  return {*s, *r};
}
}  // namespace

TEST_CASE("LOAD DATA LOCAL statements", "[load_data]") {
  auto s = parse_load_data(
      "LOAD DATA LOCAL INFILE '/tmp/o.csv' IGNORE INTO TABLE orders.order_info CHARACTER SET utf8mb4 "
      "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '\\\\' LINES STARTING BY 'x:' TERMINATED BY "
      "X'0D0A' IGNORE 1 LINES (user_id, `status`, @amt) SET amount = @amt / 100");
  REQUIRE(s.has_value());
  CHECK(s->file == "/tmp/o.csv");
  CHECK(s->schema == "orders");
  CHECK(s->table == "order_info");
  CHECK(s->format.field_term == ",");
  CHECK(s->format.enclosed == '"');
  CHECK(s->format.escape == '\\');
  CHECK(s->format.line_start == "x:");
  CHECK(s->format.line_term == "\r\n");
  CHECK(s->ignore_lines == 1);
  CHECK(s->columns == std::vector<std::string>{"user_id", "`status`", "@amt"});
  CHECK(load_node_statement(*s, "db_3", "order_info_7", {"order_id"}) ==
        "LOAD DATA LOCAL INFILE 'shardwire' IGNORE INTO TABLE `db_3`.`order_info_7` CHARACTER SET utf8mb4 FIELDS "
        "TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '\\\\' LINES STARTING BY 'x:' TERMINATED BY X'0D0A' "
        "(user_id, `status`, @amt, `order_id`) SET amount = @amt / 100");
  auto plain = parse_load_data("load data local infile 'f' into table order_info (user_id, order_id)");
  REQUIRE(plain.has_value());
  CHECK(plain->format.field_term == "\t");
  CHECK(plain->format.line_term == "\n");
  CHECK(plain->format.escape == '\\');
  CHECK_FALSE(plain->format.enclosed);
  CHECK(load_node_statement(*plain, "db_0", "order_info_0", {}) ==
        "LOAD DATA LOCAL INFILE 'shardwire' INTO TABLE `db_0`.`order_info_0` (user_id, order_id)");
  // Refused or malformed, never guessed.
  CHECK(parse_load_data("LOAD DATA INFILE 'f' INTO TABLE t").error().code == 1235);
  CHECK(parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE t FIELDS TERMINATED BY '' (a)").error().code == 1235);
  CHECK(parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE t (a").error().code == 1064);
  CHECK(parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE t FIELDS ENCLOSED BY 'ab'").error().code == 1064);
  CHECK(parse_load_data("LOAD DATA LOCAL INFILE 'f").error().code == 1064);
}

TEST_CASE("the splitter cuts records as the server does, fed in any pieces", "[load_data]") {
  const load_format csv{",", '"', '\\', "", "\n"};
  const std::string file =
      "1,\"a,b\",x\n"              // a separator inside an enclosed field
      "2,\"line\nbreak\",y\n"      // a line terminator inside one
      "\\N,\"say \"\"hi\"\"\",z\n"  // \N is NULL; doubled enclosure
      "4,a\\,b,w\n"                // an escaped separator
      "5,last";                    // no terminator at the end
  for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    INFO("step " << step);
    auto records = split(csv, file, {0, 1}, step);
    REQUIRE(records.size() == 5);
    CHECK(records[0].first == "1,\"a,b\",x\n");
    CHECK(records[0].second == std::vector<std::optional<std::string>>{"1", "a,b"});
    CHECK(records[1].second[1] == "line\nbreak");
    CHECK(records[2].second[0] == std::nullopt);
    CHECK(records[2].second[1] == "say \"hi\"");
    CHECK(records[3].second[1] == "a,b");
    CHECK(records[4].first == "5,last");
    CHECK(records[4].second[1] == "last");
  }
  const load_format tsv{"\t", std::nullopt, '\\', ">", "\r\n"};  // tab, backslash; a line prefix
  auto records = split(tsv, "junk>7\tx\r\n>8\t\\ty\r\nno prefix here", {0, 1}, 2);
  REQUIRE(records.size() == 2);
  CHECK(records[0].second == std::vector<std::optional<std::string>>{"7", "x"});
  CHECK(records[1].second == std::vector<std::optional<std::string>>{"8", "\ty"});
}

TEST_CASE("a record longer than the limit is an error, not unbounded memory", "[load_data]") {
  load_splitter s(load_format{}, {0}, 64);
  s.feed(std::string(100, 'a'));
  CHECK_FALSE(s.next());
  CHECK(s.error());
}

TEST_CASE("records of a sharded table go to the node of their sharding columns", "[load_data]") {
  auto [s, r] = load_into_order_info("(order_id, user_id, status)");
  CHECK(r->extra_columns().empty());
  std::string out;
  auto node = route_line(*r, *s, "130,66,new\n", 1, out);
  REQUIRE(node.has_value());
  CHECK(*node == 2);  // 66 and 130 are both 2 modulo 64: node 2
  CHECK(out == "130,66,new\n");
  // The two sharding columns disagree: refused, with the line.
  std::string ignored;
  auto refused = route_line(*r, *s, "131,66,new", 9, ignored);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("line 9") != std::string::npos);
}

TEST_CASE("a generated key goes in as one more field, gene bits included", "[load_data]") {
  auto [s, r] = load_into_order_info("(user_id, status)");
  CHECK(r->extra_columns() == std::vector<std::string>{"order_id"});
  load_splitter split(s->format, r->wanted(), 1 << 20);
  split.feed("70,new\n71,paid");
  split.finish();
  for (std::uint64_t line = 1; auto rec = split.next(); ++line) {
    std::string out;
    auto node = r->route(*rec, line, out);
    REQUIRE(node.has_value());
    auto comma = out.rfind(',');
    long long key = std::stoll(out.substr(comma + 1));
    CHECK(key % 64 == (line == 1 ? 70 : 71) % 64);  // the gene of user_id
    CHECK(*node == static_cast<std::size_t>(key % 64));
    CHECK(out.back() == '\n');  // the last line gets its terminator
  }
  // A line with another number of fields than columns would shift the key: refused.
  std::string out;
  CHECK_FALSE(route_line(*r, *s, "72\n", 1, out).has_value());
  // No column list, or a sharding column set by SET: refused.
  auto bare = parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE order_info");
  REQUIRE(bare.has_value());
  CHECK_FALSE(load_router::make(order_info(), *bare).has_value());
  auto computed = parse_load_data("LOAD DATA LOCAL INFILE 'f' INTO TABLE order_info (@u, status) SET user_id = @u");
  REQUIRE(computed.has_value());
  CHECK_FALSE(load_router::make(order_info(), *computed).has_value());
}
