// What every session on one worker thread shares: the worker's io_context and
// backend pool, the (immutable) config, and the server-wide counters.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "proxy/backend_pool.hpp"

namespace shardwire::proxy {

class client_session;

struct server_state {
  std::shared_ptr<const config> cfg;
  std::string server_version;
  std::uint8_t server_charset = 45;
  std::atomic<std::uint32_t> next_connection_id{1};
  std::atomic<int> client_connections{0};
  std::atomic<bool> stopping{false};
};

struct worker {
  worker(server_state& state, connection_limits& limits, std::shared_ptr<spdlog::logger> log)
      : state(state), pool(ioc.get_executor(), limits, log), log(std::move(log)) {}

  asio::io_context ioc{1};  // run by exactly one thread: lets Asio skip internal locking
  server_state& state;
  backend_pool pool;
  std::shared_ptr<spdlog::logger> log;
  std::list<std::weak_ptr<client_session>> sessions;  // touched only on this worker's thread
};

}  // namespace shardwire::proxy
