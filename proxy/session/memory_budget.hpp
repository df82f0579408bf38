// Memory the proxy holds on a client's behalf (long data, prepared statements, cursor
// rows, replayed SET values), charged against a per-session budget and a process-wide
// one. A charge that does not fit is refused whole, so the caller can answer with the
// server's error instead of growing. Pure code: the process-wide pool is an atomic
// counter shared by every worker.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace shardwire::proxy {

class memory_pool {
 public:
  explicit memory_pool(std::size_t limit = 0) : limit_(limit) {}  // 0: unlimited
  bool take(std::size_t n);
  void give(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  void set_limit(std::size_t limit) { limit_.store(limit, std::memory_order_relaxed); }  // config reload
  // Too little left for a new session to do anything: under 1 MiB or 1/16 of the limit.
  bool exhausted() const {
    std::size_t limit = this->limit();
    return limit != 0 && used() + std::min<std::size_t>(std::size_t{1} << 20, limit / 16) >= limit;
  }

 private:
  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> used_{0};
};

class session_budget {
 public:
  enum class refusal : std::uint8_t { none, session, proxy };

  session_budget(memory_pool* pool, std::size_t limit) : pool_(pool), limit_(limit) {}
  ~session_budget() { release_all(); }
  session_budget(const session_budget&) = delete;
  session_budget& operator=(const session_budget&) = delete;

  // Takes `n` bytes from the session's budget and the pool, or nothing.
  refusal take(std::size_t n);
  void give(std::size_t n);
  // Moves a charge from `charged` to `now` (one object's footprint changed).
  refusal adjust(std::size_t& charged, std::size_t now);
  void release_all();
  std::size_t used() const { return used_; }
  std::size_t limit() const { return limit_; }

 private:
  memory_pool* pool_;
  std::size_t limit_;  // 0: unlimited
  std::size_t used_ = 0;
};

}  // namespace shardwire::proxy
