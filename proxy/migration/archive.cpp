#include "proxy/migration/archive.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "router/formatter.hpp"

namespace shardwire::proxy::migration {

namespace sql = router::migration_sql;
using nlohmann::json;

namespace {

json node_json(const router::data_node& n) {
  return {{"data_source", n.data_source}, {"database", n.database}, {"table", n.table}};
}

router::data_node node_from(const json& v) {
  return {v.at("data_source").get<std::string>(), v.at("database").get<std::string>(), v.at("table").get<std::string>()};
}

template <class T>
sql_result<T> value(T v) {
  return sql_result<T>(boost::system::in_place_value, v);
}

asio::awaitable<void> roll_back(link& l) { (void)co_await l.exec("ROLLBACK"); }

// Test-only crash point (tests/integration/archive_test.py), armed only by the
// environment: SHARDWIRE_ARCHIVE_FAULT=<n> SIGKILLs the process in its nth batch, after
// the rows are in the archive and verified, before they are deleted from the hot table.
bool fault_due() {
  static const long nth = [] {
    const char* v = std::getenv("SHARDWIRE_ARCHIVE_FAULT");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  static std::atomic<long> seen{0};
  return nth > 0 && ++seen == nth;
}

}  // namespace

json to_json(const archive_job& a) {
  json nodes = json::array(), cols = json::array();
  for (const auto& n : a.nodes) nodes.push_back(node_json(n));
  for (const auto& c : a.columns) cols.push_back({{"name", c.name}, {"numeric", c.numeric}});
  return {{"name", a.name},
          {"source", a.source_label},
          {"nodes", nodes},
          {"archive", node_json(a.archive)},
          {"condition", a.condition},
          {"key", a.key},
          {"columns", cols},
          {"throttle", {{"rows_per_second", a.rows_per_second}, {"batch_rows", a.batch_rows}}},
          {"running", a.running},
          {"done", a.done},
          {"paused", a.paused},
          {"node", a.node},
          {"last_key", a.last_key},
          {"rows_archived", a.rows_archived},
          {"batches", a.batches},
          {"verify_failures", a.verify_failures},
          {"rate", a.rate},
          {"created_at", a.created_at},
          {"finished_at", a.finished_at},
          {"error", a.error}};
}

archive_job archive_from_json(const json& v) {
  archive_job a;
  a.name = v.at("name").get<std::string>();
  a.source_label = v.at("source").get<std::string>();
  for (const auto& n : v.at("nodes")) a.nodes.push_back(node_from(n));
  a.archive = node_from(v.at("archive"));
  std::string why;
  auto cond = sql::archive_condition(v.at("condition").get<std::string>(), why);
  if (!cond) throw json::other_error::create(501, "condition: " + why, &v);
  a.condition = *cond;
  a.key = v.at("key").get<std::string>();
  for (const auto& c : v.at("columns")) a.columns.push_back({c.at("name").get<std::string>(), c.at("numeric").get<bool>()});
  a.rows_per_second = v.at("throttle").at("rows_per_second").get<std::uint64_t>();
  a.batch_rows = v.at("throttle").at("batch_rows").get<std::size_t>();
  a.running = v.at("running").get<bool>();
  a.done = v.at("done").get<bool>();
  a.paused = v.value("paused", false);
  a.node = v.at("node").get<std::size_t>();
  a.last_key = v.at("last_key").get<std::string>();
  if (!a.last_key.empty() && !sql::integer_text(a.last_key)) throw json::other_error::create(501, "last_key", &v);
  a.rows_archived = v.at("rows_archived").get<std::uint64_t>();
  a.batches = v.value("batches", std::uint64_t{0});
  a.verify_failures = v.value("verify_failures", std::uint64_t{0});
  a.created_at = v.value("created_at", "");
  a.finished_at = v.value("finished_at", "");
  a.error = v.value("error", "");
  return a;
}

archiver::archiver(archive_job& a, const config& cfg, topology& topo, connection_limits& limits)
    : a_(a), archive_(limits, topo, cfg.data_sources.at(a.archive.data_source)) {
  for (const auto& n : a.nodes) {
    if (!hot_.count(n.data_source)) {
      hot_[n.data_source] = std::make_unique<link>(limits, topo, cfg.data_sources.at(n.data_source));
    }
  }
}

link& archiver::hot(std::size_t node) { return *hot_.at(a_.nodes.at(node).data_source); }

void archiver::release() {
  archive_.drop();
  for (auto& [_, l] : hot_) l->drop();
}

// "CREATE TABLE `t` (..." as the server prints it: the same columns and keys under the
// archive's name; "" when `ddl` is not that.
std::string archive_ddl(const std::string& ddl, const router::data_node& from, const router::data_node& to) {
  std::string head = "CREATE TABLE ";
  head.append(router::format_identifier({from.table, true}));
  if (ddl.rfind(head, 0) != 0) return "";
  std::string create = "CREATE TABLE IF NOT EXISTS ";
  return create.append(router::move_sql::qualified(to)).append(ddl.substr(head.size()));
}

asio::awaitable<sql_result<void>> archiver::prepare() {
  const std::string columns = router::move_sql::columns_query(a_.archive);
  auto exists = co_await archive_.rows(columns);
  if (!exists) co_return exists.error();
  if (!exists->rows.empty()) co_return sql_result<void>{};
  const router::data_node first = a_.nodes.front();
  std::string show = "SHOW CREATE TABLE ";
  show.append(router::move_sql::qualified(first));
  auto def = co_await hot(0).rows(show);
  if (!def) co_return def.error();
  std::string create;
  if (!def->rows.empty() && def->rows[0].size() >= 2 && def->rows[0][1]) create = archive_ddl(*def->rows[0][1], first, a_.archive);
  if (create.empty()) co_return protocol::make_error(protocol::errc::internal, "no definition of " + first.text());
  std::string db = "CREATE DATABASE IF NOT EXISTS ";
  db.append(router::format_identifier({a_.archive.database, true}));
  auto made = co_await archive_.exec(db);
  if (!made) co_return made;
  auto created = co_await archive_.exec(create);
  co_return created;
}

asio::awaitable<sql_result<std::size_t>> archiver::batch() {
  if (a_.node >= a_.nodes.size()) {
    a_.done = true;
    a_.running = false;
    co_return value(std::size_t{0});
  }
  const auto& node = a_.nodes[a_.node];
  link& l = hot(a_.node);
  auto begun = co_await l.exec("BEGIN");
  if (!begun) co_return begun.error();
  std::string select = "SELECT ";
  select.append(router::move_sql::select_list(a_.columns)).append(" FROM ").append(router::move_sql::qualified(node));
  select.append(" WHERE ");
  if (!a_.last_key.empty()) {
    select.append(router::format_identifier({a_.key, true})).append(" > ").append(a_.last_key).append(" AND ");
  }
  select.append("(").append(a_.condition).append(") ORDER BY ").append(router::format_identifier({a_.key, true}));
  select.append(" LIMIT ").append(std::to_string(a_.batch_rows)).append(" FOR UPDATE");
  auto got = co_await l.rows(select);
  if (!got) {
    co_await roll_back(l);
    co_return got.error();
  }
  std::size_t key_index = 0;
  for (std::size_t i = 0; i < a_.columns.size(); ++i) {
    if (router::same_column(a_.columns[i].name, a_.key)) key_index = i;
  }
  if (got->rows.empty()) {  // this node is through
    co_await roll_back(l);
    ++a_.node;
    a_.last_key.clear();
    co_return value(std::size_t{0});
  }
  std::vector<std::string> keys;
  for (const auto& r : got->rows) keys.push_back(*r[key_index]);
  for (const auto& r : got->rows) {
    if (key_index >= r.size() || !r[key_index] || !sql::integer_text(*r[key_index])) {
      co_await roll_back(l);
      co_return protocol::make_error(protocol::errc::internal, "a hot key that is not an integer");
    }
  }
  auto stmts = router::move_sql::insert_rows(a_.archive, a_.columns, got->rows, 1u << 20, "INSERT IGNORE");
  if (!stmts) {
    co_await roll_back(l);
    co_return protocol::make_error(protocol::errc::internal, "a hot value that is not what was read");
  }
  for (const auto& s : *stmts) {
    auto r = co_await archive_.exec(s);
    if (!r) {
      co_await roll_back(l);
      co_return r.error();
    }
  }
  // The archive holds exactly these rows now, or nothing is deleted.
  auto back = co_await archive_.rows(sql::select_keys(a_.archive, a_.columns, a_.key, keys, false));
  if (!back) {
    co_await roll_back(l);
    co_return back.error();
  }
  std::map<std::string, const router::move_sql::row*> archived;
  for (const auto& r : back->rows) archived[*r[key_index]] = &r;
  for (const auto& r : got->rows) {
    auto it = archived.find(*r[key_index]);
    if (it == archived.end() || *it->second != r) {
      co_await roll_back(l);
      ++a_.verify_failures;
      co_return protocol::make_error(protocol::errc::internal,
                                     "row " + *r[key_index] + " reads back differently from " + a_.archive.text() +
                                         " (are its columns the hot table's?): nothing deleted");
    }
  }
  if (fault_due()) ::kill(::getpid(), SIGKILL);
  const std::string remove = sql::delete_keys(node, a_.key, keys);
  auto deleted = co_await l.exec(remove);
  if (!deleted) {
    co_await roll_back(l);
    co_return deleted.error();
  }
  auto committed = co_await l.exec("COMMIT");
  if (!committed) co_return committed.error();
  a_.last_key = keys.back();
  a_.rows_archived += keys.size();
  ++a_.batches;
  co_return value(keys.size());
}

}  // namespace shardwire::proxy::migration
