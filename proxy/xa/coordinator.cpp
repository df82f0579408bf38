#include "proxy/xa/coordinator.hpp"

#include "router/xa_sql.hpp"

namespace shardwire::proxy::xa {

coordinator::coordinator(std::string proxy_id, std::unique_ptr<decision_log> log, std::string why)
    : faults(fault_hook::from_environment()), proxy_id_(std::move(proxy_id)), log_(std::move(log)), why_(std::move(why)) {}

std::string coordinator::next_gtrid() {
  return make_gtrid(proxy_id_, log_ ? log_->boot() : 0, seq_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void coordinator::activate(const std::string& gtrid) {
  std::lock_guard lock(mutex_);
  active_.insert(gtrid);
}

void coordinator::deactivate(const std::string& gtrid) {
  std::lock_guard lock(mutex_);
  active_.erase(gtrid);
}

bool coordinator::active(const std::string& gtrid) const {
  std::lock_guard lock(mutex_);
  return active_.count(gtrid) > 0;
}

std::size_t coordinator::active_count() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

void coordinator::publish(recovery_view v) {
  std::lock_guard lock(mutex_);
  view_ = std::move(v);
}

coordinator::recovery_view coordinator::view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

}  // namespace shardwire::proxy::xa
