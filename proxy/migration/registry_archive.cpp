// Archival jobs: created and steered through /v1/archive, each driven by its coroutine.
#include <array>

#include <spdlog/spdlog.h>

#include "proxy/migration/registry_parts.hpp"

namespace shardwire::proxy::migration {

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
    const auto* rule = sharded_rule(cfg_.rules.get(), text(src, "schema"), text(src, "table"));
    if (!rule) {
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
  auto cond = sql::archive_condition(body["condition"].get<std::string>(), why);
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
  if (archives_.count(name)) co_return action_result{409, "archive " + name + " exists"};  // made meanwhile
  archives_[name] = std::move(a);
  add_archive_runner(*archives_[name]);
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
          r.ar->release();  // a finished job holds no connection
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
