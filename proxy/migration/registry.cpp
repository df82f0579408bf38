#include "proxy/migration/registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "proxy/cluster/state_file.hpp"
#include "proxy/migration/copier.hpp"
#include "proxy/migration/registry_parts.hpp"
#include "router/formatter.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::proxy::migration {




registry::registry(const config& cfg, topology& topo, connection_limits& limits, std::shared_ptr<spdlog::logger> log,
                   asio::any_io_executor ex)
    : cfg_(cfg), topo_(topo), limits_(limits), log_(std::move(log)), path_(cfg.admin.migrations_file), ex_(std::move(ex)) {}

registry::~registry() = default;

const job* registry::find(const std::string& name) const {
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : it->second.get();
}

std::string registry::load() {
  if (path_.empty()) return "";
  std::ifstream in(path_);
  if (!in) {
    if (errno == ENOENT) return "";  // no file yet: no jobs
    return path_ + ": " + std::strerror(errno);
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    json doc = json::parse(text.str());
    for (const auto& v : doc.at("jobs")) {
      auto j = std::make_unique<job>(job_from_json(v));
      // The target's sharding columns as the config has them now (check_target checks
      // the source has them).
      if (const auto* rule = sharded_rule(cfg_.rules.get(), j->target_schema, j->target_table)) {
        j->route_columns = rule->sharding_columns();
      }
      if (auto why = copier::check_target(*j, cfg_); !why.empty()) return "migration " + j->name + ": " + why;
      for (const auto& n : j->source_nodes) {
        // A cleaned-up job no longer touches its source (its servers may be gone).
        if (j->at != phase::cleaned_up && !cfg_.data_sources.count(n.data_source)) {
          return "migration " + j->name + ": data source " + n.data_source + " is not configured";
        }
      }
      std::string name = j->name;
      jobs_[name] = std::move(j);
    }
    for (const auto& v : doc.value("archives", json::array())) {
      auto a = std::make_unique<archive_job>(archive_from_json(v));
      for (const auto& n : a->nodes) {
        if (!cfg_.data_sources.count(n.data_source)) return "archive " + a->name + ": no data source " + n.data_source;
      }
      if (!cfg_.data_sources.count(a->archive.data_source)) {
        return "archive " + a->name + ": no data source " + a->archive.data_source;
      }
      std::string name = a->name;
      archives_[name] = std::move(a);
    }
  } catch (const json::exception& e) {
    return path_ + ": " + e.what();
  }
  // Runners now: the routes of switched jobs are published before the first client.
  for (auto& [_, j] : jobs_) add_runner(*j);
  for (auto& [_, a] : archives_) add_archive_runner(*a);
  return "";
}

void registry::add_runner(job& j) {
  auto r = std::make_unique<runner>(ex_);
  r->cp = std::make_unique<copier>(j, cfg_, topo_, limits_, *r->state);
  r->applier = std::make_unique<copier>(j, cfg_, topo_, limits_, *r->state, false);
  // Triggers must still be there (reinstalled if not); a switch of writes that a crash
  // interrupted before it took effect is simply not done (the job is in switch_reads:
  // writes still go to the source); an interrupted cleanup goes on.
  r->want_triggers = j.at != phase::created && j.at != phase::cleaned_up && !j.cleaning;
  r->want_cleanup = j.cleaning;
  r->rename_to = j.cleaning_rename;
  // Sessions wait for the job only once it applies changes (after its triggers are
  // checked), as long as its throttle says, and wake it when they do.
  r->state->applying.store(j.at >= phase::double_write && j.at <= phase::switch_reads);
  r->state->ack_wait_ms.store(j.limits.ack_wait_ms);
  r->state->acks_waited.store(j.double_write.acks_waited);
  r->state->acks_late.store(j.double_write.acks_late);
  r->state->ack_wait_us.store(j.double_write.ack_wait_us);
  r->state->wake = [ex = ex_, timer = &r->apply_wake, alive = std::weak_ptr<int>(alive_)] {
    asio::post(ex, [timer, alive] {
      if (alive.lock()) timer->cancel();
    });
  };
  runners_[j.name] = std::move(r);
}

