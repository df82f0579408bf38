// proxy/migration/job: a job's JSON form, as the migrations file keeps it so that a
// restarted proxy resumes where it stopped, and the phase names. Pure code.
#include "proxy/migration/job.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

using namespace shardwire;
using namespace shardwire::proxy::migration;
using nlohmann::json;

namespace {
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// Every field away from its default.
job full() {
  job j;
  j.name = "move_orders";
  j.source = {"ds1", "legacy", "orders"};
  j.target_schema = "app";
  j.target_table = "t_mod";
  j.key = "id";
  j.columns = {{"id", true}, {"na`me", false}};
  j.route_columns = {"user_id", "order_id"};
  j.at = phase::verify;
  j.limits = {1234, 77, 250, 9};
  j.created_at = "2024-05-01T10:00:00Z";
  j.apply_token = "0123456789abcdef01234567";
  j.source_renamed_to = "orders_old";
  j.cleaning = true;
  j.cleaning_rename = "orders_old";
  j.reverse.synced = 11;
  j.reverse.failures = 1;
  j.reverse.last_error = "deadlock";
  j.double_write.synced = 10;
  j.double_write.failures = 2;
  j.double_write.last_error = "lost connection";
  j.double_write.pending = 3;
  auto& b = j.backfill;
  b.running = b.done = b.paused = true;
  b.last_key = "-42";
  b.rows_copied = 1000;
  b.rows_total = u64_max;  // unsigned all the way
  b.waiting = "replica lag";
  b.rate = 12.5;
  b.started_at = "2024-05-01T10:01:00Z";
  b.finished_at = "2024-05-01T11:00:00Z";
  auto& v = j.verify;
  v.running = v.done = true;
  v.sample_percent = 25;
  v.chunk_rows = 333;
  v.last_key = "900";
  v.chunks = 7;
  v.chunks_checked = 5;
  v.rows_checked = 4000;
  v.repaired = 3;
  v.differences = {{"", "100", 5, 4}, {"100", "", 0, u64_max}};  // "" bounds are open
  v.started_at = "2024-05-01T11:01:00Z";
  v.finished_at = "2024-05-01T11:30:00Z";
  j.error = "target ds2 down";
  return j;
}

// Through text, as the migrations file is written and read.
job reloaded(const job& j) { return job_from_json(json::parse(to_json(j).dump(2))); }
}  // namespace

TEST_CASE("job: what a restart needs survives the migrations file", "[migration][job]") {
  const job a = full();
  const job r = reloaded(a);
  CHECK(r.name == a.name);
  CHECK(r.source == a.source);
  CHECK(r.target_schema == "app");
  CHECK(r.target_table == "t_mod");
  CHECK(r.key == "id");
  REQUIRE(r.columns.size() == 2u);
  CHECK(r.columns[0].name == "id");
  CHECK(r.columns[0].numeric);
  CHECK(r.columns[1].name == "na`me");
  CHECK_FALSE(r.columns[1].numeric);
  CHECK(r.route_columns == a.route_columns);
  CHECK(r.at == phase::verify);
  CHECK(r.limits.rows_per_second == 1234u);
  CHECK(r.limits.batch_rows == 77u);
  CHECK(r.limits.max_replica_lag_ms == 250);
  CHECK(r.limits.max_threads_running == 9);
  CHECK(r.created_at == a.created_at);
  CHECK(r.apply_token == a.apply_token);
  CHECK(r.source_renamed_to == "orders_old");
  CHECK(r.cleaning);  // a cleanup under way goes on after a restart
  CHECK(r.cleaning_rename == "orders_old");
  CHECK(r.reverse.synced == 11u);
  CHECK(r.reverse.failures == 1u);
  CHECK(r.reverse.last_error == "deadlock");
  CHECK(r.double_write.last_error == "lost connection");  // the last failures survive a restart
  CHECK(r.error == "target ds2 down");
  CHECK(r.double_write.synced == 10u);
  CHECK(r.double_write.failures == 2u);
  CHECK(r.backfill.running);
  CHECK(r.backfill.done);
  CHECK(r.backfill.paused);
  CHECK(r.backfill.last_key == "-42");
  CHECK(r.backfill.rows_copied == 1000u);
  CHECK(r.backfill.rows_total == u64_max);
  CHECK(r.backfill.started_at == a.backfill.started_at);
  CHECK(r.backfill.finished_at == a.backfill.finished_at);
  CHECK(r.verify.running);
  CHECK(r.verify.done);
  CHECK(r.verify.sample_percent == 25);
  CHECK(r.verify.chunk_rows == 333u);
  CHECK(r.verify.last_key == "900");
  CHECK(r.verify.chunks == 7u);
  CHECK(r.verify.chunks_checked == 5u);
  CHECK(r.verify.rows_checked == 4000u);
  CHECK(r.verify.repaired == 3u);
  REQUIRE(r.verify.differences.size() == 2u);
  CHECK(r.verify.differences[0].lo == "");
  CHECK(r.verify.differences[0].hi == "100");
  CHECK(r.verify.differences[0].source_rows == 5u);
  CHECK(r.verify.differences[0].target_rows == 4u);
  CHECK(r.verify.differences[1].lo == "100");
  CHECK(r.verify.differences[1].hi == "");
  CHECK(r.verify.differences[1].target_rows == u64_max);
  CHECK(r.verify.started_at == a.verify.started_at);
  CHECK(r.verify.finished_at == a.verify.finished_at);
}

