// router/sharding_algorithms: every algorithm's formula, edge values and ranges.
#include <catch2/catch.hpp>

#include <limits>

#include "router/sharding_algorithms.hpp"

using namespace shardwire::router;
using index_set = std::set<std::size_t>;
using opt_set = std::optional<index_set>;

namespace {
shard_value i(std::int64_t x) { return shard_value::of_int(x); }
shard_value s(std::string x) { return shard_value::of_string(std::move(x)); }
shard_value dt(std::string x) { return shard_value::of_datetime(std::move(x)); }
std::optional<range_bound> incl(shard_value v) { return range_bound{std::move(v), true}; }
std::optional<range_bound> excl(shard_value v) { return range_bound{std::move(v), false}; }
constexpr auto none = std::nullopt;
constexpr std::optional<std::size_t> no_node = std::nullopt;

algorithm_ptr inline_algo(std::size_t nodes, const char* text) {
  auto e = inline_expression::parse(text, "user_id");
  if (!e) FAIL(e.error());
  return make_inline(nodes, *e);
}
}  // namespace

TEST_CASE("FNV-1a 64 is the published function", "[algorithms]") {
  CHECK(fnv1a_64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a_64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("mod: mathematical modulo of the integer value", "[algorithms]") {
  auto m = make_mod(8);
  CHECK(m->canonical() == "mod(modulus=8)");
  struct row {
    shard_value v;
    std::optional<std::size_t> node;
  };
  const row rows[] = {
      {i(0), 0}, {i(7), 7}, {i(8), 0}, {i(13), 5}, {i(-1), 7}, {i(-8), 0}, {i(-13), 3},
      {i(std::numeric_limits<std::int64_t>::min()), 0},
      {i(std::numeric_limits<std::int64_t>::max()), 7},
      {shard_value::of_uint(std::numeric_limits<std::uint64_t>::max()), 7},
      {s("42"), 2}, {s(" 42 "), 2}, {s("042"), 2}, {s("+42"), 2}, {s("42.0"), 2}, {s("42."), 2}, {s("-13"), 3},
      {s("18446744073709551615"), 7}, {s("-9223372036854775808"), 0},
      {shard_value::of_double(42.0), 2}, {shard_value::of_double(-1.0), 7},
      {shard_value::of_decimal("42.000"), 2}, {shard_value::of_decimal("-9"), 7},
      // Values no integer column holds: the router fans out (reads) or refuses (writes).
      {shard_value::null(), no_node}, {s("42.5"), no_node}, {s("abc"), no_node}, {s(""), no_node},
      {s("42abc"), no_node}, {s("1e3"), no_node}, {s("0x10"), no_node}, {s("-"), no_node}, {s("."), no_node},
      {s("18446744073709551616"), no_node}, {s("-9223372036854775809"), no_node},
      {s("99999999999999999999999999999999999999999"), no_node},
      {shard_value::of_double(42.5), no_node}, {shard_value::of_double(1e30), no_node},
      {shard_value::of_double(std::numeric_limits<double>::quiet_NaN()), no_node},
      {shard_value::of_decimal("1.5"), no_node}, {dt("2024-01-01"), no_node},
  };
  for (const row& r : rows) {
    INFO("row " << (&r - rows));
    CHECK(m->route_value("id", r.v) == r.node);
  }
}

TEST_CASE("mod: ranges narrow when narrower than the modulus", "[algorithms]") {
  auto m = make_mod(8);
  CHECK(m->route_range("id", incl(i(10)), incl(i(12))) == opt_set{{2, 3, 4}});
  CHECK(m->route_range("id", incl(i(6)), incl(i(9))) == opt_set{{6, 7, 0, 1}});
  CHECK(m->route_range("id", excl(i(10)), excl(i(12))) == opt_set{{3}});
  CHECK(m->route_range("id", incl(i(-2)), incl(i(1))) == opt_set{{6, 7, 0, 1}});
  CHECK(m->route_range("id", incl(s("10")), incl(s("11"))) == opt_set{{2, 3}});
  CHECK(m->route_range("id", incl(i(12)), incl(i(10))) == opt_set{index_set{}});  // empty: no node matches
  CHECK(m->route_range("id", excl(i(5)), excl(i(6))) == opt_set{index_set{}});
  CHECK(m->route_range("id", incl(i(0)), incl(i(7))) == none);  // every node
  CHECK(m->route_range("id", incl(i(0)), incl(i(1000))) == none);
  CHECK(m->route_range("id", incl(i(5)), none) == none);
  CHECK(m->route_range("id", none, none) == none);
  CHECK(m->route_range("id", incl(s("x")), incl(i(3))) == none);
  CHECK(m->route_range("id", incl(shard_value::of_decimal("1.5")), incl(i(3))) == none);
}

TEST_CASE("hash_mod: FNV-1a of the canonical text, a stable contract", "[algorithms]") {
  auto h = make_hash_mod(8, hash_key_type::string);
  CHECK(h->canonical() == "hash_mod(key_type=string)");
  // Pinned placements: rows already stored depend on them.
  CHECK(h->route_value("name", s("alice")) == 7u);
  CHECK(h->route_value("name", s("bob")) == 4u);
  CHECK(h->route_value("name", s("")) == 5u);
  CHECK(h->route_value("name", s("42")) == 3u);
  CHECK(h->route_value("name", i(42)) == 3u);  // integers hash as their decimal text
  CHECK(h->route_value("name", i(-7)) == 5u);
  CHECK(h->route_value("name", shard_value::of_uint(18446744073709551615ull)) == 4u);
  CHECK(make_hash_mod(16, hash_key_type::string)->route_value("name", s("a")) == 12u);
  CHECK(h->route_value("name", shard_value::of_decimal("42")) == 3u);
  CHECK(h->route_value("name", s("042")) != h->route_value("name", i(42)));  // different strings
  CHECK(h->route_value("name", shard_value::null()) == no_node);
  CHECK(h->route_value("name", shard_value::of_double(1.5)) == no_node);
  CHECK(h->route_value("name", s("a")) == static_cast<std::size_t>(fnv1a_64("a") % 8));
  CHECK(h->route_range("name", incl(s("a")), incl(s("b"))) == none);

  auto n = make_hash_mod(8, hash_key_type::integer);
  CHECK(n->canonical() == "hash_mod(key_type=integer)");
  for (const shard_value& v : {i(42), s("42"), s("042"), s(" 42"), shard_value::of_double(42.0),
                               shard_value::of_decimal("42.00")}) {
    CHECK(n->route_value("id", v) == 3u);
  }
  CHECK(n->route_value("id", s("abc")) == no_node);
  CHECK(n->route_value("id", i(-7)) == 5u);
  auto r = n->route_range("id", incl(i(41)), incl(i(42)));
  REQUIRE(r.has_value());
  CHECK(r->count(3));
  CHECK(r->count(*n->route_value("id", i(41))));
  CHECK(n->route_range("id", incl(i(0)), incl(i(1000000))) == none);
}

TEST_CASE("range: index is the number of boundaries <= value", "[algorithms]") {
  auto r = make_range({100, 200, 300});
  CHECK(r->node_count() == 4);
  CHECK(r->canonical() == "range(boundaries=[100,200,300])");
  CHECK(r->route_value("id", i(99)) == 0u);
  CHECK(r->route_value("id", i(100)) == 1u);
  CHECK(r->route_value("id", i(199)) == 1u);
  CHECK(r->route_value("id", i(200)) == 2u);
  CHECK(r->route_value("id", i(300)) == 3u);
  CHECK(r->route_value("id", i(-5)) == 0u);
  CHECK(r->route_value("id", i(std::numeric_limits<std::int64_t>::min())) == 0u);
  CHECK(r->route_value("id", shard_value::of_uint(std::numeric_limits<std::uint64_t>::max())) == 3u);
  CHECK(r->route_value("id", s("150")) == 1u);
  CHECK(r->route_value("id", shard_value::null()) == no_node);
  CHECK(r->route_value("id", s("15O")) == no_node);

  CHECK(r->route_range("id", incl(i(150)), incl(i(250))) == opt_set{{1, 2}});
  CHECK(r->route_range("id", excl(i(100)), excl(i(200))) == opt_set{{1}});
  CHECK(r->route_range("id", incl(i(100)), incl(i(200))) == opt_set{{1, 2}});
  CHECK(r->route_range("id", incl(i(0)), incl(i(99))) == opt_set{{0}});
  CHECK(r->route_range("id", incl(i(250)), none) == opt_set{{2, 3}});
  CHECK(r->route_range("id", none, excl(i(100))) == opt_set{{0}});
  CHECK(r->route_range("id", none, incl(i(100))) == opt_set{{0, 1}});
  CHECK(r->route_range("id", incl(i(300)), incl(i(200))) == opt_set{index_set{}});
  CHECK(r->route_range("id", incl(i(-1000)), incl(i(1000))) == none);
  CHECK(r->route_range("id", none, none) == none);
  CHECK(r->route_range("id", incl(s("abc")), none) == none);
}

TEST_CASE("interval by month", "[algorithms]") {
  auto m = make_interval(12, *parse_datetime("2024-01-01"), interval_unit::month, 1);
  CHECK(m->canonical() == "interval(start=2024-01-01,unit=month,step=1)");
  CHECK(m->route_value("ts", dt("2024-01-01")) == 0u);
  CHECK(m->route_value("ts", s("2024-01-15")) == 0u);
  CHECK(m->route_value("ts", dt("2024-01-31 23:59:59.999999")) == 0u);
  CHECK(m->route_value("ts", dt("2024-02-01 00:00:00")) == 1u);
  CHECK(m->route_value("ts", s("2024-02-29T12:00:00")) == 1u);
  CHECK(m->route_value("ts", dt("2024-12-31 23:59:59")) == 11u);
  // Outside the covered months: no node; the router reports an error.
  CHECK(m->route_value("ts", dt("2023-12-31 23:59:59")) == no_node);
  CHECK(m->route_value("ts", dt("2025-01-01")) == no_node);
  CHECK(m->route_value("ts", dt("2024-02-30")) == no_node);
  CHECK(m->route_value("ts", s("2024-1-5")) == no_node);
  CHECK(m->route_value("ts", i(20240115)) == no_node);
  CHECK(m->route_value("ts", shard_value::null()) == no_node);

  // BETWEEN '2024-01-15' AND '2024-03-02'
  CHECK(m->route_range("ts", incl(s("2024-01-15")), incl(s("2024-03-02"))) == opt_set{{0, 1, 2}});
  CHECK(m->route_range("ts", incl(dt("2024-01-10")), excl(dt("2024-02-01"))) == opt_set{{0}});
  CHECK(m->route_range("ts", incl(dt("2024-01-10")), incl(dt("2024-02-01"))) == opt_set{{0, 1}});
  CHECK(m->route_range("ts", incl(dt("2024-01-10")), excl(dt("2024-02-01 00:00:01"))) == opt_set{{0, 1}});
  CHECK(m->route_range("ts", excl(dt("2024-11-30")), none) == opt_set{{10, 11}});
  CHECK(m->route_range("ts", incl(dt("2020-01-01")), incl(dt("2024-02-10"))) == opt_set{{0, 1}});
  CHECK(m->route_range("ts", none, excl(dt("2024-01-01"))) == opt_set{index_set{}});
  CHECK(m->route_range("ts", incl(dt("2025-01-01")), none) == opt_set{index_set{}});
  CHECK(m->route_range("ts", incl(dt("2024-05-01")), incl(dt("2024-04-01"))) == opt_set{index_set{}});
  CHECK(m->route_range("ts", incl(dt("2023-01-01")), incl(dt("2026-01-01"))) == none);
  CHECK(m->route_range("ts", none, none) == none);
  CHECK(m->route_range("ts", incl(s("yesterday")), none) == none);
}

TEST_CASE("interval by day with a step", "[algorithms]") {
  auto w = make_interval(4, *parse_datetime("2024-01-01"), interval_unit::day, 7);  // weekly
  CHECK(w->canonical() == "interval(start=2024-01-01,unit=day,step=7)");
  CHECK(w->route_value("d", dt("2024-01-07 23:00:00")) == 0u);
  CHECK(w->route_value("d", dt("2024-01-08")) == 1u);
  CHECK(w->route_value("d", dt("2024-01-28")) == 3u);
  CHECK(w->route_value("d", dt("2024-01-29")) == no_node);
  CHECK(w->route_value("d", dt("2023-12-31")) == no_node);
  CHECK(w->route_range("d", incl(dt("2024-01-01")), excl(dt("2024-01-15"))) == opt_set{{0, 1}});
  CHECK(w->route_range("d", incl(dt("2024-01-01")), excl(dt("2024-01-16"))) == opt_set{{0, 1, 2}});
  CHECK(w->route_range("d", incl(dt("2024-01-09")), excl(dt("2024-01-14"))) == opt_set{{1}});
  auto leap = make_interval(366, *parse_datetime("2024-01-01"), interval_unit::day, 1);
  CHECK(leap->route_value("d", dt("2024-03-01")) == 60u);  // 31 + 29 days before it
  CHECK(leap->route_value("d", dt("2024-12-31")) == 365u);
}

TEST_CASE("inline: an integer expression over the column", "[algorithms]") {
  auto a = inline_algo(8, "user_id % 8");
  CHECK(a->canonical() == "inline(expression=(x % 8))");
  CHECK(a->route_value("user_id", i(13)) == 5u);
  CHECK(a->route_value("user_id", s("13")) == 5u);
  CHECK(a->route_value("user_id", i(-3)) == no_node);  // % truncates: -3, outside [0, 8)
  CHECK(a->route_value("user_id", shard_value::null()) == no_node);
  CHECK(a->route_range("user_id", incl(i(9)), incl(i(11))) == opt_set{{1, 2, 3}});
  CHECK(a->route_range("user_id", incl(i(-1)), incl(i(1))) == none);  // -1 cannot be placed

  auto b = inline_algo(4, "(USER_ID / 10) % 4");  // column names are case-insensitive
  CHECK(b->canonical() == "inline(expression=((x / 10) % 4))");
  CHECK(b->route_value("user_id", i(25)) == 2u);
  CHECK(b->route_value("user_id", i(45)) == 0u);
  CHECK(b->route_range("user_id", incl(i(20)), incl(i(29))) == opt_set{{2}});
  CHECK(b->route_range("user_id", incl(i(0)), incl(i(39))) == none);

  auto c = inline_algo(8, "-user_id % 8 + 2 * 3 - 6");
  CHECK(c->canonical() == "inline(expression=((((-x) % 8) + (2 * 3)) - 6))");
  CHECK(c->route_value("user_id", i(-13)) == 5u);

  CHECK(inline_algo(100, "user_id * user_id * user_id")->route_value("user_id", i(1ll << 62)) == no_node);  // overflow
  CHECK(inline_algo(4, "user_id / (user_id - 5)")->route_value("user_id", i(5)) == no_node);  // division by zero
  CHECK(inline_algo(4, "user_id % (user_id - 5)")->route_value("user_id", i(5)) == no_node);
  CHECK(inline_algo(4, "user_id / (user_id - 5)")->route_value("user_id", i(6)) == no_node);  // 6: out of range
  CHECK(inline_algo(8, "user_id / (user_id - 5)")->route_value("user_id", i(7)) == 3u);
  CHECK(inline_algo(4, "user_id - 10")->route_value("user_id", i(13)) == 3u);
}

TEST_CASE("inline expressions are checked when parsed", "[algorithms]") {
  struct row {
    const char* text;
    const char* message;
  };
  for (const row& r : {
           row{"", "expected a number, the column or '(' at offset 0"},
           row{"user_id +", "expected a number, the column or '(' at offset 9"},
           row{"foo % 8", "unknown name \"foo\" at offset 0"},
           row{"user_id % n", "unknown name \"n\""},
           row{"8 % 4", "does not use the sharding column"},
           row{"(user_id % 8", "expected ')'"},
           row{"user_id % 8)", "unexpected ')' at offset 11"},
           row{"user_id ^ 2", "unexpected '^' at offset 8"},
           row{"user_id % 8 8", "unexpected '8'"},
           row{"99999999999999999999 + user_id", "number too large"},
           row{"user_id % 1.5", "unexpected '.'"},
       }) {
    INFO(r.text);
    auto e = inline_expression::parse(r.text, "user_id");
    REQUIRE_FALSE(e.has_value());
    CHECK_THAT(e.error(), Catch::Contains(r.message));
  }
  std::string deep = std::string(100, '(') + "user_id" + std::string(100, ')');
  auto e = inline_expression::parse(deep, "user_id");
  REQUIRE_FALSE(e.has_value());
  CHECK_THAT(e.error(), Catch::Contains("nested too deeply"));
  CHECK(inline_expression::parse(std::string(50, '(') + "user_id" + std::string(50, ')'), "user_id").has_value());
  CHECK(inline_expression::parse(std::string(200, '-') + "user_id", "user_id").has_value() == false);
}

TEST_CASE("gene: each column by value mod N", "[algorithms]") {
  auto g = make_gene(64);
  CHECK(g->canonical() == "gene(modulus=64)");
  CHECK(g->canonical() != make_mod(64)->canonical());
  CHECK(g->route_value("user_id", i(1000)) == 1000u % 64);
  CHECK(g->route_value("order_id", i(64 * 12345 + 7)) == 7u);
  CHECK(g->route_value("order_id", i(-1)) == 63u);
  CHECK(g->route_value("order_id", s("70")) == 6u);
  CHECK(g->route_value("order_id", shard_value::null()) == no_node);
  CHECK(g->route_range("order_id", incl(i(62)), incl(i(65))) == opt_set{{62, 63, 0, 1}});
}
