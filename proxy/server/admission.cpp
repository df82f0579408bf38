#include "proxy/server/admission.hpp"

namespace shardwire::proxy {

admission::verdict admission::arrive(const std::string& address, const admission_limits& limits,
                                     clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = addresses_.find(address);
  if (it != addresses_.end()) {
    address_state& a = it->second;
    if (a.blocked_until > now) return verdict::blocked;
    if (a.blocked_until != clock::time_point{}) {  // the block ended: a fresh start
      a.blocked_until = {};
      a.errors = 0;
    }
    if (limits.max_per_address > 0 && a.open >= limits.max_per_address) return verdict::too_many;
  }
  // Refused arrivals leave no entry: a scan over many addresses cannot grow the table.
  if (limits.max_unauthenticated > 0 && unauthenticated_ >= limits.max_unauthenticated) return verdict::too_many;
  address_state& a = it != addresses_.end() ? it->second : addresses_[address];
  ++a.open;
  ++unauthenticated_;
  return verdict::ok;
}

bool admission::authenticated(const std::string& address, const std::string& user, int max_user) {
  std::lock_guard lock(mutex_);
  int& n = users_[user];
  if (max_user > 0 && n >= max_user) return false;
  ++n;
  --unauthenticated_;
  addresses_[address].errors = 0;  // a login resets the address's run of errors, as the server does
  return true;
}

bool admission::switch_user(const std::string& from, const std::string& to, int max_user) {
  std::lock_guard lock(mutex_);
  if (from == to) return true;
  int& n = users_[to];
  if (max_user > 0 && n >= max_user) return false;
  ++n;
  if (auto u = users_.find(from); u != users_.end() && --u->second <= 0) users_.erase(u);
  return true;
}

void admission::failed(const std::string& address, const admission_limits& limits, clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (addresses_.size() >= max_remembered) sweep(now);
  address_state& a = addresses_[address];
  ++a.errors;
  if (limits.max_connect_errors > 0 && a.errors >= limits.max_connect_errors) a.blocked_until = now + limits.block_for;
}

void admission::leave(const std::string& address, const std::string& user) {
  std::lock_guard lock(mutex_);
  if (user.empty()) {
    --unauthenticated_;
  } else if (auto u = users_.find(user); u != users_.end() && --u->second <= 0) {
    users_.erase(u);
  }
  auto it = addresses_.find(address);
  if (it == addresses_.end()) return;
  --it->second.open;
  // Forget an address with nothing to remember, so the table stays as small as the
  // set of addresses connected or blocked.
  if (it->second.open <= 0 && it->second.errors == 0 && it->second.blocked_until == clock::time_point{}) {
    addresses_.erase(it);
  }
}

// Many addresses with errors (a scan over an IPv6 range): forget the ones neither
// connected nor blocked, so memory stays bounded.
void admission::sweep(clock::time_point now) {
  std::erase_if(addresses_, [now](const auto& kv) { return kv.second.open <= 0 && kv.second.blocked_until <= now; });
}

namespace {
std::string backend_key(const std::string& user, const std::string& ds) {
  std::string k = user;
  k.push_back('\0');
  k += ds;
  return k;
}
}  // namespace

bool admission::take_backend(const std::string& user, const std::string& ds, int max) {
  std::lock_guard lock(mutex_);
  int& n = backends_[backend_key(user, ds)];
  if (max > 0 && n >= max) return false;
  ++n;
  return true;
}

void admission::give_back(const std::string& user, const std::string& ds) {
  std::lock_guard lock(mutex_);
  auto it = backends_.find(backend_key(user, ds));
  if (it != backends_.end() && --it->second <= 0) backends_.erase(it);
}

int admission::backends_of(const std::string& user, const std::string& ds) const {
  std::lock_guard lock(mutex_);
  auto it = backends_.find(backend_key(user, ds));
  return it == backends_.end() ? 0 : it->second;
}

int admission::unauthenticated() const {
  std::lock_guard lock(mutex_);
  return unauthenticated_;
}

int admission::connections_from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = addresses_.find(address);
  return it == addresses_.end() ? 0 : it->second.open;
}

}  // namespace shardwire::proxy
