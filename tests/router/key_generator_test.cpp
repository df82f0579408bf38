// router/key_generator: snowflake and gene id layouts, monotonicity, concurrency.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <thread>

#include "router/key_generator.hpp"
#include "router/sharding_algorithms.hpp"

using namespace shardwire::router;
using kind = key_generator::kind;

namespace {
// A hand-driven clock (Unix ms).
struct fake_clock {
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(snowflake_epoch_ms + 1000);
  key_generator::clock fn() const {
    return [n = now] { return *n; };
  }
};
std::int64_t math_mod(std::int64_t x, std::int64_t m) { return ((x % m) + m) % m; }
}  // namespace

TEST_CASE("the snowflake epoch is 2024-01-01T00:00:00Z", "[keygen]") {
  CHECK(snowflake_epoch_ms == parse_datetime("2024-01-01")->days_since_unix_epoch() * 86400000);
}

TEST_CASE("snowflake bit layout", "[keygen]") {
  fake_clock clock;
  key_generator g(kind::snowflake, "id", "", 5, 1, clock.fn());
  CHECK(g.type() == kind::snowflake);
  CHECK(g.column() == "id");
  CHECK(g.worker_id() == 5);
  CHECK(g.modulus() == 1);
  CHECK(g.gene_bits() == 0);
  CHECK(g.next_id() == ((1000ll << 22) | (5 << 12) | 0));
  CHECK(g.next_id() == ((1000ll << 22) | (5 << 12) | 1));
  CHECK(g.next_id(12345) == ((1000ll << 22) | (5 << 12) | 2));  // the gene is ignored
  *clock.now += 1;
  CHECK(g.next_id() == ((1001ll << 22) | (5 << 12) | 0));
  key_generator top(kind::snowflake, "id", "", max_worker_id, 1, clock.fn());
  CHECK(top.next_id() == ((1001ll << 22) | (1023 << 12)));
}

TEST_CASE("a full sequence borrows the next millisecond instead of waiting", "[keygen]") {
  fake_clock clock;
  key_generator g(kind::snowflake, "id", "", 0, 1, clock.fn());
  std::int64_t last = 0;
  for (int n = 0; n < 4096; ++n) last = g.next_id();
  CHECK(last == ((1000ll << 22) | 4095));
  CHECK(g.next_id() == (1001ll << 22));  // clock still at 1000
  *clock.now += 1;                        // the clock reaches the borrowed ms
  CHECK(g.next_id() == ((1001ll << 22) | 1));
}

TEST_CASE("a clock stepping back keeps ids increasing", "[keygen]") {
  fake_clock clock;
  *clock.now = snowflake_epoch_ms + 2000;
  key_generator g(kind::snowflake, "id", "", 1, 1, clock.fn());
  std::int64_t a = g.next_id();
  *clock.now = snowflake_epoch_ms + 1000;  // NTP step back
  std::int64_t b = g.next_id();
  CHECK(b > a);
  CHECK(b >> 22 == 2000);  // still counting on the last timestamp
  *clock.now = snowflake_epoch_ms + 3000;
  std::int64_t c = g.next_id();
  CHECK(c == ((3000ll << 22) | (1 << 12)));

  *clock.now = 0;  // 1970: before the epoch counts as the epoch
  key_generator early(kind::snowflake, "id", "", 0, 1, clock.fn());
  CHECK(early.next_id() == 1);  // ids are never 0
  CHECK(early.next_id() == 2);
}

TEST_CASE("gene bit layout", "[keygen]") {
  fake_clock clock;
  key_generator g(kind::gene, "order_id", "user_id", 3, 64, clock.fn());
  CHECK(g.type() == kind::gene);
  CHECK(g.gene_column() == "user_id");
  CHECK(g.modulus() == 64);
  CHECK(g.gene_bits() == 6);
  // 41 bits ms | 10 bits worker | 6 bits sequence | 6 bits gene
  CHECK(g.next_id(1000) == ((((1000ll << 16) | (3 << 6) | 0) << 6) | (1000 % 64)));
  CHECK(g.next_id(-1) == ((((1000ll << 16) | (3 << 6) | 1) << 6) | 63));
  CHECK(g.next_id() == ((((1000ll << 16) | (3 << 6) | 2) << 6) | 0));
  for (int n = 0; n < 61; ++n) g.next_id(5);
  CHECK(g.next_id(5) == ((((1001ll << 16) | (3 << 6) | 0) << 6) | 5));  // 64 ids per ms, then borrow

  key_generator widest(kind::gene, "id", "g", 0, max_gene_modulus, clock.fn());
  CHECK(widest.gene_bits() == 12);
  CHECK(widest.next_id(4097) == ((1000ll << 22) | 1));
  CHECK(widest.next_id(4097) == ((1001ll << 22) | 1));  // no sequence bits: one id per ms
}

TEST_CASE("gene ids route with their gene column", "[keygen]") {
  key_generator g(kind::gene, "order_id", "user_id", 7, 64);
  auto algorithm = make_gene(64);
  std::mt19937_64 rng(20240101);
  std::uniform_int_distribution<std::int64_t> user_ids(1, std::numeric_limits<std::int64_t>::max());
  std::int64_t previous = 0;
  for (int n = 0; n < 10000; ++n) {
    const std::int64_t user_id = n < 9000 ? user_ids(rng) : -user_ids(rng);
    const std::int64_t order_id = g.next_id(user_id);
    INFO("user_id " << user_id << " order_id " << order_id);
    REQUIRE(order_id > previous);  // strictly increasing, always positive
    previous = order_id;
    if (user_id > 0) REQUIRE(order_id % 64 == user_id % 64);
    REQUIRE(math_mod(order_id, 64) == math_mod(user_id, 64));
    REQUIRE(algorithm->route_value("order_id", shard_value::of_int(order_id)) ==
            algorithm->route_value("user_id", shard_value::of_int(user_id)));
  }
}

TEST_CASE("snowflake ids are unique across 4 threads x 50k", "[keygen]") {
  key_generator g(kind::snowflake, "id", "", 9, 1);
  constexpr int threads = 4, per_thread = 50000;
  std::vector<std::vector<std::int64_t>> ids(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ids[t].reserve(per_thread);
      for (int n = 0; n < per_thread; ++n) ids[t].push_back(g.next_id());
    });
  }
  for (auto& w : workers) w.join();
  std::vector<std::int64_t> all;
  for (const auto& v : ids) {
    CHECK(std::is_sorted(v.begin(), v.end()));
    CHECK(std::adjacent_find(v.begin(), v.end()) == v.end());  // strictly increasing per thread
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all.size() == threads * per_thread);
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.front() > 0);
  CHECK(((all.front() >> 12) & max_worker_id) == 9);
  // The embedded time is near now (borrowing runs ahead by at most ~50 ms here).
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count() - snowflake_epoch_ms;
  CHECK((all.back() >> 22) <= now + 1000);
  CHECK((all.back() >> 22) >= now - 60000);
}
