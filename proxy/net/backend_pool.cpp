#include "proxy/net/backend_pool.hpp"
#include "router/session_sql.hpp"

#include <spdlog/spdlog.h>

namespace shardwire::proxy {

using protocol::errc;
using clock = std::chrono::steady_clock;

bool connection_limits::try_reserve(const backend_node& node) {
  auto& n = node.pool_open;
  int cur = n.load(std::memory_order_relaxed);
  while (cur < node.source->pool.max_connections) {
    if (n.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void connection_limits::release(const backend_node& n) { n.pool_open.fetch_sub(1, std::memory_order_relaxed); }
int connection_limits::open(const backend_node& n) const { return n.pool_open.load(std::memory_order_relaxed); }

void connection_limits::close_idle(const backend_node& n) {
  for (auto* p : pools_) p->close_idle(n);
}

void connection_limits::evict_elsewhere(const backend_node& n, const backend_pool* self) {
  for (auto* p : pools_) {
    if (p != self) p->request_eviction(n);
  }
}

backend_pool::backend_pool(asio::any_io_executor ex, connection_limits& limits, std::shared_ptr<spdlog::logger> log)
    : ex_(std::move(ex)), limits_(limits), log_(std::move(log)) {}

std::unique_ptr<backend_connection> backend_pool::take_idle(const connection_key& key, std::string_view schema,
                                                            std::uint64_t signature) {
  // Best: same schema and same session variables; then same schema; then any that can
  // switch to the schema (a connection with a schema cannot serve a session without
  // one: there is no "unselect database"). Most recently parked first (warm caches).
  auto pick = idle_.end();
  int best = 0;
  for (auto it = idle_.end(); it != idle_.begin();) {
    --it;
    const auto& c = **it;
    if (!(c.key() == key)) continue;
    int score = c.schema == schema ? 2 : (!schema.empty() ? 1 : 0);
    if (score == 0) continue;
    if (score == 2 && c.applied_signature == signature) score = 3;
    if (score > best) {
      best = score;
      pick = it;
      if (score == 3) break;
    }
  }
  if (pick == idle_.end()) return nullptr;
  auto conn = std::move(*pick);
  idle_.erase(pick);
  return conn;
}

asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> backend_pool::acquire(const connection_key& key,
                                                                                       std::string_view schema,
                                                                                       bool wait,
                                                                                       std::uint64_t signature) {
  const data_source& ds = *key.source;
  backend_node& node = *key.node;
  auto deadline = clock::now() + ds.pool.connect_timeout;
  auto next_evict_request = clock::now();
  for (;;) {
    while (auto conn = take_idle(key, schema, signature)) {
      if (conn->looks_dead()) {
        discard(std::move(conn));
        continue;
      }
      ++stats_.reused;
      ++node.active;
      co_return conn;
    }
    // A server the monitor has marked down: fail at once rather than wait for a
    // connect timeout per statement (the session may pick another server).
    if (!node.up.load()) {
      co_return protocol::make_error(errc::backend_down, node.address, ds.name, node.last_error());
    }
    if (limits_.try_reserve(node)) break;
    // At max_connections. An idle connection here in another schema or mode makes
    // room; else ask the other workers for one, and wait for any slot to free up
    // (sessions ending anywhere close their connection while someone waits).
    if (evict_one(node)) continue;
    if (!wait || clock::now() >= deadline) {
      co_return protocol::make_error(errc::backend_pool_timeout, ds.name + " " + node.address,
                                     ds.pool.connect_timeout.count());
    }
    connection_limits::wait_scope waiting(limits_, node);
    ++local_waiting_[&node];
    if (clock::now() >= next_evict_request) {
      limits_.evict_elsewhere(node, this);
      next_evict_request = clock::now() + std::chrono::milliseconds(100);
    }
    asio::steady_timer wait(ex_, std::chrono::milliseconds(5));
    co_await wait.async_wait(use_nothrow);
    --local_waiting_[&node];
  }
  auto conn = std::make_unique<backend_connection>(ex_);
  auto opened = co_await conn->open(key, node.ep);
  if (!opened) {
    limits_.release(node);
    ++node.errors;
    log_->warn("backend {} connect failed: {}", conn->describe(), opened.error().message);
    // Refused or timed out (not an ERR the server sent): sessions stop trying it until
    // the monitor sees it answer again.
    if (conn->unreachable) {
      node.set_last_error(opened.error().message);
      node.up = false;
    }
    co_return opened.error();
  }
  ++stats_.opened;
  ++node.active;
  log_->debug("backend {} opened, thread id {}", conn->describe(), conn->thread_id());
  co_return conn;
}

void backend_pool::release(std::unique_ptr<backend_connection> conn) {
  if (!conn) return;
  conn->user_lease.reset();
  backend_node& node = *conn->key().node;
  bool reset = !(conn->broken || conn->retire || closing_ || node.closing());
  if (reset) ++node.resetting;  // first: `leased` and `resetting` are never both 0 before it is ready
  --node.active;
  if (conn->broken) ++node.errors;
  if (!reset) {
    discard(std::move(conn));
    return;
  }
  asio::co_spawn(ex_, reset_and_park(std::move(conn)), asio::detached);
}

void backend_pool::park(std::unique_ptr<backend_connection> conn) {
  if (!conn) return;
  conn->user_lease.reset();
  backend_node& node = *conn->key().node;
  --node.active;
  if (conn->broken) ++node.errors;
  if (conn->broken || conn->retire || closing_ || !conn->buffer().readable().empty() || node.closing()) {
    discard(std::move(conn));
    return;
  }
  if (limits_.waiting(node) > 0 && local_waiting_[&node] == 0) {  // free the slot for another worker
    discard(std::move(conn));
    return;
  }
  conn->txn_joined = false;
  conn->idle_since = clock::now();
  idle_.push_back(std::move(conn));
}

asio::awaitable<void> backend_pool::reset_and_park(std::unique_ptr<backend_connection> conn) {
  // Counted from release() until parked or dropped (/v1/backends "resetting"): tests and
  // operators can see when every connection a session gave back is ready again.
  struct counted {
    std::atomic<int>& n;
    ~counted() { --n; }
  } under_way{conn->key().node->resetting};
  // Drops the session's transactions, temporary tables, user variables, locks and
  // prepared statements so the next session starts clean.
  auto r = co_await conn->internal_command(protocol::command::reset_connection);
  // RESET keeps the current database, and the session may have run USE: ask.
  // (No co_await inside ?: — GCC 12 miscompiles it.)
  if (!r || closing_) {
    discard(std::move(conn));
    co_return;
  }
  // MariaDB 10.11 resets @@autocommit to 1 but keeps reporting the AUTOCOMMIT status
  // flag cleared; the session layer reads transactions off those flags, so restate it.
  r = co_await conn->internal_query(router::session_sql::connection_defaults);
  if (!r || closing_) {
    discard(std::move(conn));
    co_return;
  }
  auto db = co_await conn->query_value(router::session_sql::select_database, conn->key().source->pool.command_timeout);
  if (!db || closing_) {
    discard(std::move(conn));
    co_return;
  }
  conn->schema = db->value_or("");
  conn->applied.clear();
  conn->applied_signature = 0;
  conn->last_insert_id = 0;
  conn->txn_joined = false;
  conn->stmt_cache.clear();  // RESET CONNECTION closed its prepared statements
  // Waiters on this worker take it from the idle list; if all waiters are on other
  // workers, free the slot for them instead.
  const backend_node& node = *conn->key().node;
  if ((limits_.waiting(node) > 0 && local_waiting_[&node] == 0) || node.closing()) {
    discard(std::move(conn));
    co_return;
  }
  conn->idle_since = clock::now();
  idle_.push_back(std::move(conn));
}

bool backend_pool::evict_one(const backend_node& n) {
  for (auto& c : idle_) {
    if (c->key().node != &n) continue;
    auto conn = std::move(c);
    c = std::move(idle_.back());
    idle_.pop_back();
    discard(std::move(conn));
    return true;
  }
  return false;
}

void backend_pool::request_eviction(const backend_node& n) {
  asio::post(ex_, [this, &n] { evict_one(n); });
}

void backend_pool::close_idle(const backend_node& n) {
  asio::post(ex_, [this, &n] {
    while (evict_one(n)) {
    }
  });
}

void backend_pool::discard(std::unique_ptr<backend_connection> conn) {
  ++stats_.discarded;
  if (!conn->broken && conn->socket().is_open() && !closing_) {
    asio::co_spawn(ex_, quit(std::move(conn)), asio::detached);
    return;
  }
  error_code ignored;
  conn->socket().close(ignored);
  limits_.release(*conn->key().node);
}

asio::awaitable<void> backend_pool::quit(std::unique_ptr<backend_connection> conn) {
  backend_node& node = *conn->key().node;
  {
    deadline_guard guard(conn->socket(), conn->key().source->pool.command_timeout);  // the server may not close
    if (!co_await conn->send_command(protocol::command::quit, {})) {
      std::uint8_t sink[256];
      for (;;) {  // until the server's close (EOF) or an error
        auto [ec, n] = co_await conn->stream().async_read_some(asio::buffer(sink), use_nothrow);
        if (ec) break;
      }
    }
  }
  error_code ignored;
  conn->socket().close(ignored);
  limits_.release(node);
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
      if (now - c->idle_since > c->key().source->pool.idle_timeout || c->looks_dead() || c->key().node->closing()) {
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
