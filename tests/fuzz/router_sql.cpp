// The SQL front end as the proxy runs it on every COM_QUERY: parse, then route with the
// demo sharding rules (conf/demo.json's "schemas", the config `make demo` serves), and
// the digest and KILL recognition the session computes on the same text. Parsed
// statements are formatted (the rewrite path) and the normalized text must parse again
// to itself. Options (sql_input.hpp): bit 2 routes with no current database instead of
// "orders", bit 3 binds values to the `?` placeholders (a prepared statement). Statements
// the plan cache takes must plan through a cache entry exactly as the planner plans
// them, with their own literals and with others (tests/router/plan_cache_check.hpp).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "router/digest.hpp"
#include "router/formatter.hpp"
#include "router/kill_statement.hpp"
#include "router/parser.hpp"
#include "router/planner.hpp"
#include "router/rules_config.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/sql_input.hpp"
#include "tests/router/plan_cache_check.hpp"

using namespace shardwire::router;

namespace {
struct demo_config {
  sharding_rules rules;
  std::string default_data_source;
  std::set<std::string> data_sources;
};

// SHARDWIRE_DEMO_CONFIG: the absolute path of conf/demo.json (tests/fuzz/CMakeLists.txt).
const demo_config& demo() {
  static const demo_config config = [] {
    std::ifstream in(SHARDWIRE_DEMO_CONFIG);
    auto root = nlohmann::json::parse(in, nullptr, false, /*ignore_comments=*/true);  // the config allows them
    if (root.is_discarded() || !root.contains("schemas") || !root.contains("data_sources")) {
      std::fprintf(stderr, "router_sql: cannot read %s\n", SHARDWIRE_DEMO_CONFIG);
      std::abort();
    }
    demo_config c;
    for (const auto& [name, _] : root["data_sources"].items()) c.data_sources.insert(name);
    auto rules = parse_rules(root["schemas"], c.data_sources);
    if (!rules) {
      std::fprintf(stderr, "router_sql: %s: %s\n", SHARDWIRE_DEMO_CONFIG, rules.error().c_str());
      std::abort();
    }
    c.rules = std::move(*rules);
    c.default_data_source = root.value("default_data_source", "ds0");
    return c;
  }();
  return config;
}

// Values a client could bind, as the router compares them and as SQL literals.
const std::vector<shard_value>& bound_values() {
  static const std::vector<shard_value> v{shard_value::of_int(1),
                                          shard_value::of_uint(18446744073709551615ull),
                                          shard_value::of_int(-7),
                                          shard_value::of_double(2.5),
                                          shard_value::of_decimal("42.0"),
                                          shard_value::of_string("7"),
                                          shard_value::of_datetime("2024-02-29 10:00:00"),
                                          shard_value::null()};
  return v;
}
const std::vector<std::string>& bound_literals() {
  static const std::vector<std::string> v{"1",   "18446744073709551615",  "-7",  "2.5e0", "42.0",
                                          "'7'", "'2024-02-29 10:00:00'", "NULL"};
  return v;
}

void check_plan(const plan& p, const demo_config& c) {
  if (p.type == plan::kind::explain) {
    FUZZ_CHECK(p.explained != nullptr, "SHARDWIRE EXPLAIN carries the plan it explains");
    check_plan(*p.explained, c);
    return;
  }
  FUZZ_CHECK(!p.targets.empty(), "a plan has a target");
  if (p.type == plan::kind::passthrough) FUZZ_CHECK(p.targets.size() == 1, "passthrough goes to one data source");
  for (const auto& t : p.targets) FUZZ_CHECK(c.data_sources.count(t.data_source), "targets name configured nodes");
}

void check_route(const plan_result& r, const demo_config& c) {
  if (r) {
    check_plan(*r, c);
  } else {
    FUZZ_CHECK(r.error().code != 0 && r.error().sqlstate.size() == 5, "a routing error is a client error");
  }
}

// Whether the parse stopped at a nesting limit (parse_error::too_deep, where the parser
// has nesting limits).
template <typename E>
bool too_deep(const E& e) {
  if constexpr (requires { e.too_deep; }) {
    return e.too_deep;
  } else {
    return false;
  }
}

// The formatter's output is the statement the nodes receive: it must parse, and print
// the same again (tests/router/parser_test.cpp checks this for its table).
void check_roundtrip(const ast::statement& st, const shardwire::fuzz::sql_input& in) {
  // Statements known only by their first words are passed through as written, never
  // printed for a node: their token runs need not survive printing.
  if (std::holds_alternative<ast::other_stmt>(st.node)) {
    (void)format(st);
    return;
  }
  std::string text = format(st);
  auto again = parse(text, in.opts);
  if (!again && too_deep(again.error())) return;  // parentheses the formatter adds can cross the limit
  if (!again) {
    std::fprintf(stderr, "normalized: %s\nerror: %s\n", text.c_str(), again.error().message.c_str());
  }
  FUZZ_CHECK(again.has_value(), "the normalized text parses");
  std::string twice = format(*again);
  if (twice != text) std::fprintf(stderr, "normalized: %s\nagain:      %s\n", text.c_str(), twice.c_str());
  FUZZ_CHECK(twice == text, "normalizing is idempotent");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const demo_config& c = demo();
  auto in = shardwire::fuzz::split_sql_input(data, size);

  route_context ctx;
  ctx.rules = &c.rules;
  ctx.default_data_source = c.default_data_source;
  ctx.current_schema = in.flags & 4 ? "" : "orders";
  std::vector<shard_value> params;
  std::vector<std::string> literals;

  auto parsed = parse(in.sql, in.opts);
  if (parsed) {
    if (in.flags & 8) {
      for (int i = 0; i < parsed->placeholders; ++i) {
        std::size_t k = (static_cast<std::size_t>(i) + in.sql.size()) % bound_values().size();
        params.push_back(bound_values()[k]);
        literals.push_back(bound_literals()[k]);
      }
      ctx.params = &params;
      ctx.param_literals = &literals;
    }
    check_route(route(*parsed, in.sql, ctx), c);
    check_roundtrip(*parsed, in);
    if (!(in.flags & (1 | 2 | 8))) {  // the session caches with the default lexer options, unbound
      std::shared_ptr<const sharding_rules> rules(&c.rules, [](const sharding_rules*) {});
      auto mismatch = testing::check_cached_plan(in.sql, ctx, rules, static_cast<unsigned>(size));
      if (mismatch) std::fprintf(stderr, "%s\n", mismatch->c_str());
      FUZZ_CHECK(!mismatch, "a cached plan is the planner's plan");
    }
  } else {
    FUZZ_CHECK(parsed.error().offset <= in.sql.size(), "the error points into the text");
    FUZZ_CHECK(!parsed.error().message.empty(), "an error says what");
    check_route(route_unparsed(in.sql, parsed.error(), ctx), c);
  }

  std::string digest = digest_text(in.sql);
  FUZZ_CHECK(digest.size() <= 1024 + 4, "digest length bound");
  std::size_t max_length = 16 + in.sql.size() % 64;
  FUZZ_CHECK(digest_text(in.sql, max_length, 256).size() <= max_length + 8, "short digest length bound");
  (void)parse_kill(in.sql);
  return 0;
}
