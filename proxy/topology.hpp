// The live view of every data source group: one primary and its replicas, each with
// the health, read_only state and replication lag the monitor last saw (proxy/monitor),
// load and per-backend counters. Shared by all workers: fields sessions read on the data
// path are atomics; the rest changes under the topology's mutex (monitor, promote).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxy/config.hpp"

namespace shardwire::proxy {

// Lag that no wait will cure: replication stopped, or not configured.
inline constexpr std::int64_t lag_unbounded = INT64_MAX;
inline constexpr std::int64_t lag_unknown = -1;

// One server of a group.
struct backend_node {
  backend_node(const data_source& ds, endpoint ep, bool primary);

  const data_source* source;
  endpoint ep;
  std::string address;  // ep.text(), the node's name in logs and errors
  std::atomic<int> weight;
  std::atomic<bool> is_primary;
  std::atomic<bool> up{true};  // reachable (optimistic until a check or connect fails)
  std::atomic<bool> read_only{false};
  std::atomic<std::int64_t> lag_ms{lag_unknown};  // replicas: what the last check measured
  std::atomic<int> active{0};                     // connections leased to sessions now
  std::atomic<std::uint64_t> statements{0}, errors{0}, checks{0}, failed_checks{0};
  // Monitor only (its thread): consecutive results, for the up/down hysteresis.
  int ok_in_row = 0, failed_in_row = 0;
  bool seen_up = true;  // `up` as the monitor left it: detects a mark-down by a failed connect

  std::string gtid() const;  // primary: gtid_binlog_pos; replica: gtid_slave_pos (last check)
  void set_gtid(std::string g);
  std::string last_error() const;
  void set_last_error(std::string e);

 private:
  mutable std::mutex mutex_;
  std::string gtid_, last_error_;
};

// True when every domain's sequence number in `wanted` is reached by `pos` (MariaDB
// GTID lists "domain-server-seq,..."). An empty `wanted` is always reached.
bool gtid_reached(std::string_view pos, std::string_view wanted);

class topology {
 public:
  explicit topology(const config& cfg);

  backend_node& primary(const data_source& ds) const;
  // A replica for a read outside a transaction: up, not read-write, lag known and within
  // the group's max_replica_lag; weighted by `weight` and current load. nullptr: none.
  backend_node* pick_replica(const data_source& ds) const;
  std::vector<backend_node*> nodes(const data_source& ds) const;
  std::vector<backend_node*> all() const;
  backend_node* find(const data_source& ds, std::string_view address) const;

  // Designates `address` (a node of the group) as its primary; the old one becomes a
  // replica. New writes go to it; connections leased before finish where they are.
  bool promote(const data_source& ds, std::string_view address, std::string& why);

 private:
  struct group {
    std::vector<std::unique_ptr<backend_node>> nodes;  // never removed: sessions hold pointers
    std::atomic<backend_node*> primary{nullptr};
  };
  std::map<const data_source*, std::unique_ptr<group>> groups_;
  mutable std::mutex mutex_;  // promote against itself
};

}  // namespace shardwire::proxy