TEST_CASE("job: the running process's measurements are shown but not reloaded", "[migration][job]") {
  // to_json also feeds the admin API, which shows these; they describe the process that
  // measured them, so a restarted one measures afresh.
  const job a = full();
  const json out = to_json(a);
  CHECK(out.at("double_write").at("pending").get<std::uint64_t>() == 3u);
  CHECK(out.at("backfill").at("waiting").get<std::string>() == "replica lag");
  CHECK(out.at("backfill").at("rate").get<double>() == 12.5);
  const job r = reloaded(a);
  CHECK(r.double_write.pending == 0u);
  CHECK(r.backfill.waiting.empty());
  CHECK(r.backfill.rate == 0.0);
}

TEST_CASE("job: names and keys from the file are checked before they reach SQL", "[migration][job]") {
  for (auto [path, bad] : {std::pair{"/name", "x'; DROP TABLE t; --"}, std::pair{"/backfill/last_key", "1 OR 1=1"},
                           std::pair{"/verify/last_key", "1.5"}, std::pair{"/verify/differences/0/to", "9e9"}}) {
    json v = to_json(full());
    v[json::json_pointer(path)] = bad;
    INFO(path);
    CHECK_THROWS_AS(job_from_json(v), json::exception);
  }
}

TEST_CASE("job: an apply token that is not hex is refused", "[migration][job]") {
  json v = to_json(full());
  v["apply_token"] = "x' OR 1=1";
  CHECK_THROWS_AS(job_from_json(v), json::exception);
}

TEST_CASE("job: counters added later default when an older file lacks them", "[migration][job]") {
  json v = to_json(full());
  v.erase("created_at");
  v["backfill"].erase("paused");
  v["backfill"].erase("rows_total");
  v["verify"].erase("chunks");
  v["verify"]["differences"][0].erase("source_rows");
  const job r = job_from_json(v);
  CHECK(r.created_at.empty());
  CHECK_FALSE(r.backfill.paused);
  CHECK(r.backfill.rows_total == 0u);
  CHECK(r.verify.chunks == 0u);
  CHECK(r.verify.differences[0].source_rows == 0u);
}

TEST_CASE("job: a malformed entry throws json::exception (the file is refused)", "[migration][job]") {
  const json good = to_json(full());
  CHECK_NOTHROW(job_from_json(good));
  auto without = [&](const char* outer, const char* inner = nullptr) {
    json v = good;
    if (inner) {
      v[outer].erase(inner);
    } else {
      v.erase(outer);
    }
    return v;
  };
  CHECK_THROWS_AS(job_from_json(without("name")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("source")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("phase")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("double_write")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("throttle", "max_threads_running")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("backfill", "last_key")), json::exception);
  CHECK_THROWS_AS(job_from_json(without("verify", "differences")), json::exception);

  json unknown = good;
  unknown["phase"] = "copying";
  CHECK_THROWS_AS(job_from_json(unknown), json::exception);
  json wrong_type = good;
  wrong_type["columns"][0]["numeric"] = "yes";
  CHECK_THROWS_AS(job_from_json(wrong_type), json::exception);
}