void registry::add_archive_runner(archive_job& a) {
  auto r = std::make_unique<archive_runner>(ex_);
  r->ar = std::make_unique<archiver>(a, cfg_, topo_, limits_);
  archive_runners_[a.name] = std::move(r);
}

void registry::start() {
  for (auto& [name, j] : jobs_) {
    log_->info("migration {} resumed in phase {}", name, phase_name(j->at));
    asio::co_spawn(ex_, drive(name), asio::detached);
    asio::co_spawn(ex_, apply_loop(name), asio::detached);
  }
  for (auto& [name, a] : archives_) {
    if (a->running) log_->info("archive {} resumed at {} of {} tables", name, a->node, a->nodes.size());
    asio::co_spawn(ex_, drive_archive(name), asio::detached);
  }
}

std::vector<route> registry::routes() const {
  std::vector<route> out;
  for (const auto& [name, j] : jobs_) {
    if (j->at < phase::double_write) continue;
    out.push_back({j->source_database(), j->source_name(), route_data_source(*j), j->target_schema, j->target_table,
                   j->at >= phase::switch_writes, j->at >= phase::switch_reads, runners_.at(name)->state});
  }
  return out;
}

// "" when cleanup may rename the source to `to` (a sharded source's tables to
// <to>_<node index>): a table name no source or target table of that database has.
std::string registry::rename_refused(const job& j, const std::string& to) const {
  if (to.empty()) return "";
  if (!valid_table_name(to) || to.size() > 56) return "rename_source_to: a table name of letters, digits and _";
  const auto* target = sharded_rule(cfg_.rules.get(), j.target_schema, j.target_table);
  for (std::size_t i = 0; i < j.source_nodes.size(); ++i) {
    const auto& n = j.source_nodes[i];
    std::string name = to;
    if (j.sharded_source()) name.append("_").append(std::to_string(i));
    auto taken = [&](const router::data_node& t) {
      return t.data_source == n.data_source && t.database == n.database && t.table == name;
    };
    bool clash = std::any_of(j.source_nodes.begin(), j.source_nodes.end(), taken);
    if (target) clash = clash || std::any_of(target->nodes().begin(), target->nodes().end(), taken);
    if (clash) return "rename_source_to: " + n.database + "." + name + " is a source or target table";
  }
  return "";
}

// Where a route's name lives when its schema is not a logical one: the source's data
// source (a sharded source's schema has its own default).
std::string registry::route_data_source(const job& j) const {
  if (!j.sharded_source()) return j.source.data_source;
  const auto* schema = cfg_.rules ? cfg_.rules->find_schema(j.source_schema) : nullptr;
  return schema ? schema->default_data_source : j.source.data_source;
}

std::string registry::republish() {
  if (!publish_) return "";
  auto why = publish_();
  if (!why.empty()) log_->error("migration routes not published: {}", why);
  return why;
}

void registry::stop() {
  stopping_ = true;
  for (auto& [_, r] : runners_) {
    r->wake.cancel();
    r->apply_wake.cancel();
  }
  for (auto& [_, r] : archive_runners_) r->wake.cancel();
  if (!jobs_.empty() || !archives_.empty()) save();
}

std::string registry::save() {
  if (path_.empty()) return "";
  json list = json::array();
  for (const auto& [_, j] : jobs_) list.push_back(to_json(*j));
  json archives = json::array();
  for (const auto& [_, a] : archives_) archives.push_back(to_json(*a));
  auto why = write_file_atomically(path_, json{{"version", 1}, {"jobs", list}, {"archives", archives}}.dump(2) + "\n");
  if (!why.empty()) log_->error("migrations file not written: {}", why);
  return why;
}

