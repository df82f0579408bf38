#include "proxy/cluster/trigger_tables.hpp"

#include <algorithm>

#include "router/lexer.hpp"

namespace shardwire::proxy {

std::shared_ptr<const trigger_tables::names> trigger_tables::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool trigger_tables::add(const std::vector<std::string>& tables) {
  std::lock_guard lock(mutex_);
  if (added_.size() + tables.size() > max_pending) return false;
  names next = *current_;
  for (const auto& t : tables) {
    std::string name = router::ascii_lower(t);
    added_[name] = ++adds_;
    next.push_back(std::move(name));
  }
  std::sort(next.begin(), next.end());  // one copy and one sort for the whole statement
  next.erase(std::unique(next.begin(), next.end()), next.end());
  if (next != *current_) publish(std::move(next));
  return true;
}

std::uint64_t trigger_tables::mark() const {
  std::lock_guard lock(mutex_);
  return adds_;
}

void trigger_tables::replace(names found, std::uint64_t mark, bool complete) {
  for (auto& n : found) n = router::ascii_lower(n);
  std::lock_guard lock(mutex_);
  if (!complete) found.insert(found.end(), current_->begin(), current_->end());
  for (auto it = added_.begin(); it != added_.end();) {
    if (it->second > mark) {
      found.push_back(it->first);
      ++it;
    } else {
      it = added_.erase(it);  // the servers' answer covers it from now on
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  if (found == *current_) return;
  publish(std::move(found));
}

void trigger_tables::publish(names next) {
  current_ = std::make_shared<const names>(std::move(next));
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace shardwire::proxy
