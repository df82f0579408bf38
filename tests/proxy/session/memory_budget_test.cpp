// proxy/session/memory_budget: charges refused whole, per session and process-wide.
#include "proxy/session/memory_budget.hpp"

#include <catch2/catch.hpp>

using namespace shardwire::proxy;
using refusal = session_budget::refusal;

TEST_CASE("a session's charges stay within its budget and the pool's", "[memory_budget]") {
  memory_pool pool(1000);
  {
    session_budget a(&pool, 600), b(&pool, 600);
    CHECK(a.take(500) == refusal::none);
    CHECK(a.take(200) == refusal::session);  // over the session's 600: nothing taken
    CHECK(a.used() == 500);
    CHECK(b.take(600) == refusal::proxy);  // 500 + 600 > 1000
    CHECK(b.take(500) == refusal::none);
    CHECK(pool.used() == 1000);
    CHECK(pool.exhausted());
    a.give(50);
    CHECK(pool.exhausted());  // 50 left: under 1/16 of the limit, no room for a new session
    a.give(250);
    CHECK_FALSE(pool.exhausted());
    CHECK(pool.used() == 700);
    std::size_t charged = 100;
    CHECK(b.adjust(charged, 50) == refusal::none);  // shrinking always fits
    CHECK(charged == 50);
    CHECK(b.used() == 450);
  }
  CHECK(pool.used() == 0);  // sessions give everything back when they end
}

TEST_CASE("zero limits mean unlimited", "[memory_budget]") {
  memory_pool pool(0);
  session_budget s(&pool, 0);
  CHECK(s.take(std::size_t{1} << 40) == refusal::none);
  s.release_all();
  CHECK(pool.used() == 0);
  pool.set_limit(10);
  CHECK_FALSE(pool.take(11));
  CHECK(pool.used() == 0);
}