// "" when no physical table of `rule` holds a row, else which does (or why unknown).
asio::awaitable<std::string> registry::target_rows(const router::table_rule& rule) {
  std::map<std::string, std::unique_ptr<link>> links;
  for (const auto& n : rule.nodes()) {
    auto& l = links[n.data_source];
    if (!l) l = std::make_unique<link>(limits_, topo_, cfg_.data_sources.at(n.data_source));
    std::string any = "SELECT 1 FROM ";
    any.append(router::move_sql::qualified(n)).append(" LIMIT 1");
    auto r = co_await l->rows(any);
    if (!r) co_return "target " + n.text() + ": " + r.error().message;
    if (!r->rows.empty()) {
      co_return "the target is not empty (" + n.data_source + ":" + n.text() +
                " holds rows): a migration needs an empty target, which it makes equal to the source";
    }
  }
  co_return "";
}

asio::awaitable<std::string> registry::describe_source(job& j) {
  co_return co_await describe(j.source, j.columns, j.key);
}

// A table's insertable columns and its one-column integer primary key, from its server;
// "" or what is wrong.
asio::awaitable<std::string> registry::describe(const router::data_node& t, std::vector<router::move_sql::column>& out,
                                                std::string& key) {
  link l(limits_, topo_, cfg_.data_sources.at(t.data_source));
  auto cols = co_await l.rows(router::move_sql::columns_query(t));
  if (!cols) co_return t.text() + ": " + cols.error().message;
  std::map<std::string, std::string> types;
  for (const auto& r : cols->rows) {
    if (r.size() < 2 || !r[0] || !r[1]) continue;
    out.push_back({*r[0], router::move_sql::numeric_type(*r[1])});
    types[*r[0]] = *r[1];
  }
  if (out.empty()) co_return "table " + t.text() + " not found on " + t.data_source;
  std::string pk = "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE CONSTRAINT_NAME = 'PRIMARY' AND "
                   "TABLE_SCHEMA = ";
  pk.append(router::hex_string_literal(t.database, "utf8mb4"))
      .append(" AND TABLE_NAME = ")
      .append(router::hex_string_literal(t.table, "utf8mb4"));
  auto keys = co_await l.rows(pk);
  if (!keys) co_return t.text() + ": " + keys.error().message;
  static const std::set<std::string> integer_types{"tinyint", "smallint", "mediumint", "int", "bigint"};
  if (keys->rows.size() != 1 || keys->rows[0].empty() || !keys->rows[0][0] ||
      !integer_types.count(types[*keys->rows[0][0]])) {
    co_return "table " + t.text() + " needs a primary key of one integer column";
  }
  key = *keys->rows[0][0];
  co_return "";
}

// A sharded source's physical tables and sharding columns, from the config's rule.
std::string registry::source_nodes(job& spec) const {
  const auto* rule = sharded_rule(cfg_.rules.get(), spec.source_schema, spec.source_table);
  if (!rule) {
    return "source: " + spec.source_schema + "." + spec.source_table + " is not a sharded logical table";
  }
  if (spec.source_schema == spec.target_schema && spec.source_table == spec.target_table) {
    return "source and target are the same table";
  }
  if (spec.source_table.size() > 64) return "source.table: too long";
  spec.source_nodes = rule->nodes();
  spec.source_route_columns = rule->sharding_columns();
  spec.source = spec.source_nodes.front();
  return "";
}

