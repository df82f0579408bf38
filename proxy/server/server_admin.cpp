// What operators change while the proxy runs (docs/admin.md): the config reload
// (admin API and SIGHUP), the state file that keeps API topology changes across
// restarts, and running code on every worker for the admin plane's reads.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "proxy/cluster/metadata_sync.hpp"
#include "proxy/server/server.hpp"
#include "proxy/cluster/state_file.hpp"
#include "proxy/migration/routing.hpp"

namespace shardwire::proxy {

// An exception in `f` is carried back and rethrown here, never out of the worker's run().
asio::awaitable<void> server::on_worker(worker& w, std::function<void(worker&)> f) {
  auto work = asio::make_work_guard(main_ioc_);
  std::exception_ptr failed;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&w, &f, &failed](auto handler) {
        asio::post(w.ioc, [&w, &f, &failed, h = std::move(handler)]() mutable {
          try {
            f(w);
          } catch (...) {
            failed = std::current_exception();
          }
          auto ex = asio::get_associated_executor(h);
          asio::post(ex, std::move(h));  // back on the caller's executor
        });
      },
      asio::use_awaitable);
  if (failed) std::rethrow_exception(failed);
}

namespace {

// The first setting that differs between the running and the new config and that only
// a restart can change, or "".
std::string restart_needed(const config& a, const config& b) {
  if (a.listen_host != b.listen_host || a.listen_port != b.listen_port) return "listen";
  if (a.workers != b.workers) return "workers";
  if (a.max_allowed_packet != b.max_allowed_packet) return "max_allowed_packet";
  if (a.server_version != b.server_version) return "server_version";
  if (a.admin.enabled != b.admin.enabled || a.admin.listen_host != b.admin.listen_host ||
      a.admin.listen_port != b.admin.listen_port || a.admin.token != b.admin.token ||
      a.admin.state_file != b.admin.state_file || a.admin.migrations_file != b.admin.migrations_file) {
    return "admin";
  }
  if (a.default_data_source != b.default_data_source) return "default_data_source";
  for (const auto& [name, ds] : a.data_sources) {
    auto it = b.data_sources.find(name);
    if (it == b.data_sources.end()) return "data_sources." + name + " (removed)";
    if (ds.user != it->second.user || ds.password != it->second.password)
      return "data_sources." + name + ".user/password";
    if (!(ds.pool == it->second.pool)) return "data_sources." + name + ".pool";
    if (!(ds.tls == it->second.tls)) return "data_sources." + name + ".tls";
  }
  for (const auto& [name, _] : b.data_sources) {
    if (!a.data_sources.count(name)) return "data_sources." + name + " (added)";
  }
  return "";
}

std::vector<std::string> changed_keys(const config& a, const config& b) {
  std::vector<std::string> out;
  auto note = [&](bool differs, std::string key) {
    if (differs) out.push_back(std::move(key));
  };
  note(a.users != b.users, "users");
  note(!(a.tls == b.tls) || a.rsa_private_key_file != b.rsa_private_key_file, "tls");
  note(a.schemas_json != b.schemas_json, "schemas");
  for (const auto& [name, ds] : b.data_sources) {
    const data_source& old = a.data_sources.at(name);
    note(fingerprint(old) != fingerprint(ds), "data_sources." + name + ".servers");
    note(!(old.reads == ds.reads), "data_sources." + name + ".reads");
  }
  note(!(a.monitor == b.monitor), "monitor");
  note(!(a.merge == b.merge), "merge");
  note(!(a.limits == b.limits), "limits");
  note(!(a.observe == b.observe), "digests/slow_log");
  note(a.log_level != b.log_level, "log.level");
  note(a.max_client_connections != b.max_client_connections, "max_client_connections");
  note(a.handshake_timeout != b.handshake_timeout, "handshake_timeout_ms");
  note(a.client_idle_timeout != b.client_idle_timeout, "client_idle_timeout_s");
  note(a.client_write_timeout != b.client_write_timeout, "client_write_timeout_s");
  note(a.max_statement_time != b.max_statement_time, "max_statement_time_ms");
  note(a.shutdown_timeout != b.shutdown_timeout, "shutdown_timeout_ms");
  return out;
}

}  // namespace

bool server::load_saved_topology() {
  const config& cfg = *state_.cfg;
  for (const auto& [name, ds] : cfg.data_sources) fingerprints_[name] = fingerprint(ds);
  const std::string& path = cfg.admin.state_file;
  if (path.empty()) return true;
  auto saved = read_state(path);
  if (!saved) {
    log_->critical("{} (fix or remove it to start from the config file's servers)", saved.error());
    return false;
  }
  for (const auto& [name, g] : *saved) {
    auto it = cfg.data_sources.find(name);
    if (it == cfg.data_sources.end()) {
      log_->warn("state file {}: group {} is not in the config; ignored", path, name);
      continue;
    }
    if (g.config_fingerprint != fingerprints_[name]) {
      // As for a reload: never send writes back to a primary the API moved away from.
      if (g.servers.primary.text() != it->second.primary.text()) {
        log_->critical(
            "state file {}: data_sources.{}.primary is {} in the config but {} was made the primary through the "
            "admin API, and the config's servers of {} changed since: write {} as its primary in the config (or "
            "remove the state file to start from the config)",
            path, name, it->second.primary.text(), g.servers.primary.text(), name, g.servers.primary.text());
        return false;
      }
      log_->warn("state file {}: the config's servers of {} changed since it was written; using the config's", path,
                 name);
      continue;
    }
    if (auto e = topo_->apply(it->second, g.servers); !e.empty()) {
      log_->critical("state file {}: {}", path, e);
      return false;
    }
    log_->info("state file {}: {} restored: primary {}, {} replicas", path, name, g.servers.primary.text(),
               g.servers.replicas.size());
  }
  return true;
}

