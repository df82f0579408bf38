// Keeps connections outside the pool within pool.max_connections (proxy/net/backend_pool).
#pragma once

#include <chrono>

#include "proxy/net/backend_pool.hpp"

namespace shardwire::proxy {

// A connection outside the pool (XA recovery, migrations) counted against its server's
// pool.max_connections like a pooled one: the limit is what the DBA sized the server
// for. At the limit it waits as the pool does: idle connections elsewhere are asked to
// close, sessions ending close theirs instead of parking them.
class counted_slot {
 public:
  explicit counted_slot(connection_limits& limits) : limits_(limits) {}
  ~counted_slot() {
    if (node_) limits_.release(*node_);
  }
  counted_slot(const counted_slot&) = delete;
  counted_slot& operator=(const counted_slot&) = delete;

  // Reserves a slot on `n` (once); false when none freed up within `timeout`.
  asio::awaitable<bool> take(const backend_node& n, std::chrono::milliseconds timeout) {
    if (node_) co_return node_ == &n;
    auto ex = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_evict_request = std::chrono::steady_clock::now();
    while (!limits_.try_reserve(n)) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) co_return false;
      connection_limits::wait_scope waiting(limits_, n);
      if (now >= next_evict_request) {
        limits_.evict_elsewhere(n, nullptr);
        next_evict_request = now + std::chrono::milliseconds(100);
      }
      asio::steady_timer wait(ex, std::chrono::milliseconds(5));
      co_await wait.async_wait(use_nothrow);
    }
    node_ = &n;
    co_return true;
  }

 private:
  connection_limits& limits_;
  const backend_node* node_ = nullptr;
};

}  // namespace shardwire::proxy
