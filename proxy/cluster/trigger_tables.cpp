#include "proxy/cluster/trigger_tables.hpp"

#include <algorithm>
#include <cctype>


namespace shardwire::proxy {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::shared_ptr<const trigger_tables::names> trigger_tables::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void trigger_tables::add(std::string_view table) {
  std::string name = lower(table);
  std::lock_guard lock(mutex_);
  added_[name] = ++adds_;
  if (std::binary_search(current_->begin(), current_->end(), name)) return;
  names next = *current_;
  next.insert(std::lower_bound(next.begin(), next.end(), name), name);
  publish(std::move(next));
}

std::uint64_t trigger_tables::mark() const {
  std::lock_guard lock(mutex_);
  return adds_;
}

void trigger_tables::replace(names found, std::uint64_t mark, bool complete) {
  for (auto& n : found) n = lower(n);
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
