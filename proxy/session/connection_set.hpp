// The backend connections a session holds right now, one per data source: leased for a
// statement, kept while something pins them (the session decides what pins; this set
// only keeps, lends and gives back).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/net/backend_connection.hpp"
#include "proxy/net/backend_pool.hpp"

namespace shardwire::proxy {

class connection_set {
 public:
  using map = std::map<std::string, std::unique_ptr<backend_connection>>;

  backend_connection* held(const std::string& data_source) const;
  backend_connection& adopt(const std::string& data_source, std::unique_ptr<backend_connection> conn);
  std::unique_ptr<backend_connection> take(const std::string& data_source);
  bool empty() const;  // holds no connection (empty slots may remain)

  // A server reports an open transaction on one of them (autocommit=0, BEGIN in a batch).
  bool server_transaction() const;
  bool any_broken() const;
  // A transaction's participants in commit order (data source names in order).
  std::vector<std::pair<std::string, backend_connection*>> participants() const;

  // Between statements: every connection back to the pool, but those an implicit
  // transaction lives on.
  void park_idle(backend_pool& pool);
  // Session end, reset or user change: connections holding more than replayable state
  // (`dirty`, a transaction) are reset by the pool; clean ones go back as they are.
  void release_all(backend_pool& pool, bool dirty);

  // Every slot, empty ones (nullptr) included.
  map::const_iterator begin() const { return conns_.begin(); }
  map::const_iterator end() const { return conns_.end(); }

 private:
  map conns_;
};

}  // namespace shardwire::proxy
