// What every session on one worker thread shares: the worker's io_context and
// backend pool, the (immutable) config, and the server-wide counters.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <spdlog/logger.h>

#include "proxy/backend_pool.hpp"

namespace shardwire::proxy {

class client_session;

// Every live, authenticated session by the connection id its client was given, so a
// KILL from any worker can find its target. Touched at login, logout and KILL only.
class session_registry {
 public:
  struct entry {
    std::weak_ptr<client_session> session;
    asio::io_context* ioc = nullptr;
  };
  void add(std::uint32_t id, entry e) {
    std::lock_guard lock(mutex_);
    map_[id] = std::move(e);
  }
  void remove(std::uint32_t id) {
    std::lock_guard lock(mutex_);
    map_.erase(id);
  }
  std::optional<entry> find(std::uint32_t id) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(id);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::uint32_t, entry> map_;
};

// Connection ids the proxy hands out start here, far above backend thread ids, so an
// id a client got from CONNECTION_ID() (a backend's) is never mistaken for a session.
inline constexpr std::uint32_t first_connection_id = 1u << 30;

struct server_state {
  std::shared_ptr<const config> cfg;
  topology* topo = nullptr;  // the groups' servers, their health and lag (owned by the server)
  bool replicas = false;     // any group has a replica: statements are classified for splitting
  std::string server_version;
  std::uint8_t server_charset = 45;
  std::atomic<std::uint32_t> next_connection_id{first_connection_id};
  session_registry sessions;
  // Names whose presence in a statement means it may need routing: logical schemas
  // and their sharded/broadcast tables. Statements without any skip the parser.
  std::vector<std::string> routed_names;
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
