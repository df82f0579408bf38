// router/plan_cache and router/statement_shape: shapes and literals, slots, the LRU
// bound, invalidation, and the differential check over every golden plan case.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "router/digest.hpp"
#include "router/rules_config.hpp"
#include "router/statement_analysis.hpp"
#include "tests/router/plan_cache_check.hpp"

using namespace shardwire::router;
using json = nlohmann::json;

namespace {

std::shared_ptr<const sharding_rules> demo_rules() {
  static const auto rules = [] {
    std::ifstream in(SHARDWIRE_TEST_DATA "/plans/rules.json");
    auto r = parse_rules(json::parse(in), {"ds0", "ds1"});
    if (!r) FAIL(r.error());
    return std::make_shared<const sharding_rules>(std::move(*r));
  }();
  return rules;
}

route_context context(const std::string& schema = "orders") {
  route_context ctx;
  ctx.rules = demo_rules().get();
  ctx.default_data_source = "ds0";
  ctx.current_schema = schema;
  return ctx;
}

std::shared_ptr<cached_statement> entry_for(const std::string& sql, statement_shape& shape,
                                            const route_context& ctx) {
  shape.scan(sql);
  auto parsed = parse(sql);
  if (!parsed) FAIL(parsed.error().message);
  auto planned = route(*parsed, sql, ctx);
  return cached_statement::make(std::move(*parsed), sql, shape, planned, ctx, demo_rules());
}

}  // namespace

TEST_CASE("a shape replaces literals by kind and keeps everything else", "[plan_cache]") {
  statement_shape a, b, c;
  a.scan("SELECT * FROM order_info WHERE user_id = 42 AND note = 'x'");
  b.scan("SELECT * FROM order_info WHERE user_id = 7 AND note = 'it''s'");
  c.scan("SELECT * FROM order_info WHERE user_id = '7' AND note = 'x'");
  CHECK(a.cacheable);
  CHECK(a.key == b.key);
  CHECK(a.key != c.key);  // a string where a number was: another entry
  REQUIRE(a.literals.size() == 2);
  CHECK(a.text_of("SELECT * FROM order_info WHERE user_id = 42 AND note = 'x'", 0) == "42");
  statement_shape d;
  d.scan("SELECT * FROM order_info WHERE user_id  = 42 AND note = 'x'");
  CHECK(d.key != a.key);  // whitespace is kept: column names may be the text as written
  d.scan("SELECT 1; SELECT 2");
  CHECK_FALSE(d.cacheable);
  d.scan("SELECT /*!100000 1 */ 2");
  CHECK_FALSE(d.cacheable);
  d.scan("SELECT '\x01n'");
  CHECK_FALSE(d.cacheable);
  d.scan("SELECT 'unterminated");
  CHECK_FALSE(d.cacheable);
  d.scan("SELECT 1;");
  CHECK(d.cacheable);
}

TEST_CASE("slots are the literals the planner reads as values; others must match", "[plan_cache]") {
  auto ctx = context();
  statement_shape shape;
  auto e = entry_for("SELECT amount * 2 AS a FROM order_info WHERE user_id = 42 ORDER BY 1 LIMIT 10", shape, ctx);
  REQUIRE(e);
  CHECK(e->single_node_template());
  statement_shape other;
  other.scan("SELECT amount * 2 AS a FROM order_info WHERE user_id = 43 ORDER BY 1 LIMIT 10");
  CHECK(e->matches("SELECT amount * 2 AS a FROM order_info WHERE user_id = 43 ORDER BY 1 LIMIT 10", other));
  std::string page = "SELECT amount * 2 AS a FROM order_info WHERE user_id = 43 ORDER BY 1 LIMIT 20";
  other.scan(page);
  CHECK(other.key == shape.key);
  CHECK_FALSE(e->matches(page, other));  // LIMIT is fixed
  std::string negative = "SELECT amount * 2 AS a FROM order_info WHERE user_id = -43 ORDER BY 1 LIMIT 10";
  other.scan(negative);
  CHECK(other.key != shape.key);  // the sign is a token of the shape
}

TEST_CASE("a node template serves a single-node statement", "[plan_cache]") {
  auto ctx = context();
  statement_shape shape;
  std::string sql = "SELECT order_id FROM order_info WHERE user_id = 65 AND status = 'paid'";
  auto e = entry_for(sql, shape, ctx);
  REQUIRE(e);
  plan p;
  // Binds `text` (of the entry's shape): true when the node template served it.
  auto bind = [&](const std::string& text) {
    statement_shape s;
    s.scan(text);
    slot_values slots;
    REQUIRE(e->bind_literals(text, s, slots));
    auto r = e->plan_for(text, slots, ctx, p);
    REQUIRE(r.has_value());
    return *r;
  };
  CHECK(bind(sql));  // the template, no planning
  REQUIRE(p.targets.size() == 1);
  CHECK(p.targets[0].sql == "SELECT order_id FROM db_0.order_info_1 WHERE user_id = 65 AND status = 'paid'");
  CHECK(bind("SELECT order_id FROM order_info WHERE user_id = 2 AND status = 'it''s'"));
  CHECK(p.targets[0].sql == "SELECT order_id FROM db_0.order_info_2 WHERE user_id = 2 AND status = 'it''s'");
  CHECK(p.targets[0].data_source == "ds0");
  // A value no single node holds: the planner on the cached tree (a merged read).
  CHECK_FALSE(bind("SELECT order_id FROM order_info WHERE user_id = 2.5 AND status = 'x'"));
  CHECK(p.targets.size() == 64);
}

