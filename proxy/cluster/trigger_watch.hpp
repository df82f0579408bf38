// Keeps trigger_tables current: every monitor.trigger_refresh_ms it asks each group's
// primary which tables have triggers, as the data source's own account (the account
// sessions run as, so it sees every trigger a client could have made). The periodic
// refreshes borrow an idle connection from a worker's pool (and run on that worker), so
// they stay within pool.max_connections; the one before the proxy listens uses a short
// connection of its own. Each step is bounded by the pool's connect timeout.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "proxy/cluster/topology.hpp"
#include "proxy/cluster/trigger_tables.hpp"
#include "proxy/net/backend_pool.hpp"

namespace shardwire::proxy {

class trigger_watch {
 public:
  // `pool`: the worker pool the periodic refreshes borrow from; they run on its executor.
  trigger_watch(backend_pool& pool, asio::any_io_executor pool_ex, const config& cfg, topology& topo,
                trigger_tables& tables, std::shared_ptr<spdlog::logger> log);
  // One refresh over connections of its own on `ex`, run to completion by the caller
  // (before the proxy listens).
  asio::awaitable<void> refresh_direct(asio::any_io_executor ex);
  void start();  // refreshes every interval until stop() (thread-safe)
  void stop();
  void set_interval(std::chrono::milliseconds every) { interval_ms_ = every.count(); }

 private:
  asio::awaitable<void> loop();
  asio::awaitable<void> refresh(asio::any_io_executor ex, bool pooled);
  // Asks `c` (a connection to `ds`'s primary); false when it could not.
  asio::awaitable<bool> ask(backend_connection& c, const data_source& ds, trigger_tables::names& found,
                            std::string& failure);
  void publish(trigger_tables::names found, std::uint64_t mark, bool complete, const std::string& failure);

  backend_pool& pool_;
  asio::any_io_executor ex_;
  const config& cfg_;
  topology& topo_;
  trigger_tables& tables_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<std::int64_t> interval_ms_;
  asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
  bool warned_ = false;  // one warning per outage, not one per refresh
};

}  // namespace shardwire::proxy
