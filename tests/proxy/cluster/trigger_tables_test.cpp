#include "proxy/cluster/trigger_tables.hpp"

#include <catch2/catch.hpp>

using shardwire::proxy::trigger_tables;
using names = trigger_tables::names;

TEST_CASE("trigger tables: sessions add, refreshes replace", "[triggers]") {
  trigger_tables t;
  CHECK(t.snapshot()->empty());
  auto g0 = t.generation();
  t.add("Orders");
  CHECK(*t.snapshot() == names{"orders"});
  CHECK(t.generation() > g0);
  auto g1 = t.generation();
  t.add("ORDERS");  // already known: no new snapshot
  CHECK(t.generation() == g1);

  // A refresh that began before a session's CREATE TRIGGER keeps the session's name.
  auto mark = t.mark();
  t.add("audit");
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
