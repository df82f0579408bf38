#include "proxy/migration/job.hpp"

#include <algorithm>
#include <ctime>

namespace shardwire::proxy::migration {

using nlohmann::json;

namespace {
constexpr const char* phase_names[] = {"created",      "double_write",  "backfill", "verify",
                                       "switch_reads", "switch_writes", "cleaned_up"};
constexpr int phase_count = sizeof phase_names / sizeof phase_names[0];

json range_json(const key_range& r) {
  return {{"from_after", r.lo}, {"to", r.hi}, {"source_rows", r.source_rows}, {"target_rows", r.target_rows}};
}
}  // namespace

const char* phase_name(phase p) { return phase_names[static_cast<int>(p)]; }

std::optional<phase> phase_from(std::string_view name) {
  for (int i = 0; i < phase_count; ++i) {
    if (name == phase_names[i]) return static_cast<phase>(i);
  }
  return std::nullopt;
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json to_json(const job& j) {
  json cols = json::array();
  for (const auto& c : j.columns) cols.push_back({{"name", c.name}, {"numeric", c.numeric}});
  json diffs = json::array();
  for (const auto& r : j.verify.differences) diffs.push_back(range_json(r));
  const auto& b = j.backfill;
  const auto& v = j.verify;
  return {
      {"name", j.name},
      {"source", source_json(j)},
      {"target", {{"schema", j.target_schema}, {"table", j.target_table}}},
      {"key", j.key},
      {"columns", cols},
      {"route_columns", j.route_columns},
      {"phase", phase_name(j.at)},
      {"throttle",
       {{"rows_per_second", j.limits.rows_per_second},
        {"batch_rows", j.limits.batch_rows},
        {"max_replica_lag_ms", j.limits.max_replica_lag_ms},
        {"max_threads_running", j.limits.max_threads_running},
        {"ack_wait_ms", j.limits.ack_wait_ms}}},
      {"created_at", j.created_at},
      {"apply_token", j.apply_token},
      {"source_renamed_to", j.source_renamed_to},
      {"cleaning", j.cleaning},
      {"cleaning_rename", j.cleaning_rename},
      {"reverse",
       {{"synced", j.reverse.synced}, {"failures", j.reverse.failures}, {"last_error", j.reverse.last_error}}},
      {"double_write",
       {{"synced", j.double_write.synced},
        {"failures", j.double_write.failures},
        {"last_error", j.double_write.last_error},
        {"pending", j.double_write.pending},
        {"acks_waited", j.double_write.acks_waited},
        {"acks_late", j.double_write.acks_late},
        {"ack_wait_us", j.double_write.ack_wait_us}}},
      {"backfill",
       {{"running", b.running},
        {"done", b.done},
        {"paused", b.paused},
        {"node", b.node},
        {"last_key", b.last_key},
        {"rows_copied", b.rows_copied},
        {"rows_total", b.rows_total},
        {"waiting", b.waiting},
        {"rate", b.rate},
        {"started_at", b.started_at},
        {"finished_at", b.finished_at}}},
      {"verify",
       {{"running", v.running},
        {"done", v.done},
        {"sample_percent", v.sample_percent},
        {"chunk_rows", v.chunk_rows},
        {"last_key", v.last_key},
        {"chunks", v.chunks},
        {"chunks_checked", v.chunks_checked},
        {"rows_checked", v.rows_checked},
        {"repaired", v.repaired},
        {"differences", diffs},
        {"differences_dropped", v.differences_dropped},
        {"started_at", v.started_at},
        {"finished_at", v.finished_at}}},
      {"error", j.error},
  };
}

namespace {
json node_json(const router::data_node& n) {
  return {{"data_source", n.data_source}, {"database", n.database}, {"table", n.table}};
}

router::data_node node_from(const json& n) {
  return {n.at("data_source").get<std::string>(), n.at("database").get<std::string>(), n.at("table").get<std::string>()};
}
}  // namespace

json source_json(const job& j) {
  if (!j.sharded_source()) return node_json(j.source);
  json nodes = json::array();
  for (const auto& n : j.source_nodes) nodes.push_back(node_json(n));
  return {{"schema", j.source_schema}, {"table", j.source_table}, {"nodes", nodes},
          {"sharding_columns", j.source_route_columns}};
}

job job_from_json(const json& v) {
  job j;
  j.name = v.at("name").get<std::string>();
  if (!router::migration_sql::valid_job_name(j.name)) throw json::other_error::create(501, "name " + j.name, &v);
  // Keys the file gives back go into statements: integers only.
  auto key = [&v](const std::string& k) {
    if (!k.empty() && !router::migration_sql::integer_text(k)) throw json::other_error::create(501, "key " + k, &v);
    return k;
  };
  const auto& s = v.at("source");
  if (s.contains("nodes")) {
    j.source_schema = s.at("schema").get<std::string>();
    j.source_table = s.at("table").get<std::string>();
    for (const auto& n : s.at("nodes")) j.source_nodes.push_back(node_from(n));
    j.source_route_columns = s.at("sharding_columns").get<std::vector<std::string>>();
    if (j.source_nodes.empty() || j.source_table.empty()) throw json::other_error::create(501, "source: no nodes", &v);
    j.source = j.source_nodes.front();
  } else {
    j.source = node_from(s);
    j.source_nodes = {j.source};
  }
  j.target_schema = v.at("target").at("schema").get<std::string>();
  j.target_table = v.at("target").at("table").get<std::string>();
  j.key = v.at("key").get<std::string>();
  for (const auto& c : v.at("columns")) j.columns.push_back({c.at("name").get<std::string>(), c.at("numeric").get<bool>()});
  j.route_columns = v.at("route_columns").get<std::vector<std::string>>();
  auto p = phase_from(v.at("phase").get<std::string>());
  if (!p) throw json::other_error::create(501, "unknown phase " + v.at("phase").get<std::string>(), &v);
  j.at = *p;
  const auto& t = v.at("throttle");
  j.limits = {t.at("rows_per_second").get<std::uint64_t>(), t.at("batch_rows").get<std::size_t>(),
              t.at("max_replica_lag_ms").get<std::int64_t>(), t.at("max_threads_running").get<std::int64_t>(),
              std::min<std::uint32_t>(t.value("ack_wait_ms", std::uint32_t{2000}), 60000)};
  j.created_at = v.value("created_at", "");
  j.apply_token = v.at("apply_token").get<std::string>();
  if (!router::migration_sql::valid_token(j.apply_token)) {
    throw json::other_error::create(501, "apply_token is not 16 to 32 hex digits", &v);
  }
  j.source_renamed_to = v.value("source_renamed_to", "");
  j.cleaning = v.value("cleaning", false);
  j.cleaning_rename = v.value("cleaning_rename", "");
  j.error = v.value("error", "");
  if (v.contains("reverse")) {
    j.reverse.synced = v["reverse"].value("synced", std::uint64_t{0});
    j.reverse.failures = v["reverse"].value("failures", std::uint64_t{0});
    j.reverse.last_error = v["reverse"].value("last_error", "");
  }
  const auto& d = v.at("double_write");
  j.double_write.synced = d.value("synced", std::uint64_t{0});
  j.double_write.failures = d.value("failures", std::uint64_t{0});
  j.double_write.last_error = d.value("last_error", "");
  j.double_write.acks_waited = d.value("acks_waited", std::uint64_t{0});
  j.double_write.acks_late = d.value("acks_late", std::uint64_t{0});
  j.double_write.ack_wait_us = d.value("ack_wait_us", std::uint64_t{0});
  const auto& b = v.at("backfill");
  j.backfill.running = b.at("running").get<bool>();
  j.backfill.done = b.at("done").get<bool>();
  j.backfill.paused = b.value("paused", false);
  j.backfill.last_key = key(b.at("last_key").get<std::string>());
  j.backfill.node = b.value("node", std::size_t{0});
  if (j.backfill.node >= j.source_nodes.size()) throw json::other_error::create(501, "backfill.node out of range", &v);
  j.backfill.rows_copied = b.at("rows_copied").get<std::uint64_t>();
  j.backfill.rows_total = b.value("rows_total", std::uint64_t{0});
  j.backfill.started_at = b.value("started_at", "");
  j.backfill.finished_at = b.value("finished_at", "");
  const auto& w = v.at("verify");
  j.verify.running = w.at("running").get<bool>();
  j.verify.done = w.at("done").get<bool>();
  j.verify.sample_percent = w.at("sample_percent").get<int>();
  j.verify.chunk_rows = w.at("chunk_rows").get<std::size_t>();
  j.verify.last_key = key(w.at("last_key").get<std::string>());
  j.verify.chunks = w.value("chunks", std::uint64_t{0});
  j.verify.chunks_checked = w.value("chunks_checked", std::uint64_t{0});
  j.verify.rows_checked = w.value("rows_checked", std::uint64_t{0});
  j.verify.repaired = w.value("repaired", std::uint64_t{0});
  for (const auto& r : w.at("differences")) {
    j.verify.differences.push_back({key(r.at("from_after").get<std::string>()), key(r.at("to").get<std::string>()),
                                    r.value("source_rows", std::uint64_t{0}), r.value("target_rows", std::uint64_t{0})});
  }
  j.verify.differences_dropped = w.value("differences_dropped", std::uint64_t{0});
  j.verify.started_at = w.value("started_at", "");
  j.verify.finished_at = w.value("finished_at", "");
  return j;
}

}  // namespace shardwire::proxy::migration