TEST_CASE("the cache is bounded, least recently used first out, and drops other rules' entries", "[plan_cache]") {
  auto ctx = context();
  plan_cache cache(2);
  std::string key;
  auto make = [&](const std::string& sql) {
    statement_shape shape;
    auto e = entry_for(sql, shape, ctx);
    REQUIRE(e);
    plan_cache::compose_key(key, shape.key, "orders");
    return std::make_pair(key, e);
  };
  auto a = make("SELECT * FROM order_info WHERE user_id = 1");
  auto b = make("SELECT * FROM order_item WHERE user_id = 1");
  auto c = make("DELETE FROM order_info WHERE user_id = 1");
  cache.insert(a.first, a.second);
  cache.insert(b.first, b.second);
  CHECK(cache.find(a.first, ctx.rules, "ds0"));  // a is now the most recent
  cache.insert(c.first, c.second);               // evicts b
  CHECK(cache.size() == 2);
  CHECK(cache.stats().evictions == 1);
  CHECK_FALSE(cache.find(b.first, ctx.rules, "ds0"));
  CHECK(cache.find(c.first, ctx.rules, "ds0"));
  sharding_rules other;
  CHECK_FALSE(cache.find(a.first, &other, "ds0"));  // a reload: made under other rules
  CHECK(cache.stats().invalidations == 1);
  CHECK(cache.size() == 1);
  CHECK(cache.stats().hits == 2);
  CHECK(cache.stats().misses == 2);
  std::string k1, k2;
  plan_cache::compose_key(k1, "x", "ab");
  plan_cache::compose_key(k2, "bx", "a");
  CHECK(k1 != k2);
  plan_cache none(0);
  none.insert(a.first, a.second);
  CHECK(none.size() == 0);
}

TEST_CASE("every golden plan case plans the same through the cache", "[plan_cache]") {
  std::size_t checked = 0;
  testing::check_counts counts;
  for (const auto& entry : std::filesystem::directory_iterator(SHARDWIRE_TEST_DATA "/plans")) {
    if (!entry.path().string().ends_with("_cases.json")) continue;
    std::ifstream in(entry.path());
    for (const auto& c : json::parse(in, nullptr, true, true)) {
      std::string query = c.at("query");
      auto ctx = context(c.value("schema", "orders"));
      for (unsigned salt : {1u, 977u}) {
        auto mismatch = testing::check_cached_plan(query, ctx, demo_rules(), salt, &counts);
        INFO(entry.path().filename().string() << ": " << query);
        if (mismatch) FAIL(*mismatch);
      }
      ++checked;
    }
  }
  CHECK(checked >= 200);
  INFO("entries " << counts.entries << ", with node templates " << counts.templates << ", template binds "
                  << counts.template_binds);
  CHECK(counts.entries >= 150);
  CHECK(counts.templates >= 40);
  CHECK(counts.template_binds >= 100);
}

TEST_CASE("a digest depends on the shape only: statements of one shape share it", "[plan_cache]") {
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SHARDWIRE_TEST_DATA "/plans")) {
    if (!entry.path().string().ends_with("_cases.json")) continue;
    std::ifstream in(entry.path());
    for (const auto& c : json::parse(in, nullptr, true, true)) {
      std::string sql = c.at("query");
      statement_shape shape;
      shape.scan(sql);
      if (!shape.cacheable) continue;
      // Every literal replaced by another of its kind (signs and quotes kept).
      std::string other;
      std::size_t at = 0;
      for (std::size_t i = 0; i < shape.literals.size(); ++i) {
        const auto& l = shape.literals[i];
        other.append(sql, at, l.offset - at);
        std::string_view text = shape.text_of(sql, i);
        if (l.kind == token_kind::number) {
          other += std::to_string(1000 + i * 37);
        } else if (l.kind == token_kind::string && !l.introduced) {
          other += std::string(1, text.front()) + "w" + std::to_string(i) + std::string(1, text.back());
        } else {
          other.append(text);
        }
        at = l.offset + l.length;
      }
      other.append(sql, at, std::string::npos);
      statement_shape again;
      again.scan(other);
      INFO(sql << "\n" << other);
      REQUIRE(again.key == shape.key);
      CHECK(digest_text(other) == digest_text(sql));
      ++checked;
    }
  }
  CHECK(checked >= 200);
  digest_cache cache(2);
  statement_shape a, b;
  a.scan("SELECT * FROM t WHERE a = 1");
  b.scan("SELECT * FROM t WHERE a = 2");
  auto d1 = cache.digest(a, "SELECT * FROM t WHERE a = 1");
  auto d2 = cache.digest(b, "SELECT * FROM t WHERE a = 2");
  CHECK(d1 == d2);  // the same object: made once
  CHECK(*d1 == "SELECT * FROM t WHERE a = ?");
  statement_shape c, d;
  c.scan("SELECT 1 FROM u");
  d.scan("SELECT 1 FROM v");
  cache.digest(c, "SELECT 1 FROM u");
  cache.digest(d, "SELECT 1 FROM v");
  CHECK(cache.size() == 2);
  CHECK(*d1 == "SELECT * FROM t WHERE a = ?");  // evicted, still held
}

TEST_CASE("the analysis reads the shape in the same pass", "[plan_cache]") {
  for (std::string sql : {"SELECT a FROM t WHERE b = 'x' AND c = 5", "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
                          "SELECT 1; SELECT 2", "SELECT /*!100000 1 */ 2", "SELECT 'open", "PREPARE s FROM 'SELECT 1'"}) {
    statement_shape scanned, analyzed;
    scanned.scan(sql);
    analysis_options opts;
    opts.shape = &analyzed;
    analyze_statement(sql, opts);
    INFO(sql);
    CHECK(analyzed.cacheable == scanned.cacheable);
    CHECK(analyzed.key == scanned.key);
    CHECK(analyzed.literals.size() == scanned.literals.size());
  }
}
