// The daemon: N worker threads, each with its own io_context, backend pool and
// sessions (share-nothing), one acceptor handing connections out round-robin, and
// signal handling for graceful shutdown.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "proxy/monitor.hpp"
#include "proxy/worker.hpp"

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
  const connection_limits& limits() const { return limits_; }
  bool ready() const { return listening_ && monitor_->ran_once(); }
  void add_service(std::function<bool()> start, std::function<void()> stop) {
    services_.push_back({std::move(start), std::move(stop)});
  }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> handle_signals();
  void probe_backend_version();
  void start_session(tcp::socket sock, worker& w);
  void begin_shutdown();
  void finish_shutdown();

  std::shared_ptr<spdlog::logger> log_;
  server_state state_;
  std::unique_ptr<topology> topo_;  // before limits_: counted per server of it
  connection_limits limits_;
  asio::io_context main_ioc_{1};
  std::unique_ptr<monitor> monitor_;
  tcp::acceptor acceptor_{main_ioc_};
  asio::signal_set signals_{main_ioc_, SIGTERM, SIGINT};
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::thread> threads_;
  std::size_t next_worker_ = 0;
  std::atomic<bool> listening_{false};
  std::vector<std::pair<std::function<bool()>, std::function<void()>>> services_;
};

}  // namespace shardwire::proxy