std::map<std::string, endpoint> server::primaries() const {
  std::map<std::string, endpoint> out;
  for (const auto& [name, ds] : state_.cfg->data_sources) out.emplace(name, topo_->primary(ds).ep);
  return out;
}

std::string server::persist_topology() {
  const std::string& path = state_file();
  if (path.empty()) return "";
  saved_topology st;
  for (const auto& [name, ds] : state_.cfg->data_sources) st[name] = {fingerprints_[name], topo_->spec(ds)};
  return write_state(path, st);
}

// Applies what a reload may change beyond the config snapshot: the groups whose
// servers the config now describes differently, read settings, monitor, log level.
void server::apply_runtime(const config& next) {
  for (const auto& [name, nds] : next.data_sources) {
    const data_source& ds = state_.cfg->data_sources.at(name);  // the process's identity of the group
    std::string fp = fingerprint(nds);
    if (fp != fingerprints_[name]) {
      auto before = topo_->nodes(ds);
      if (auto e = topo_->apply(ds, config_spec(nds)); !e.empty()) log_->error("reload: {}: {}", name, e);
      for (backend_node* n : before) {
        if (n->closing()) limits_.close_idle(*n);
      }
      fingerprints_[name] = std::move(fp);
    }
    topo_->set_reads(ds, nds.reads);
  }
  monitor_->set_settings(next.monitor);
  triggers_->set_interval(next.monitor.trigger_refresh);
  if (!log_level_pinned_) spdlog::set_level(spdlog::level::from_str(next.log_level));
}

server::reload_result server::reload() {
  auto r = try_reload();
  ++(r.error.empty() ? state_.reloads_applied : state_.reloads_refused);
  return r;
}

server::reload_result server::try_reload() {
  const std::string& path = state_.cfg->source_path;
  auto next = load_config(path, state_.current().get());
  if (!next) return {next.error(), {}};
  if (auto key = restart_needed(*state_.cfg, *next); !key.empty()) {
    return {"config " + path + ": " + key + " changed, which needs a restart; the running config is unchanged", {}};
  }
  auto running = state_.current();
  // A file that still names the old primary of a group whose primary was moved through
  // the API would send writes back to it: refuse unless the file names the primary now.
  for (const auto& [name, nds] : next->data_sources) {
    const data_source& ds = state_.cfg->data_sources.at(name);
    const std::string now = topo_->primary(ds).address;
    const std::string before = running->data_sources.at(name).primary.text();
    if (fingerprint(nds) != fingerprints_[name] && now != before && nds.primary.text() != now) {
      return {"config " + path + ": data_sources." + name + ".primary is " + nds.primary.text() + " but " + now +
                  " is the primary now (moved through the admin API): write " + now +
                  " as the primary, or promote the other first; the running config is unchanged",
              {}};
    }
  }
  reload_result r;
  r.changed = changed_keys(*running, *next);
  // Reopened on every reload, changed or not: what log rotation needs.
  if (auto e = state_.slow.open(next->observe.slow_log_file); !e.empty()) {
    return {e + "; the running config is unchanged", {}};
  }
  auto rules = std::make_shared<router::sharding_rules>(*next->rules);
  router::carry_key_generators(*running->rules, *rules);
  next->rules = std::move(rules);
  apply_runtime(*next);
  auto loaded = std::make_shared<const config>(std::move(*next));
  std::string why;
  auto published = migration::with_routes(loaded, migrations_->routes(), why);
  if (!published) return {"config " + path + ": a switched migration needs " + why + "; the running config is unchanged", {}};
  loaded_ = loaded;
  state_.publish(published);
  // Plan templates were made under the old rules: each worker drops its own (on its thread).
  for (auto& w : workers_) {
    asio::post(w->ioc, [wp = w.get(), cap = published->limits.plan_cache_entries] {
      wp->plans.clear();
      wp->plans.set_capacity(cap);
    });
  }
  if (std::find(r.changed.begin(), r.changed.end(), "schemas") != r.changed.end()) {
    // Shadows of tables the new rules name (blocking libmariadb calls: off the main loop).
    if (shadow_sync_.joinable()) shadow_sync_.join();
    shadow_sync_ = std::thread(
        [published, primaries = primaries(), log = log_] { sync_metadata_shadows(*published, primaries, *log); });
  }
  if (auto e = persist_topology(); !e.empty()) log_->error("reload: state file not written: {}", e);
  std::string list;
  for (const auto& k : r.changed) list += (list.empty() ? "" : ", ") + k;
  log_->info("config {} reloaded: {}", path, list.empty() ? "nothing changed" : list);
  return r;
}

asio::awaitable<void> server::handle_reload_signals() {
  for (;;) {
    auto [ec, sig] = co_await hup_.async_wait(use_nothrow);
    if (ec) co_return;
    auto r = reload();
    if (!r.error.empty()) log_->error("SIGHUP: reload refused: {}", r.error);
  }
}

}  // namespace shardwire::proxy

namespace shardwire::proxy {

std::string server::publish_routes() {
  std::string why;
  auto next = migration::with_routes(loaded_, migrations_->routes(), why);
  if (!next) return why;
  state_.publish(next);
  // Plans were made under the rules before (as after a reload).
  for (auto& w : workers_) {
    asio::post(w->ioc, [wp = w.get()] { wp->plans.clear(); });
  }
  return "";
}

}  // namespace shardwire::proxy
