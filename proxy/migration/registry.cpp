#include "proxy/migration/registry.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <fstream>
#include <set>
#include <random>
#include <sstream>

#include "proxy/cluster/state_file.hpp"
#include "proxy/migration/copier.hpp"
#include "router/formatter.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::proxy::migration {

namespace sql = router::migration_sql;
using clock = std::chrono::steady_clock;
using nlohmann::json;

// One job's driver: its copier (and so its connections), what the API asked of it, and
// its pacing. Everything a job does on a server happens in drive(): the API only sets
// requests here and wakes it, so two coroutines never share a connection.
struct registry::runner {
  std::shared_ptr<route_state> state = std::make_shared<route_state>();
  std::unique_ptr<copier> cp;
  asio::steady_timer wake;
  bool want_triggers = false, want_repair = false, want_switch = false, want_rollback = false, want_cleanup = false;
  std::string rename_to;
  clock::time_point next_copy{}, last_batch{}, saved{};
  bool dirty = false;
  explicit runner(asio::any_io_executor ex) : wake(std::move(ex)) {}
};

struct registry::archive_runner {
  std::unique_ptr<archiver> ar;
  asio::steady_timer wake;
  bool prepared = false;
  clock::time_point next{}, last{}, saved{};
  explicit archive_runner(asio::any_io_executor ex) : wake(std::move(ex)) {}
};

registry::registry(const config& cfg, topology& topo, connection_limits& limits, std::shared_ptr<spdlog::logger> log)
    : cfg_(cfg), topo_(topo), limits_(limits), log_(std::move(log)), path_(cfg.admin.migrations_file) {}

registry::~registry() = default;

const job* registry::find(const std::string& name) const {
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : it->second.get();
}

