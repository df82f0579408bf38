// proxy/stats: per-worker statement counters, histograms and digest tables.
#include "proxy/server/stats.hpp"

#include <catch2/catch.hpp>

using namespace shardwire::proxy;

TEST_CASE("statement types come from the digest's first word", "[stats]") {
  CHECK(classify_type("SELECT ?") == stmt_type::select);
  CHECK(classify_type("with x as (select ?) select * from x") == stmt_type::select);
  CHECK(classify_type("insert INTO t VALUES (...)") == stmt_type::insert);
  CHECK(classify_type("ALTER TABLE t ADD c INT") == stmt_type::ddl);
  CHECK(classify_type("START TRANSACTION") == stmt_type::transaction);
  CHECK(classify_type("KILL ?") == stmt_type::other);
  CHECK(classify_type("") == stmt_type::other);
}

TEST_CASE("histograms count in the first bucket not below the value and add up", "[stats]") {
  histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 4.0, 9.0}) h.observe(v);
  CHECK(h.counts == std::vector<std::uint64_t>{2, 1, 1, 1});
  CHECK(h.count == 5);
  CHECK(h.sum == Approx(16.0));
  histogram g({1, 2, 4});
  g.add(h);
  g.add(h);
  CHECK(g.counts == std::vector<std::uint64_t>{4, 2, 2, 2});
}

TEST_CASE("digest latency quantiles are an upper bound within a bucket", "[stats]") {
  latency_buckets b;
  for (int i = 0; i < 99; ++i) b.observe(1'000'000);  // 1 ms
  b.observe(200'000'000);                             // 200 ms
  double p50 = b.quantile_ms(0.5, 100), p99 = b.quantile_ms(0.99, 100), p100 = b.quantile_ms(1.0, 100);
  CHECK(p50 >= 1.0);
  CHECK(p50 < 1.2);
  CHECK(p99 == p50);  // 99 of 100 observations are 1 ms
  CHECK(p100 >= 200.0);
  CHECK(p100 < 240.0);
}

TEST_CASE("digest tables group by schema and text, bounded by max_entries", "[stats]") {
  digest_table t;
  statement_record r;
  r.shards = 4;
  r.rows_sent = 3;
  t.record("orders", "SELECT ?", stmt_type::select, r, 2'000'000, 2);
  r.error = 1054;
  t.record("orders", "SELECT ?", stmt_type::select, r, 4'000'000, 2);
  t.record("", "SELECT ?", stmt_type::select, r, 1'000'000, 2);
  t.record("orders", "UPDATE t SET a = ?", stmt_type::update, r, 1'000'000, 2);  // past the bound
  t.record("orders", "DELETE FROM t", stmt_type::delete_, r, 1'000'000, 2);
  std::map<std::pair<std::string, std::string>, digest_entry> all;
  t.collect(all);
  t.collect(all);  // two workers with the same entries add up
  REQUIRE(all.size() == 3);
  const auto& e = all.at({"orders", "SELECT ?"});
  CHECK(e.count == 4);
  CHECK(e.errors == 2);
  CHECK(e.rows_sent == 12);
  CHECK(e.shards == 16);
  CHECK(e.max_shards == 4);
  CHECK(e.total_ns == 12'000'000);
  CHECK(e.max_ns == 4'000'000);
  CHECK(all.at({"", "(other)"}).count == 4);
}
