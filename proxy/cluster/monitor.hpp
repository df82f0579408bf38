// The backend monitor: on the proxy's main event loop, every monitor.interval_ms, each
// server of every group is checked over its own connection (outside the pools):
// reachability, @@read_only, GTID position, and for replicas SHOW SLAVE STATUS
// (Seconds_Behind_Master; a stopped SQL thread or NULL counts as unbounded lag) or the
// heartbeat table. Results land in the shared topology the sessions route by.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "proxy/net/backend_connection.hpp"

namespace shardwire::proxy {

class monitor {
 public:
  monitor(asio::any_io_executor ex, const config& cfg, topology& topo, std::shared_ptr<spdlog::logger> log);
  // Runs one round at once (so the first reads already know the replicas' lag), then
  // keeps checking until stop().
  void start();
  void stop();
  bool ran_once() const { return ran_once_.load(); }  // every server checked at least once
  // Config reload: from the next check on (call on the monitor's executor).
  void set_settings(const monitor_settings& s) { settings_ = s; }

 private:
  asio::awaitable<void> loop();
  asio::awaitable<void> round();
  asio::awaitable<void> check(backend_node& n, const std::string& primary_gtid);
  asio::awaitable<sql_result<void>> check_replica(backend_connection& c, backend_node& n,
                                                  const std::string& primary_gtid);
  void record(backend_node& n, bool ok, const std::string& error);
  backend_connection* connection(backend_node& n);

  asio::any_io_executor ex_;
  const config& cfg_;  // its data sources (fixed for the process)
  monitor_settings settings_;
  topology& topo_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<backend_node*, std::unique_ptr<backend_connection>> conns_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  std::atomic<bool> ran_once_{false};
};

}  // namespace shardwire::proxy