TEST_CASE("job: phase names", "[migration][job]") {
  for (auto [p, name] : {std::pair{phase::created, "created"}, std::pair{phase::double_write, "double_write"},
                         std::pair{phase::backfill, "backfill"}, std::pair{phase::verify, "verify"},
                         std::pair{phase::switch_reads, "switch_reads"}, std::pair{phase::switch_writes, "switch_writes"},
                         std::pair{phase::cleaned_up, "cleaned_up"}}) {
    INFO(name);
    CHECK(std::string(phase_name(p)) == name);
    CHECK(phase_from(name) == p);
  }
  for (const char* bad : {"", "Verify", "verify ", "copying", "double-write"}) {
    INFO(bad);
    CHECK_FALSE(phase_from(bad).has_value());
  }
}

TEST_CASE("job: timestamps are UTC ISO 8601 to the second", "[migration][job]") {
  const std::string t = now_iso();
  REQUIRE(t.size() == 20u);
  CHECK(t[4] == '-');
  CHECK(t[10] == 'T');
  CHECK(t.back() == 'Z');
}

TEST_CASE("job: the OK's wait bound and its counters survive; an older file waits 2 s", "[migration][job]") {
  job a = full();
  a.limits.ack_wait_ms = 750;
  a.double_write.acks_waited = 90;
  a.double_write.acks_late = 2;
  a.double_write.ack_wait_us = u64_max;
  const job r = reloaded(a);
  CHECK(r.limits.ack_wait_ms == 750u);
  CHECK(r.double_write.acks_waited == 90u);
  CHECK(r.double_write.acks_late == 2u);
  CHECK(r.double_write.ack_wait_us == u64_max);
  json older = to_json(full());
  older["throttle"].erase("ack_wait_ms");
  older["double_write"].erase("acks_waited");
  const job o = job_from_json(older);
  CHECK(o.limits.ack_wait_ms == 2000u);
  CHECK(o.double_write.acks_waited == 0u);
  older["throttle"]["ack_wait_ms"] = 10000000;  // bounded as the API bounds it
  CHECK(job_from_json(older).limits.ack_wait_ms == 60000u);
}

TEST_CASE("job: an unsharded source is its one node", "[migration][job]") {
  const job r = reloaded(full());
  CHECK_FALSE(r.sharded_source());
  REQUIRE(r.source_nodes.size() == 1u);
  CHECK(r.source_nodes[0] == r.source);
  CHECK(r.source_database() == "legacy");
  CHECK(r.source_name() == "orders");
  CHECK(to_json(r)["source"] == json{{"data_source", "ds1"}, {"database", "legacy"}, {"table", "orders"}});
}

TEST_CASE("job: a sharded source keeps its logical name, nodes, sharding columns and copy position",
          "[migration][job]") {
  job a = full();
  a.source_schema = "shop";
  a.source_table = "order_info";
  a.source_nodes = {{"ds0", "db_0", "order_info_0"}, {"ds0", "db_0", "order_info_1"}, {"ds1", "db_1", "order_info_0"}};
  a.source = a.source_nodes[0];
  a.source_route_columns = {"order_id"};
  a.backfill.node = 2;
  const job r = reloaded(a);
  CHECK(r.sharded_source());
  CHECK(r.source_database() == "shop");
  CHECK(r.source_name() == "order_info");
  CHECK(r.source_text() == "shop.order_info");
  CHECK(r.source_nodes == a.source_nodes);
  CHECK(r.source == a.source_nodes[0]);
  CHECK(r.source_route_columns == a.source_route_columns);
  CHECK(r.backfill.node == 2u);
  json bad = to_json(a);
  bad["backfill"]["node"] = 3;  // past the last node
  CHECK_THROWS_AS(job_from_json(bad), json::exception);
  bad = to_json(a);
  bad["source"]["nodes"] = json::array();
  CHECK_THROWS_AS(job_from_json(bad), json::exception);
}
