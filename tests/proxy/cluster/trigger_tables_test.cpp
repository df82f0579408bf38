#include "proxy/cluster/trigger_tables.hpp"

#include <catch2/catch.hpp>

using shardwire::proxy::trigger_tables;
using names = trigger_tables::names;

TEST_CASE("trigger tables: sessions add, refreshes replace", "[triggers]") {
  trigger_tables t;
  CHECK(t.snapshot()->empty());
  auto g0 = t.generation();
  t.add({"Orders"});
  CHECK(*t.snapshot() == names{"orders"});
  CHECK(t.generation() > g0);
  auto g1 = t.generation();
  t.add({"ORDERS"});  // already known: no new snapshot
  CHECK(t.generation() == g1);

  // A refresh that began before a session's CREATE TRIGGER keeps the session's name.
  auto mark = t.mark();
  t.add({"audit"});
  t.replace(names{"Stock"}, mark, true);
  CHECK(*t.snapshot() == names{"audit", "stock"});

  // The next complete refresh is the truth: a dropped trigger's table goes.
  t.replace(names{"stock"}, t.mark(), true);
  CHECK(*t.snapshot() == names{"stock"});
}

TEST_CASE("trigger tables: an incomplete refresh drops nothing", "[triggers]") {
  trigger_tables t;
  t.replace(names{"a", "b"}, t.mark(), true);
  t.replace(names{"c"}, t.mark(), false);
  CHECK(*t.snapshot() == names{"a", "b", "c"});
  auto g = t.generation();
  t.replace(names{"c", "b", "a", "a"}, t.mark(), true);  // same set: no new generation
  CHECK(t.generation() == g);
}

TEST_CASE("trigger tables: sessions cannot grow the set without bound between refreshes", "[triggers]") {
  trigger_tables t;
  std::vector<std::string> many;
  for (std::size_t i = 0; i < trigger_tables::max_pending; ++i) many.push_back(std::to_string(i) + "_t");
  CHECK(t.add(many));
  CHECK(t.snapshot()->size() == trigger_tables::max_pending);
  CHECK_FALSE(t.add({"one_more"}));  // refused, nothing added
  CHECK(t.snapshot()->size() == trigger_tables::max_pending);
  t.replace(names{"1_t"}, t.mark(), true);  // a complete refresh settles them
  CHECK(*t.snapshot() == names{"1_t"});
  CHECK(t.add({"one_more"}));
}
