// The daemon: N worker threads, each with its own io_context, backend pool and
// sessions (share-nothing), one acceptor handing connections out round-robin, and
// signal handling for graceful shutdown.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/cluster/monitor.hpp"
#include "proxy/cluster/trigger_watch.hpp"
#include "proxy/migration/registry.hpp"
#include "proxy/server/worker.hpp"

namespace shardwire::proxy {

class server {
 public:
  explicit server(std::shared_ptr<const config> cfg);
  // Binds, serves until SIGTERM/SIGINT, drains, returns the process exit code.
  int run();

  // For services beside the SQL port (admin/): they run on the main event loop, are
  // started once the proxy listens and stopped when it begins to shut down.
  asio::any_io_executor main_executor() { return main_ioc_.get_executor(); }
  topology& topo() { return *topo_; }
  connection_limits& limits() { return limits_; }
  server_state& state() { return state_; }
  migration::registry& migrations() { return *migrations_; }
  std::size_t worker_count() const { return workers_.size(); }

  // Runs `f` on every worker's own thread in turn, resuming on the caller's executor:
  // how the admin plane reads what only a worker's thread touches (its sessions,
  // statement stats) without any lock on the data path.
  template <class F>
  asio::awaitable<void> on_workers(F f) {
    for (auto& w : workers_) {
      std::function<void(worker&)> fn(f);  // named: no temporaries inside co_await (GCC 12)
      co_await on_worker(*w, std::move(fn));
    }
  }

  // Operator changes (main loop; server_admin.cpp). reload() re-reads the config file,
  // validates it and swaps it in whole, or changes nothing.
  struct reload_result {
    std::string error;                 // empty: applied
    std::vector<std::string> changed;  // keys whose values changed
  };
  reload_result reload();
  // Writes the topology as it is now to the state file: "" or why it could not.
  std::string persist_topology();
  // Publishes the loaded config with the migrations' switched routes (proxy/migration):
  // "" or why the config cannot take them.
  std::string publish_routes();
  std::string state_file() const { return state_.cfg->admin.state_file; }
  // --log-level on the command line: a reload keeps it instead of the config's log.level.
  void pin_log_level() { log_level_pinned_ = true; }
  bool ready() const { return listening_ && monitor_->ran_once(); }
  void add_service(std::function<bool()> start, std::function<void()> stop) {
    services_.push_back({std::move(start), std::move(stop)});
  }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> handle_signals();
  asio::awaitable<void> handle_reload_signals();
  asio::awaitable<void> on_worker(worker& w, std::function<void(worker&)> f);
  bool load_saved_topology();
  std::map<std::string, endpoint> primaries() const;  // each group's primary now
  reload_result try_reload();
  void apply_runtime(const config& next);
  void probe_backend_version();
  void load_trigger_tables();  // blocking, before listening
  void start_session(tcp::socket sock, worker& w);
  void begin_shutdown();
  bool start_xa();  // server_xa.cpp
  asio::awaitable<void> xa_recovery_loop();
  void finish_shutdown();

  std::shared_ptr<spdlog::logger> log_;
  server_state state_;
  std::unique_ptr<topology> topo_;
  connection_limits limits_;
  asio::io_context main_ioc_{1};
  std::unique_ptr<monitor> monitor_;
  tcp::acceptor acceptor_{main_ioc_};
  asio::signal_set signals_{main_ioc_, SIGTERM, SIGINT};
  asio::signal_set hup_{main_ioc_, SIGHUP};
  asio::steady_timer xa_timer_{main_ioc_};
  // Its jobs hold connections and timers on main_ioc_: declared after it, destroyed before.
  std::unique_ptr<migration::registry> migrations_;
  std::shared_ptr<const config> loaded_;  // the config as read (without migration routes)
  std::map<std::string, std::string> fingerprints_;
  bool log_level_pinned_ = false;
  std::thread shadow_sync_;  // metadata shadows of tables a reload added (metadata_sync.hpp)  // per group: its config
                             // description now (state_file.hpp)
  std::vector<std::unique_ptr<worker>> workers_;
  // Runs on the first worker (its pool): declared after workers_, so destroyed before them.
  std::unique_ptr<trigger_watch> triggers_;
  std::vector<std::thread> threads_;
  std::size_t next_worker_ = 0;
  std::atomic<bool> listening_{false};
  std::vector<std::pair<std::function<bool()>, std::function<void()>>> services_;
};

}  // namespace shardwire::proxy
