// Per-worker pool of backend connections. Each worker thread owns its pool, so
// leasing never takes a lock or hops threads; a shared atomic counter per data
// source enforces pool.max_connections across all workers together.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "proxy/net/backend_connection.hpp"

namespace shardwire::proxy {

class backend_pool;

// Shared by every worker: how many connections to each data source are open, and who
// waits for one. Idle connections live on the worker that opened them, so a worker at
// the limit asks the others to close an idle one (evict_elsewhere), and while anyone
// waits, connections coming back are closed instead of parked.
// Counted per server (backend_node): pool.max_connections applies to each.
class connection_limits {
 public:
  bool try_reserve(const backend_node& n);
  void release(const backend_node& n);
  int open(const backend_node& n) const;

  void add_pool(backend_pool* pool) { pools_.push_back(pool); }  // before workers start
  void evict_elsewhere(const backend_node& n, const backend_pool* self);
  int waiting(const backend_node& n) const { return n.pool_waiting.load(std::memory_order_relaxed); }
  // Closes every idle connection to `n` in every pool (offline_hard, removed).
  void close_idle(const backend_node& n);

  // Counts a session waiting for a connection to `n` while it lives.
  class wait_scope {
   public:
    wait_scope(connection_limits&, const backend_node& n) : n_(n.pool_waiting) { ++n_; }
    ~wait_scope() { --n_; }
    wait_scope(const wait_scope&) = delete;
    wait_scope& operator=(const wait_scope&) = delete;

   private:
    std::atomic<int>& n_;
  };

 private:
  std::vector<backend_pool*> pools_;
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
  // source is at max_connections (with wait = false: fails at once instead).
  // Among idle ones, a connection already holding the session variables `signature`
  // names is preferred (nothing to replay).
  asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> acquire(const connection_key& key,
                                                                           std::string_view schema, bool wait = true,
                                                                           std::uint64_t signature = 0);

  // Takes back a connection between statements of a session (multiplexing): no reset,
  // it keeps its session variables for the next session that wants them.
  void park(std::unique_ptr<backend_connection> conn);

  // Takes a connection back after its session: session state is reset on the
  // backend first; connections in an unknown protocol state are closed instead.
  void release(std::unique_ptr<backend_connection> conn);

  // Closes one idle connection to `n`, if this pool has one. Thread-safe: posts to
  // the pool's own thread.
  void request_eviction(const backend_node& n);
  void close_idle(const backend_node& n);  // all idle ones to `n`; thread-safe like request_eviction

  // Closes connections idle longer than their pool's idle timeout. Runs on a timer.
  void start_sweeper();
  void close_all();
  pool_stats stats() const { return stats_; }

 private:
  std::unique_ptr<backend_connection> take_idle(const connection_key& key, std::string_view schema,
                                                std::uint64_t signature);
  bool evict_one(const backend_node& n);
  void discard(std::unique_ptr<backend_connection> conn);
  // COM_QUIT, then the slot is freed once the server has closed (or after the command
  // timeout): the server never sees more than max_connections of ours at once.
  asio::awaitable<void> quit(std::unique_ptr<backend_connection> conn);
  asio::awaitable<void> reset_and_park(std::unique_ptr<backend_connection> conn);
  asio::awaitable<void> sweep_loop();

  asio::any_io_executor ex_;
  connection_limits& limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<backend_connection>> idle_;
  std::map<const backend_node*, int> local_waiting_;  // sessions of this worker at the limit
  pool_stats stats_;
  bool closing_ = false;
};

}  // namespace shardwire::proxy