asio::awaitable<action_result> registry::create(job spec) {
  if (path_.empty()) co_return action_result{409, "admin.migrations_file is not set (the config was not read from a file)"};
  if (!sql::valid_job_name(spec.name)) co_return action_result{400, "name: 1 to 32 of a-z, 0-9 and _"};
  if (jobs_.count(spec.name)) co_return action_result{409, "migration " + spec.name + " exists"};
  if (spec.sharded_source()) {
    if (auto why = source_nodes(spec); !why.empty()) co_return action_result{400, why};
  } else if (!cfg_.data_sources.count(spec.source.data_source)) {
    co_return action_result{400, "source.data_source: no data source " + spec.source.data_source};
  } else {
    spec.source_nodes = {spec.source};
  }
  const auto* rule = sharded_rule(cfg_.rules.get(), spec.target_schema, spec.target_table);
  if (!rule) {
    co_return action_result{400, "target: " + spec.target_schema + "." + spec.target_table +
                                     " is not a sharded logical table"};
  }
  spec.route_columns = rule->sharding_columns();
  if (auto why = co_await describe_source(spec); !why.empty()) co_return action_result{400, why};
  if (auto why = copier::check_target(spec, cfg_); !why.empty()) co_return action_result{400, why};
  // Every source column must exist on the target (by name; its type should match for
  // the checksums to agree).
  const std::string columns = router::move_sql::columns_query(rule->node(0));
  link t(limits_, topo_, cfg_.data_sources.at(rule->node(0).data_source));
  auto tcols = co_await t.rows(columns);
  if (!tcols) co_return action_result{502, "target: " + tcols.error().message};
  for (const auto& c : spec.columns) {
    bool found = false;
    for (const auto& r : tcols->rows) found = found || (!r.empty() && r[0] && router::same_column(*r[0], c.name));
    if (!found) co_return action_result{400, "column " + c.name + " of the source is not on the target " + rule->node(0).text()};
  }
  // The target belongs to the migration: verify and repair make it equal to the source,
  // so rows already there would be reported, then deleted.
  if (auto held = co_await target_rows(*rule); !held.empty()) co_return action_result{409, held};
  spec.created_at = now_iso();
  spec.apply_token = random_token();
  std::string name = spec.name;
  if (jobs_.count(name)) co_return action_result{409, "migration " + name + " exists"};  // made meanwhile
  jobs_[name] = std::make_unique<job>(std::move(spec));
  add_runner(*jobs_[name]);
  if (auto why = save(); !why.empty()) {
    runners_.erase(name);
    jobs_.erase(name);
    co_return action_result{500, why};
  }
  log_->info("migration {} created: {} -> {}.{}", name, jobs_[name]->source.text(), jobs_[name]->target_schema,
             jobs_[name]->target_table);
  asio::co_spawn(ex_, drive(name), asio::detached);
  asio::co_spawn(ex_, apply_loop(name), asio::detached);
  co_return action_result{201, ""};
}


