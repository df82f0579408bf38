#include "proxy/session/memory_budget.hpp"

namespace shardwire::proxy {

bool memory_pool::take(std::size_t n) {
  std::size_t now = used_.fetch_add(n, std::memory_order_relaxed) + n;
  std::size_t limit = this->limit();
  if (limit == 0 || now <= limit) return true;
  used_.fetch_sub(n, std::memory_order_relaxed);
  return false;
}

session_budget::refusal session_budget::take(std::size_t n) {
  if (limit_ != 0 && n > limit_ - used_) return refusal::session;
  if (pool_ && !pool_->take(n)) return refusal::proxy;
  used_ += n;
  return refusal::none;
}

void session_budget::give(std::size_t n) {
  if (n > used_) n = used_;
  used_ -= n;
  if (pool_) pool_->give(n);
}

session_budget::refusal session_budget::adjust(std::size_t& charged, std::size_t now) {
  if (now <= charged) {
    give(charged - now);
    charged = now;
    return refusal::none;
  }
  refusal r = take(now - charged);
  if (r == refusal::none) charged = now;
  return r;
}

void session_budget::release_all() { give(used_); }

}  // namespace shardwire::proxy
