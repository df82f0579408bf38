// Keeps trigger_tables current: every monitor.trigger_refresh_ms it asks each group's
// primary, as the data source's own account (the account sessions run as, so it sees
// every trigger a client could have made), which tables have triggers. One short
// connection per primary and refresh, each step bounded by the pool's connect timeout.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "proxy/cluster/topology.hpp"
#include "proxy/net/backend_connection.hpp"
#include "proxy/cluster/trigger_tables.hpp"

namespace shardwire::proxy {

class trigger_watch {
 public:
  trigger_watch(asio::any_io_executor ex, const config& cfg, topology& topo, trigger_tables& tables,
                std::shared_ptr<spdlog::logger> log);
  // One refresh on `ex` (the caller runs it to completion: before the proxy listens).
  asio::awaitable<void> refresh(asio::any_io_executor ex);
  void start();  // refreshes every interval until stop()
  void stop();
  void set_interval(std::chrono::milliseconds every) { interval_ = every; }

 private:
  asio::awaitable<void> loop();

  asio::any_io_executor ex_;
  const config& cfg_;
  topology& topo_;
  trigger_tables& tables_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  bool warned_ = false;  // one warning per outage, not one per refresh
};

}  // namespace shardwire::proxy
