#include "proxy/session/connection_set.hpp"

namespace shardwire::proxy {

namespace {
bool in_trans(const backend_connection& be) { return (be.status & protocol::status::in_trans) != 0; }
}  // namespace

backend_connection* connection_set::held(const std::string& data_source) const {
  auto it = conns_.find(data_source);
  return it == conns_.end() ? nullptr : it->second.get();
}

backend_connection& connection_set::adopt(const std::string& data_source, std::unique_ptr<backend_connection> conn) {
  auto& slot = conns_[data_source];
  slot = std::move(conn);
  return *slot;
}

// Slots stay (empty) when their connection goes: a session takes a connection for
// every statement, and a map node made and freed each time would be a malloc per
// statement. At most one slot per data source the session used.
std::unique_ptr<backend_connection> connection_set::take(const std::string& data_source) {
  auto it = conns_.find(data_source);
  if (it == conns_.end()) return nullptr;
  return std::move(it->second);
}

bool connection_set::empty() const {
  for (const auto& [_, be] : conns_) {
    if (be) return false;
  }
  return true;
}

bool connection_set::server_transaction() const {
  for (const auto& [_, be] : conns_) {
    if (be && in_trans(*be)) return true;
  }
  return false;
}

bool connection_set::any_broken() const {
  for (const auto& [_, be] : conns_) {
    if (be && be->broken) return true;
  }
  return false;
}

std::vector<std::pair<std::string, backend_connection*>> connection_set::participants() const {
  std::vector<std::pair<std::string, backend_connection*>> out;
  for (const auto& [name, be] : conns_) {
    if (be && (be->txn_joined || in_trans(*be))) out.emplace_back(name, be.get());
  }
  return out;
}

void connection_set::park_idle(backend_pool& pool) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    auto& be = it->second;
    if (be && in_trans(*be) && !be->broken) {
      ++it;  // an implicit transaction (autocommit=0) lives on it
      continue;
    }
    if (be) pool.park(std::move(be));
    ++it;  // the slot stays for the next statement (take)
  }
}

void connection_set::release_all(backend_pool& pool, bool dirty) {
  for (auto& [_, be] : conns_) {
    if (!be) continue;
    if (dirty || in_trans(*be) || be->txn_joined) {
      pool.release(std::move(be));
    } else {
      pool.park(std::move(be));
    }
  }
  conns_.clear();
}

}  // namespace shardwire::proxy
