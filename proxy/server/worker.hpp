// What every session on one worker thread shares: the worker's io_context and
// backend pool, the (immutable) config, and the server-wide counters.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "proxy/net/backend_pool.hpp"
#include "proxy/cluster/trigger_tables.hpp"
#include "proxy/server/admission.hpp"
#include "proxy/session/memory_budget.hpp"
#include "proxy/server/slow_log.hpp"
#include "proxy/server/stats.hpp"
#include "proxy/xa/coordinator.hpp"
#include "router/digest.hpp"
#include "router/plan_cache.hpp"

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
  std::vector<entry> all() {
    std::lock_guard lock(mutex_);
    std::vector<entry> out;
    out.reserve(map_.size());
    for (const auto& [_, e] : map_) out.push_back(e);
    return out;
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

// SHA256(SHA256(pw)) of caching_sha2_password users whose config gives only MySQL's
// stored hash, learnt at their first full authentication (the server's cache does the
// same): later logins take the fast path. Keyed by user and stored hash, so a changed
// hash never matches an old entry; bounded (cleared when full).
class sha2_cache {
 public:
  std::optional<protocol::sha256_digest> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& key, const protocol::sha256_digest& d) {
    std::lock_guard lock(mutex_);
    if (map_.size() >= 100000) map_.clear();
    map_[key] = d;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, protocol::sha256_digest> map_;
};

// Connection ids the proxy hands out start here, far above backend thread ids, so an
// id a client got from CONNECTION_ID() (a backend's) is never mistaken for a session.
inline constexpr std::uint32_t first_connection_id = 1u << 30;

// The running config. `cfg` is the one the process started with: its data sources are
// the identities pools and the topology key by, fixed for the process. A reload
// publishes a new snapshot; sessions take it between statements (refresh_config).
struct server_state {
  std::shared_ptr<const config> cfg;
  std::shared_ptr<const config> current() const {
    std::lock_guard lock(config_mutex);
    return current_cfg;
  }
  void publish(std::shared_ptr<const config> next) {
    memory.set_limit(next->limits.max_memory);
    std::lock_guard lock(config_mutex);
    current_cfg = std::move(next);
    config_generation.fetch_add(1, std::memory_order_release);
  }
  std::atomic<std::uint64_t> config_generation{0};
  topology* topo = nullptr;  // the groups' servers, their health and lag (owned by the server)
  std::string server_version;
  std::uint8_t server_charset = 45;
  // The default data source's @@global.wait_timeout / interactive_timeout at start: where
  // a session's own wait_timeout begins (interactive clients: the second).
  std::chrono::seconds server_wait_timeout{28800}, server_interactive_timeout{28800};
  // Its @@global.session_track_state_change: whether a client's session reports state
  // changes (backend connections always do, for the proxy).
  bool server_tracks_state_change = false;
  // The MariaDB extended capabilities its server offers (none from a MySQL server): the
  // proxy offers clients extended metadata only when that server has it.
  std::uint32_t server_mariadb_caps = 0;
  std::atomic<std::uint32_t> next_connection_id{first_connection_id};
  session_registry sessions;
  std::atomic<int> client_connections{0};
  memory_pool memory;  // what sessions hold for their clients (limits.max_memory_mb)
  admission admit;     // connections per address and user, failed logins (limits, users[].max_connections)
  trigger_tables triggers;  // writes to these pin the session (trigger_watch.hpp)
  sha2_cache sha2_hashes;   // caching_sha2_password fast-path hashes learnt at login
  std::atomic<bool> stopping{false};
  slow_log slow;
  std::atomic<std::uint64_t> reloads_applied{0}, reloads_refused{0};
  std::unique_ptr<xa::coordinator> xa;  // XA transactions (set before any session starts)

 private:
  mutable std::mutex config_mutex;
  std::shared_ptr<const config> current_cfg;
};

struct worker {
  worker(server_state& state, connection_limits& limits, std::shared_ptr<spdlog::logger> log, int index)
      : state(state), pool(ioc.get_executor(), limits, log), log(std::move(log)), index(index) {}

  asio::io_context ioc{1};  // run by exactly one thread: lets Asio skip internal locking
  server_state& state;
  backend_pool pool;
  std::shared_ptr<spdlog::logger> log;
  int index;
  std::list<std::weak_ptr<client_session>> sessions;  // touched only on this worker's thread
  // Statement statistics of this worker's sessions (proxy/server/stats.hpp): this thread only.
  worker_stats stats;
  digest_table digests;
  // Routed statement templates (router/plan_cache) and digests by shape; the scratch the
  // sessions of this thread read a statement's shape into (valid for a session while
  // `shape_stamp` is the one it took: every reading takes a new stamp).
  router::plan_cache plans;
  router::digest_cache shape_digests;
  router::statement_shape shape;
  std::uint64_t shape_stamp = 0;
  router::slot_values slots;
  std::string plan_key;
  std::uint64_t scan_shape(std::string_view sql) {
    shape.scan(sql);
    return ++shape_stamp;
  }
};

}  // namespace shardwire::proxy