std::string registry::load() {
  if (path_.empty()) return "";
  std::ifstream in(path_);
  if (!in) return "";  // no file yet: no jobs
  std::stringstream text;
  text << in.rdbuf();
  try {
    json doc = json::parse(text.str());
    for (const auto& v : doc.at("jobs")) {
      auto j = std::make_unique<job>(job_from_json(v));
      if (auto why = copier::check_target(*j, cfg_); !why.empty()) return "migration " + j->name + ": " + why;
      if (!cfg_.data_sources.count(j->source.data_source)) {
        return "migration " + j->name + ": data source " + j->source.data_source + " is not configured";
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
  return "";
}

void registry::start(asio::any_io_executor ex) {
  ex_ = std::move(ex);
  for (auto& [name, j] : jobs_) {
    auto r = std::make_unique<runner>(ex_);
    r->cp = std::make_unique<copier>(*j, cfg_, topo_, limits_, *r->state);
    // Triggers must still be there (reinstalled if not); a switch of writes that a
    // crash interrupted before it took effect is simply not done (the job is in
    // switch_reads: writes still go to the source).
    r->want_triggers = j->at != phase::created && j->at != phase::cleaned_up;
    runners_[name] = std::move(r);
    log_->info("migration {} resumed in phase {}", name, phase_name(j->at));
    asio::co_spawn(ex_, drive(name), asio::detached);
  }
  for (auto& [name, a] : archives_) {
    auto r = std::make_unique<archive_runner>(ex_);
    r->ar = std::make_unique<archiver>(*a, cfg_, topo_, limits_);
    archive_runners_[name] = std::move(r);
    if (a->running) log_->info("archive {} resumed at {} of {} tables", name, a->node, a->nodes.size());
    asio::co_spawn(ex_, drive_archive(name), asio::detached);
  }
}

std::vector<route> registry::routes() const {
  std::vector<route> out;
  for (const auto& [name, j] : jobs_) {
    if (j->at < phase::switch_reads) continue;
    out.push_back({j->source.database, j->source.table, j->source.data_source, j->target_schema, j->target_table,
                   j->at >= phase::switch_writes, runners_.at(name)->state});
  }
  return out;
}

std::string registry::republish() {
  if (!publish_) return "";
  auto why = publish_();
  if (!why.empty()) log_->error("migration routes not published: {}", why);
  return why;
}

void registry::stop() {
  stopping_ = true;
  for (auto& [_, r] : runners_) r->wake.cancel();
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

namespace {
std::string random_token();
bool valid_table_name(const std::string& s);
}  // namespace

asio::awaitable<action_result> registry::create(job spec) {
  if (path_.empty()) co_return action_result{409, "admin.migrations_file is not set (the config was not read from a file)"};
  if (!sql::valid_job_name(spec.name)) co_return action_result{400, "name: 1 to 32 of a-z, 0-9 and _"};
  if (jobs_.count(spec.name)) co_return action_result{409, "migration " + spec.name + " exists"};
  if (!cfg_.data_sources.count(spec.source.data_source)) {
    co_return action_result{400, "source.data_source: no data source " + spec.source.data_source};
  }
  const auto* schema = cfg_.rules ? cfg_.rules->find_schema(spec.target_schema) : nullptr;
  const auto* rule = schema ? schema->find_table(spec.target_table) : nullptr;
  if (!rule || rule->kind() != router::table_kind::sharded) {
    co_return action_result{400, "target: " + spec.target_schema + "." + spec.target_table +
                                     " is not a sharded logical table"};
  }
  spec.route_columns = rule->sharding_columns();
  if (auto why = co_await describe_source(spec); !why.empty()) co_return action_result{400, why};
  if (auto why = copier::check_target(spec, cfg_); !why.empty()) co_return action_result{400, why};
  // Every source column must exist on the target (by name; its type should match for
  // the checksums to agree).
  link t(limits_, topo_, cfg_.data_sources.at(rule->node(0).data_source));
  auto tcols = co_await t.rows(router::move_sql::columns_query(rule->node(0)));
  if (!tcols) co_return action_result{502, "target: " + tcols.error().message};
  for (const auto& c : spec.columns) {
    bool found = false;
    for (const auto& r : tcols->rows) found = found || (!r.empty() && r[0] && router::same_column(*r[0], c.name));
    if (!found) co_return action_result{400, "column " + c.name + " of the source is not on the target " + rule->node(0).text()};
  }
  spec.created_at = now_iso();
  spec.apply_token = random_token();
  std::string name = spec.name;
  jobs_[name] = std::make_unique<job>(std::move(spec));
  auto r = std::make_unique<runner>(ex_);
  r->cp = std::make_unique<copier>(*jobs_[name], cfg_, topo_, limits_, *r->state);
  runners_[name] = std::move(r);
  if (auto why = save(); !why.empty()) {
    runners_.erase(name);
    jobs_.erase(name);
    co_return action_result{500, why};
  }
  log_->info("migration {} created: {} -> {}.{}", name, jobs_[name]->source.text(), jobs_[name]->target_schema,
             jobs_[name]->target_table);
  asio::co_spawn(ex_, drive(name), asio::detached);
  co_return action_result{201, ""};
}

namespace {

std::string random_token() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string t;
  for (int i = 0; i < 24; ++i) t += "0123456789abcdef"[hex(rd)];
  return t;
}

bool valid_table_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::optional<std::int64_t> int_arg(const json& args, const char* key, std::int64_t lo, std::int64_t hi,
                                    std::string& error) {
  if (!args.contains(key)) return std::nullopt;
  const auto& v = args[key];
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi) {
    error = std::string(key) + ": an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}

}  // namespace

asio::awaitable<action_result> registry::act(const std::string& name, const std::string& action, const json& args) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) co_return action_result{404, "no migration " + name};
  job& j = *it->second;
  runner& r = *runners_.at(name);
  action_result out{202, ""};
  if (action == "double_write") {
    if (j.at != phase::created) co_return action_result{409, "double-write is on already"};
    r.want_triggers = true;
  } else if (action == "backfill") {
    if (j.at == phase::created) co_return action_result{409, "start double_write first"};
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
    if (j.verify.differences.empty()) co_return action_result{409, "no differences to repair"};
    r.want_repair = true;
  } else if (action == "switch_reads") {
    if (j.at != phase::verify || !j.verify.done || !j.verify.differences.empty() || !j.backfill.done) {
      co_return action_result{409, "switch_reads needs a finished backfill and a finished verification with no "
                                   "differences"};
    }
    j.at = phase::switch_reads;
    if (auto why = republish(); !why.empty()) {
      j.at = phase::verify;
      co_return action_result{500, why};
    }
    log_->info("migration {}: reads of {} switched to {}.{}", name, j.source.text(), j.target_schema, j.target_table);
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
      log_->info("migration {}: reads of {} back on the source", name, j.source.text());
      out.status = 200;
    } else if (j.at == phase::switch_writes) {
      r.want_rollback = true;
    } else {
      co_return action_result{409, "rollback returns from switch_reads or switch_writes"};
    }
  } else if (action == "cleanup") {
    if (j.at != phase::switch_writes) co_return action_result{409, "cleanup follows switch_writes"};
    std::string rename = args.value("rename_source_to", "");
    if (!rename.empty() && (!valid_table_name(rename) || rename == j.source.table)) {
      co_return action_result{400, "rename_source_to: a table name of letters, digits and _ (not the source's)"};
    }
    r.rename_to = rename;
    r.want_cleanup = true;
  } else if (action == "throttle") {
    std::string error;
    auto rps = int_arg(args, "rows_per_second", 1, 100000000, error);
    auto batch = int_arg(args, "batch_rows", 1, 10000, error);
    auto lag = int_arg(args, "max_replica_lag_ms", -1, 86400000, error);
    auto load = int_arg(args, "max_threads_running", 0, 100000, error);
    if (!error.empty()) co_return action_result{400, error};
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

asio::awaitable<void> registry::drive(std::string name) {
  job& j = *jobs_.at(name);
  runner& r = *runners_.at(name);
  copier& cp = *r.cp;
  auto fail = [&](const char* what, const protocol::sql_error& e) {
    j.error = now_iso() + " " + what + ": " + e.message;
    log_->warn("migration {}: {}: {}", name, what, e.message);
  };
  while (!stopping_) {
    bool busy = false, failed = false;
    if (j.at != phase::cleaned_up) {
      auto claimed = co_await cp.claim();
      if (!claimed) {
        fail("connecting to the source", claimed.error());
        r.wake.expires_after(std::chrono::seconds(1));
        co_await r.wake.async_wait(use_nothrow);
        continue;
      }
    }
    if (r.want_triggers) {
      auto ok = co_await cp.install_triggers();
      if (ok && j.at == phase::switch_writes) ok = co_await cp.install_reverse_triggers();
      if (ok) {
        r.want_triggers = false;
        if (j.at == phase::created) {
          j.at = phase::double_write;
          log_->info("migration {}: double-write on (triggers on {})", name, j.source.text());
          save();
        }
      } else {
        fail("installing the triggers", ok.error());
        failed = true;
      }
    }
    if (r.want_switch) co_await switch_writes(j, r);
    if (r.want_rollback) co_await roll_back_writes(j, r);
    if (r.want_cleanup) co_await clean_up(j, r);
    if (j.at == phase::switch_writes) {
      auto n = co_await cp.apply_reverse();
      if (!n) {
        ++j.reverse.failures;
        j.reverse.last_error = n.error().message;
        fail("applying the target's changes to the source", n.error());
        failed = true;
      } else if (*n > 0) {
        busy = true;
        r.dirty = true;
      }
    } else if (j.at != phase::created && j.at != phase::cleaned_up && !r.want_triggers) {
      auto n = co_await cp.apply_changes();
      if (!n) {
        ++j.double_write.failures;
        j.double_write.last_error = n.error().message;
        fail("applying changes", n.error());
        failed = true;
      } else if (*n > 0) {
        busy = true;
        r.dirty = true;
      }
    }
    auto now = clock::now();
    if (!failed && j.backfill.running && !j.backfill.paused && now >= r.next_copy) {
      if (j.backfill.rows_total == 0) {
        auto est = co_await cp.row_estimate();
        if (est) j.backfill.rows_total = *est;
      }
      j.backfill.waiting = co_await cp.wait_reason();
      if (!j.backfill.waiting.empty()) {
        r.next_copy = now + std::chrono::milliseconds(200);
      } else {
        auto n = co_await cp.copy_batch();
        if (!n) {
          fail("copying", n.error());
          failed = true;
        } else {
          auto t = clock::now();
          if (r.last_batch != clock::time_point{}) {
            double dt = std::chrono::duration<double>(t - r.last_batch).count();
            if (dt > 0) j.backfill.rate = j.backfill.rate * 0.8 + 0.2 * (static_cast<double>(*n) / dt);
          }
          r.last_batch = t;
          // Paced from the batch's start: rows_per_second over the whole copy.
          r.next_copy = now + std::chrono::microseconds(*n * 1000000 / std::max<std::uint64_t>(1, j.limits.rows_per_second));
          r.dirty = busy = true;
          if (*n < j.limits.batch_rows) {
            j.backfill.running = false;
            j.backfill.done = true;
            j.backfill.finished_at = now_iso();
            log_->info("migration {}: backfill done, {} rows copied", name, j.backfill.rows_copied);
            save();
          }
        }
      }
    }
    if (!failed && j.verify.running) {
      auto last = co_await cp.check_chunk();
      if (!last) {
        fail("verifying", last.error());
        failed = true;
      } else {
        r.dirty = busy = true;
        if (*last) {
          j.verify.running = false;
          j.verify.done = true;
          j.verify.finished_at = now_iso();
          log_->info("migration {}: verified {} rows in {} chunks, {} differences", name, j.verify.rows_checked,
                     j.verify.chunks_checked, j.verify.differences.size());
          save();
        }
      }
    }
    if (!failed && r.want_repair && !j.verify.running) {
      r.want_repair = false;
      std::vector<key_range> left;
      auto diffs = j.verify.differences;  // (named: GCC 12 range-for)
      for (const auto& d : diffs) {
        auto fixed = co_await cp.repair(d);
        if (fixed && *fixed) {
          ++j.verify.repaired;
        } else {
          if (!fixed) fail("repairing", fixed.error());
          left.push_back(d);
        }
      }
      j.verify.differences = std::move(left);
      log_->info("migration {}: repair done, {} ranges still differ", name, j.verify.differences.size());
      save();
    }
    if (r.dirty && clock::now() - r.saved >= std::chrono::seconds(1)) {
      save();
      r.dirty = false;
      r.saved = clock::now();
    }
    if (stopping_) break;
    if (failed || !busy) {
      auto pause = std::chrono::milliseconds(failed ? 500 : 20);
      if (j.backfill.running && !j.backfill.paused && !failed) {
        auto until = r.next_copy - clock::now();
        if (until < pause) pause = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(until, clock::duration{}));
      }
      r.wake.expires_after(pause);
      co_await r.wake.async_wait(use_nothrow);
    }
  }
}

// Raises the fence and waits until no session holds the source's name (a statement, or
// a transaction that used it): from then until the fence drops, nothing reaches either
// side through the proxy.
asio::awaitable<bool> registry::fence_and_wait(job& j, runner& r) {
  r.state->fence.store(true);
  const auto deadline = clock::now() + std::chrono::seconds(10);
  auto ex = co_await asio::this_coro::executor;
  while (r.state->holders.load() > 0) {
    if (clock::now() >= deadline) {
      r.state->fence.store(false);
      j.error = now_iso() + " " + std::to_string(r.state->holders.load()) +
                " sessions kept statements or transactions on the source's name for 10 s: not switched";
      log_->warn("migration {}: {}", j.name, j.error);
      co_return false;
    }
    asio::steady_timer pause(ex, std::chrono::milliseconds(2));
    co_await pause.async_wait(use_nothrow);
  }
  co_return true;
}

// switch_reads -> switch_writes: the target's triggers first (its changes are logged from
// the moment sessions may write there), then, fenced, every source change applied, and
// the routes published with writes on the target.
asio::awaitable<void> registry::switch_writes(job& j, runner& r) {
  r.want_switch = false;
  auto reverse = co_await r.cp->install_reverse_triggers();
  if (!reverse) {
    j.error = now_iso() + " switch_writes: installing the target's triggers: " + reverse.error().message;
    co_return;
  }
  if (!co_await fence_and_wait(j, r)) co_return;
  auto drained = co_await r.cp->drain_forward(std::chrono::seconds(30));
  if (!drained || !*drained) {
    r.state->fence.store(false);
    j.error = now_iso() + " switch_writes: the source's change log did not drain";
    if (drained) {
      j.error += " within 30 s";
    } else {
      j.error += ": " + drained.error().message;
    }
    co_return;
  }
  j.at = phase::switch_writes;
  if (auto why = republish(); !why.empty()) {
    j.at = phase::switch_reads;
    j.error = now_iso() + " switch_writes: " + why;
  } else {
    save();
    log_->info("migration {}: writes of {} switched to {}.{}; the source follows as the way back", j.name,
               j.source.text(), j.target_schema, j.target_table);
  }
  r.state->fence.store(false);
}

// switch_writes -> verify: fenced, every target change applied to the source, then the
// routes published without this job (reads and writes on the source again).
asio::awaitable<void> registry::roll_back_writes(job& j, runner& r) {
  r.want_rollback = false;
  if (!co_await fence_and_wait(j, r)) co_return;
  auto drained = co_await r.cp->drain_reverse(std::chrono::seconds(30));
  if (!drained || !*drained) {
    r.state->fence.store(false);
    j.error = now_iso() + " rollback: the target's change logs did not drain";
    if (drained) {
      j.error += " within 30 s";
    } else {
      j.error += ": " + drained.error().message;
    }
    co_return;
  }
  j.at = phase::verify;
  j.verify.done = false;  // the way forward again starts with a verification
  if (auto why = republish(); !why.empty()) {
    j.at = phase::switch_writes;
    j.error = now_iso() + " rollback: " + why;
    r.state->fence.store(false);
    co_return;
  }
  save();
  r.state->fence.store(false);
  log_->info("migration {}: rolled back: {} authoritative again", j.name, j.source.text());
  auto dropped = co_await r.cp->drop_reverse_triggers();
  if (!dropped) j.error = now_iso() + " rollback: dropping the target's triggers: " + dropped.error().message;
}

// switch_writes -> cleaned_up: the target's triggers dropped, then what they logged
// applied (the source stays a complete copy as of now), the source's triggers dropped,
// the source renamed if asked. Its name stays routed to the target.
asio::awaitable<void> registry::clean_up(job& j, runner& r) {
  r.want_cleanup = false;
  auto step = [&](const char* what, const protocol::sql_error& e) {
    j.error = now_iso() + " cleanup: " + what + ": " + e.message;
    log_->warn("migration {}: {}", j.name, j.error);
  };
  auto dropped = co_await r.cp->drop_reverse_triggers();
  if (!dropped) {
    step("dropping the target's triggers", dropped.error());
    co_return;
  }
  auto drained = co_await r.cp->drain_reverse(std::chrono::seconds(60));
  if (!drained) {
    step("applying the target's last changes", drained.error());
    co_return;
  }
  auto source = co_await r.cp->drop_triggers();
  if (!source) {
    step("dropping the source's triggers", source.error());
    co_return;
  }
  if (!r.rename_to.empty()) {
    auto renamed = co_await r.cp->rename_source(r.rename_to);
    if (!renamed) {
      step("renaming the source", renamed.error());
      co_return;
    }
    j.source_renamed_to = r.rename_to;
  }
  j.at = phase::cleaned_up;
  save();
  log_->info("migration {}: cleaned up (source {} kept{}{})", j.name, j.source.text(),
             r.rename_to.empty() ? "" : " as ", r.rename_to);
}

asio::awaitable<action_result> registry::create_archive(const json& body) {
  if (path_.empty()) co_return action_result{409, "admin.migrations_file is not set (the config was not read from a file)"};
  auto a = std::make_unique<archive_job>();
  a->name = body.value("name", "");
  if (!sql::valid_job_name(a->name)) co_return action_result{400, "name: 1 to 32 of a-z, 0-9 and _"};
  if (archives_.count(a->name)) co_return action_result{409, "archive " + a->name + " exists"};
  auto items = body.items();  // (named: no temporaries in a coroutine's range-for, GCC 12)
  for (const auto& [k, _] : items) {
    if (k != "name" && k != "source" && k != "archive" && k != "condition" && k != "throttle") {
      co_return action_result{400, "unknown key " + k};
    }
  }
  const json src = body.value("source", json::object()), arc = body.value("archive", json::object());
  auto text = [](const json& o, const char* k) { return o.is_object() && o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : ""; };
  if (!text(src, "schema").empty()) {  // a logical table: every physical table of it
    const auto* schema = cfg_.rules ? cfg_.rules->find_schema(text(src, "schema")) : nullptr;
    const auto* rule = schema ? schema->find_table(text(src, "table")) : nullptr;
    if (!rule || rule->kind() != router::table_kind::sharded) {
      co_return action_result{400, "source: " + text(src, "schema") + "." + text(src, "table") + " is not a sharded logical table"};
    }
    a->nodes = rule->nodes();
    a->source_label = text(src, "schema") + "." + text(src, "table");
  } else if (!text(src, "data_source").empty() && !text(src, "database").empty() && !text(src, "table").empty()) {
    a->nodes = {{text(src, "data_source"), text(src, "database"), text(src, "table")}};
    a->source_label = a->nodes[0].data_source + ":" + a->nodes[0].text();
  } else {
    co_return action_result{400, "source: {\"schema\", \"table\"} or {\"data_source\", \"database\", \"table\"}"};
  }
  a->archive = {text(arc, "data_source"), text(arc, "database"), text(arc, "table")};
  if (a->archive.database.empty() || a->archive.table.empty()) {
    co_return action_result{400, "archive: {\"data_source\", \"database\", \"table\"} required"};
  }
  const std::array<const router::data_node*, 2> named{&a->nodes.front(), &a->archive};  // (GCC 12, as above)
  for (const auto* n : named) {
    if (!cfg_.data_sources.count(n->data_source)) co_return action_result{400, "no data source " + n->data_source};
  }
  for (const auto& n : a->nodes) {
    if (n.data_source == a->archive.data_source && n.database == a->archive.database && n.table == a->archive.table) {
      co_return action_result{400, "archive: that is a hot table"};
    }
  }
  std::string why;
  if (!body.contains("condition") || !body["condition"].is_string()) co_return action_result{400, "condition: required"};
  auto cond = parse_condition(body["condition"].get<std::string>(), why);
  if (!cond) co_return action_result{400, "condition: " + why};
  a->condition = *cond;
  if (auto bad = co_await describe(a->nodes.front(), a->columns, a->key); !bad.empty()) {
    co_return action_result{400, "source: " + bad};
  }
  const json t = body.value("throttle", json::object());
  auto rps = int_arg(t, "rows_per_second", 1, 100000000, why);
  auto batch = int_arg(t, "batch_rows", 1, 10000, why);
  if (!why.empty()) co_return action_result{400, "throttle: " + why};
  if (rps) a->rows_per_second = static_cast<std::uint64_t>(*rps);
  if (batch) a->batch_rows = static_cast<std::size_t>(*batch);
  a->created_at = now_iso();
  std::string name = a->name;
  archives_[name] = std::move(a);
  auto r = std::make_unique<archive_runner>(ex_);
  r->ar = std::make_unique<archiver>(*archives_[name], cfg_, topo_, limits_);
  archive_runners_[name] = std::move(r);
  if (auto bad = save(); !bad.empty()) {
    archive_runners_.erase(name);
    archives_.erase(name);
    co_return action_result{500, bad};
  }
  log_->info("archive {} created: {} where {} -> {}:{}", name, archives_[name]->source_label, archives_[name]->condition,
             archives_[name]->archive.data_source, archives_[name]->archive.text());
  asio::co_spawn(ex_, drive_archive(name), asio::detached);
  co_return action_result{201, ""};
}

action_result registry::act_archive(const std::string& name, const std::string& action, const json& args) {
  auto it = archives_.find(name);
  if (it == archives_.end()) return {404, "no archive " + name};
  archive_job& a = *it->second;
  if (action == "pause" || action == "resume") {
    if (!a.running) return {409, "the archive is done"};
    a.paused = action == "pause";
  } else if (action == "throttle") {
    std::string error;
    auto rps = int_arg(args, "rows_per_second", 1, 100000000, error);
    auto batch = int_arg(args, "batch_rows", 1, 10000, error);
    if (!error.empty()) return {400, error};
    if (rps) a.rows_per_second = static_cast<std::uint64_t>(*rps);
    if (batch) a.batch_rows = static_cast<std::size_t>(*batch);
  } else {
    return {404, "no action " + action + " (pause, resume, throttle)"};
  }
  if (auto why = save(); !why.empty()) return {500, why};
  archive_runners_.at(name)->wake.cancel();
  return {200, ""};
}

asio::awaitable<void> registry::drive_archive(std::string name) {
  archive_job& a = *archives_.at(name);
  archive_runner& r = *archive_runners_.at(name);
  while (!stopping_ && a.running) {
    auto pause = std::chrono::milliseconds(0);
    if (!r.prepared) {
      auto ok = co_await r.ar->prepare();
      if (ok) {
        r.prepared = true;
      } else {
        a.error = now_iso() + " preparing the archive table: " + ok.error().message;
        pause = std::chrono::milliseconds(1000);
      }
    } else if (a.paused) {
      pause = std::chrono::milliseconds(200);
    } else if (clock::now() < r.next) {
      pause = std::chrono::duration_cast<std::chrono::milliseconds>(r.next - clock::now());
    } else {
      const auto started = clock::now();
      auto n = co_await r.ar->batch();
      if (!n) {
        a.error = now_iso() + " " + n.error().message;
        log_->warn("archive {}: {}", name, n.error().message);
        pause = std::chrono::milliseconds(500);
      } else {
        if (r.last != clock::time_point{} && *n > 0) {
          double dt = std::chrono::duration<double>(clock::now() - r.last).count();
          if (dt > 0) a.rate = a.rate * 0.8 + 0.2 * (static_cast<double>(*n) / dt);
        }
        r.last = clock::now();
        r.next = started + std::chrono::microseconds(*n * 1000000 / std::max<std::uint64_t>(1, a.rows_per_second));
        // After every batch: the count stays exact across a crash (the cursor would not
        // need it: rows archived are gone from the hot table).
        if (*n > 0) {
          save();
          r.saved = clock::now();
        }
        if (a.done) {
          a.finished_at = now_iso();
          log_->info("archive {}: done, {} rows archived to {}", name, a.rows_archived, a.archive.text());
          save();
          break;
        }
      }
    }
    if (clock::now() - r.saved >= std::chrono::seconds(1)) {
      save();
      r.saved = clock::now();
    }
    if (pause.count() > 0) {
      r.wake.expires_after(pause);
      co_await r.wake.async_wait(use_nothrow);
    }
  }
}

}  // namespace shardwire::proxy::migration
