// Per-worker pool of backend connections. Each worker thread owns its pool, so
// leasing never takes a lock or hops threads; a shared atomic counter per data
// source enforces pool.max_connections across all workers together.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include <spdlog/logger.h>

#include "proxy/backend_connection.hpp"

namespace shardwire::proxy {

// Shared by every worker: how many connections to each data source are open.
class connection_limits {
 public:
  explicit connection_limits(const config& cfg);
  bool try_reserve(const data_source& ds);
  void release(const data_source& ds);
  int open(const data_source& ds) const;

 private:
  std::map<const data_source*, std::unique_ptr<std::atomic<int>>> open_;
};

struct pool_stats {
  std::size_t idle = 0;
  std::uint64_t opened = 0, reused = 0, discarded = 0;
};

class backend_pool {
 public:
  backend_pool(asio::any_io_executor ex, connection_limits& limits, std::shared_ptr<spdlog::logger> log);

  // An idle connection for `key` (one already in `schema` preferred, then any that
  // can switch to it) or a new one. Waits up to the connect timeout when the data
  // source is at max_connections.
  asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> acquire(const connection_key& key,
                                                                           std::string_view schema);

  // Takes a connection back after its session: session state is reset on the
  // backend first; connections in an unknown protocol state are closed instead.
  void release(std::unique_ptr<backend_connection> conn);

  // Closes connections idle longer than their pool's idle timeout. Runs on a timer.
  void start_sweeper();
  void close_all();
  pool_stats stats() const { return stats_; }

 private:
  std::unique_ptr<backend_connection> take_idle(const connection_key& key, std::string_view schema);
  void discard(std::unique_ptr<backend_connection> conn);
  asio::awaitable<void> reset_and_park(std::unique_ptr<backend_connection> conn);
  asio::awaitable<void> sweep_loop();

  asio::any_io_executor ex_;
  connection_limits& limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<backend_connection>> idle_;
  pool_stats stats_;
  bool closing_ = false;
};

}  // namespace shardwire::proxy