asio::awaitable<action_result> registry::act(const std::string& name, const std::string& action, const json& args) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) co_return action_result{404, "no migration " + name};
  job& j = *it->second;
  runner& r = *runners_.at(name);
  action_result out{202, ""};
  const bool copying_phase = j.at == phase::double_write || j.at == phase::backfill || j.at == phase::verify;
  // (A cleanup whose rename failed may be asked again with another name.)
  const bool renaming_again = action == "cleanup" && j.cleaning && j.source_renamed_to.empty();
  if (action != "throttle" && !renaming_again &&
      (r.want_triggers || r.want_switch || r.want_rollback || r.want_cleanup || j.cleaning)) {
    co_return action_result{409, "the job is taking a step (double_write, a switch, rollback or cleanup): wait for it"};
  }
  if (action == "double_write") {
    if (j.at != phase::created) co_return action_result{409, "double-write is on already"};
    r.want_triggers = true;
  } else if (action == "backfill") {
    if (j.at == phase::created) co_return action_result{409, "start double_write first"};
    if (!copying_phase) co_return action_result{409, "the backfill runs before the switch (rollback first)"};
    if (j.backfill.running) co_return action_result{409, "the backfill is running"};
    if (j.backfill.done && !args.value("restart", false)) {
      co_return action_result{409, "the backfill is done (\"restart\": true copies everything again)"};
    }
    j.backfill = {};
    j.backfill.running = true;
    j.backfill.started_at = now_iso();
    if (j.at < phase::backfill) j.at = phase::backfill;
  } else if (action == "pause" || action == "resume") {
    if (!j.backfill.running) co_return action_result{409, "no backfill is running"};
    j.backfill.paused = action == "pause";
  } else if (action == "verify") {
    if (!copying_phase) co_return action_result{409, "verification runs before the switch (rollback first)"};
    if (!j.backfill.done) co_return action_result{409, "the backfill has not finished"};
    if (j.verify.running) co_return action_result{409, "a verification is running"};
    std::string error;
    auto sample = int_arg(args, "sample_percent", 1, 100, error);
    auto chunk = int_arg(args, "chunk_rows", 10, 100000, error);
    if (!error.empty()) co_return action_result{400, error};
    j.verify = {};
    j.verify.sample_percent = static_cast<int>(sample.value_or(100));
    j.verify.chunk_rows = static_cast<std::size_t>(chunk.value_or(1000));
    j.verify.running = true;
    j.verify.started_at = now_iso();
    j.at = phase::verify;
  } else if (action == "repair") {
    if (j.verify.running) co_return action_result{409, "a verification is running"};
    if (!copying_phase) co_return action_result{409, "repair runs before the switch (rollback first)"};
    if (j.verify.differences.empty()) co_return action_result{409, "no differences to repair"};
    r.want_repair = true;
  } else if (action == "switch_reads") {
    if (j.at != phase::verify || !j.verify.done || !j.verify.differences.empty() || j.verify.differences_dropped ||
        !j.backfill.done) {
      co_return action_result{409, "switch_reads needs a finished backfill and a finished verification with no "
                                   "differences"};
    }
    j.at = phase::switch_reads;
    if (auto why = republish(); !why.empty()) {
      j.at = phase::verify;
      co_return action_result{500, why};
    }
    log_->info("migration {}: reads of {} switched to {}.{}", name, j.source_text(), j.target_schema, j.target_table);
    out.status = 200;
  } else if (action == "switch_writes") {
    if (j.at != phase::switch_reads) co_return action_result{409, "switch_writes follows switch_reads"};
    r.want_switch = true;
  } else if (action == "rollback") {
    if (j.at == phase::switch_reads) {
      j.at = phase::verify;
      if (auto why = republish(); !why.empty()) {
        j.at = phase::switch_reads;
        co_return action_result{500, why};
      }
      log_->info("migration {}: reads of {} back on the source", name, j.source_text());
      out.status = 200;
    } else if (j.at == phase::switch_writes) {
      r.want_rollback = true;
    } else {
      co_return action_result{409, "rollback returns from switch_reads or switch_writes"};
    }
  } else if (action == "cleanup") {
    if (j.at != phase::switch_writes) co_return action_result{409, "cleanup follows switch_writes"};
    std::string rename = args.value("rename_source_to", "");
    if (auto why = rename_refused(j, rename); !why.empty()) co_return action_result{400, why};
    r.rename_to = rename;
    r.want_cleanup = true;
    if (j.cleaning) j.cleaning_rename = rename;  // a rename that failed (its name was taken), asked again
  } else if (action == "throttle") {
    std::string error;
    auto rps = int_arg(args, "rows_per_second", 1, 100000000, error);
    auto batch = int_arg(args, "batch_rows", 1, 10000, error);
    auto lag = int_arg(args, "max_replica_lag_ms", -1, 86400000, error);
    auto load = int_arg(args, "max_threads_running", 0, 100000, error);
    auto ack = int_arg(args, "ack_wait_ms", 0, 60000, error);
    if (!error.empty()) co_return action_result{400, error};
    if (ack) {
      j.limits.ack_wait_ms = static_cast<std::uint32_t>(*ack);
      r.state->ack_wait_ms.store(j.limits.ack_wait_ms);
    }
    if (rps) j.limits.rows_per_second = static_cast<std::uint64_t>(*rps);
    if (batch) j.limits.batch_rows = static_cast<std::size_t>(*batch);
    if (lag) j.limits.max_replica_lag_ms = *lag;
    if (load) j.limits.max_threads_running = *load;
    out.status = 200;
  } else {
    co_return action_result{404, "no action " + action +
                                     " (double_write, backfill, pause, resume, verify, repair, switch_reads, "
                                     "switch_writes, rollback, cleanup, throttle)"};
  }
  if (auto why = save(); !why.empty()) co_return action_result{500, why};
  r.wake.cancel();
  co_return out;
}

}  // namespace shardwire::proxy::migration
