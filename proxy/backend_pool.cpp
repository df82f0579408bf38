#include "proxy/backend_pool.hpp"

#include <spdlog/spdlog.h>

namespace shardwire::proxy {

using protocol::errc;
using clock = std::chrono::steady_clock;

connection_limits::connection_limits(const config& cfg) {
  for (const auto& [_, ds] : cfg.data_sources) open_.emplace(&ds, std::make_unique<std::atomic<int>>(0));
}

bool connection_limits::try_reserve(const data_source& ds) {
  auto& n = *open_.at(&ds);
  int cur = n.load(std::memory_order_relaxed);
  while (cur < ds.pool.max_connections) {
    if (n.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void connection_limits::release(const data_source& ds) { open_.at(&ds)->fetch_sub(1, std::memory_order_relaxed); }
int connection_limits::open(const data_source& ds) const { return open_.at(&ds)->load(std::memory_order_relaxed); }

backend_pool::backend_pool(asio::any_io_executor ex, connection_limits& limits, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), limits_(limits), log_(std::move(log)) {}

std::unique_ptr<backend_connection> backend_pool::take_idle(const connection_key& key, std::string_view schema) {
  // Prefer a connection already in the wanted schema; a connection with a schema
  // cannot serve a session without one (there is no "unselect database").
  auto pick = idle_.end();
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (!((*it)->key() == key)) continue;
    if ((*it)->schema == schema) {
      pick = it;
      break;
    }
    if (!schema.empty() && pick == idle_.end()) pick = it;
  }
  if (pick == idle_.end()) return nullptr;
  auto conn = std::move(*pick);
  *pick = std::move(idle_.back());
  idle_.pop_back();
  return conn;
}

asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> backend_pool::acquire(const connection_key& key,
                                                                                      std::string_view schema) {
  const data_source& ds = *key.source;
  auto deadline = clock::now() + ds.pool.connect_timeout;
  for (;;) {
    while (auto conn = take_idle(key, schema)) {
      if (conn->looks_dead()) {
        discard(std::move(conn));
        continue;
      }
      ++stats_.reused;
      co_return conn;
    }
    if (limits_.try_reserve(ds)) break;
    // At max_connections: connections come back as sessions end (on any worker).
    if (clock::now() >= deadline) {
      co_return protocol::make_error(errc::backend_pool_timeout, ds.name, ds.pool.connect_timeout.count());
    }
    asio::steady_timer wait(ex_, std::chrono::milliseconds(5));
    co_await wait.async_wait(use_nothrow);
  }
  auto conn = std::make_unique<backend_connection>(ex_);
  auto opened = co_await conn->open(key, ds.primary);
  if (!opened) {
    limits_.release(ds);
    log_->warn("backend {} connect failed: {}", conn->describe(), opened.error().message);
    co_return opened.error();
  }
  ++stats_.opened;
  log_->debug("backend {} opened, thread id {}", conn->describe(), conn->thread_id());
  co_return conn;
}

void backend_pool::release(std::unique_ptr<backend_connection> conn) {
  if (!conn) return;
  if (conn->broken || closing_) {
    discard(std::move(conn));
    return;
  }
  asio::co_spawn(ex_, reset_and_park(std::move(conn)), asio::detached);
}

asio::awaitable<void> backend_pool::reset_and_park(std::unique_ptr<backend_connection> conn) {
  // Drops the session's transactions, temporary tables, user variables, locks and
  // prepared statements so the next session starts clean.
  auto r = co_await conn->simple_command(protocol::command::reset_connection);
  // RESET keeps the current database, and the session may have run USE: ask.
  // (No co_await inside ?: — GCC 12 miscompiles it.)
  if (!r || closing_) {
    discard(std::move(conn));
    co_return;
  }
  auto db = co_await conn->query_value("SELECT DATABASE()");
  if (!db || closing_) {
    discard(std::move(conn));
    co_return;
  }
  conn->schema = db->value_or("");
  conn->idle_since = clock::now();
  idle_.push_back(std::move(conn));
}

void backend_pool::discard(std::unique_ptr<backend_connection> conn) {
  ++stats_.discarded;
  error_code ignored;
  conn->socket().close(ignored);
  limits_.release(*conn->key().source);
}

void backend_pool::start_sweeper() { asio::co_spawn(ex_, sweep_loop(), asio::detached); }

asio::awaitable<void> backend_pool::sweep_loop() {
  asio::steady_timer timer(ex_);
  while (!closing_) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(use_nothrow);
    auto now = clock::now();
    for (std::size_t i = 0; i < idle_.size();) {
      auto& c = idle_[i];
      if (now - c->idle_since > c->key().source->pool.idle_timeout || c->looks_dead()) {
        auto conn = std::move(c);
        c = std::move(idle_.back());
        idle_.pop_back();
        discard(std::move(conn));
      } else {
        ++i;
      }
    }
    stats_.idle = idle_.size();
  }
}

void backend_pool::close_all() {
  closing_ = true;
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    discard(std::move(conn));
  }
}

}  // namespace shardwire::proxy
