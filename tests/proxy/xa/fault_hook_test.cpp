// proxy/xa/fault_hook: the test-only crash points, SHARDWIRE_XA_FAULT's syntax and
// which commit at which step they hit. Pure code.
#include "proxy/xa/fault_hook.hpp"

#include <catch2/catch.hpp>

using namespace shardwire::proxy::xa;

TEST_CASE("fault hook: an unarmed hook never fires", "[xa][fault_hook]") {
  fault_hook h;
  CHECK_FALSE(h.armed());
  for (auto s : {fault_step::after_first_prepare, fault_step::after_prepares, fault_step::after_decision,
                 fault_step::after_first_commit}) {
    CHECK_FALSE(h.reached(s).has_value());
  }
}

TEST_CASE("fault hook: the step, kill at the first commit by default", "[xa][fault_hook]") {
  auto h = fault_hook::parse("after_decision");
  REQUIRE(h.has_value());
  CHECK(h->armed());
  CHECK_FALSE(h->reached(fault_step::after_first_prepare).has_value());
  CHECK_FALSE(h->reached(fault_step::after_prepares).has_value());
  CHECK_FALSE(h->reached(fault_step::after_first_commit).has_value());
  auto a = h->reached(fault_step::after_decision);
  REQUIRE(a.has_value());
  CHECK(a->kill);
  CHECK(a->wait_file.empty());
  CHECK_FALSE(h->reached(fault_step::after_decision).has_value());  // once only

  for (auto [spec, step] : {std::pair{"after_first_prepare", fault_step::after_first_prepare},
                            std::pair{"after_prepares", fault_step::after_prepares},
                            std::pair{"after_first_commit", fault_step::after_first_commit}}) {
    INFO(spec);
    auto k = fault_hook::parse(spec);
    REQUIRE(k.has_value());
    CHECK_FALSE(k->reached(fault_step::after_decision).has_value());
    CHECK(k->reached(step).has_value());
  }
}

TEST_CASE("fault hook: the nth commit reaching the step", "[xa][fault_hook]") {
  auto h = fault_hook::parse("after_first_commit:3");
  REQUIRE(h.has_value());
  CHECK_FALSE(h->reached(fault_step::after_first_commit).has_value());
  CHECK_FALSE(h->reached(fault_step::after_decision).has_value());  // other steps do not count
  CHECK_FALSE(h->reached(fault_step::after_decision).has_value());
  CHECK_FALSE(h->reached(fault_step::after_first_commit).has_value());
  auto a = h->reached(fault_step::after_first_commit);
  REQUIRE(a.has_value());
  CHECK(a->kill);
  CHECK_FALSE(h->reached(fault_step::after_first_commit).has_value());
  CHECK_FALSE(h->reached(fault_step::after_first_commit).has_value());
}

TEST_CASE("fault hook: wait for a file instead of killing", "[xa][fault_hook]") {
  auto h = fault_hook::parse("after_prepares:wait=/tmp/x:y");
  REQUIRE(h.has_value());
  auto a = h->reached(fault_step::after_prepares);
  REQUIRE(a.has_value());
  CHECK_FALSE(a->kill);
  CHECK(a->wait_file == "/tmp/x:y");  // the file name keeps its ':'

  auto n = fault_hook::parse("after_decision:2:wait=/tmp/hold");
  REQUIRE(n.has_value());
  CHECK_FALSE(n->reached(fault_step::after_decision).has_value());
  a = n->reached(fault_step::after_decision);
  REQUIRE(a.has_value());
  CHECK_FALSE(a->kill);
  CHECK(a->wait_file == "/tmp/hold");
}

TEST_CASE("fault hook: bad specs are refused", "[xa][fault_hook]") {
  for (const char* spec : {"", "after_everything", "AFTER_DECISION", "after_decision ", ":after_decision",
                           "after_decision:0", "after_decision:", "after_decision:x", "after_decision:3x",
                           "after_decision:-1", "after_decision:1000001", "after_decision:wait=",
                           "after_decision:2:0"}) {
    INFO(spec);
    CHECK_FALSE(fault_hook::parse(spec).has_value());
  }
  CHECK(fault_hook::parse("after_decision:1000000").has_value());
}
