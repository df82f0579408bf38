// The live view of every data source group: one primary and its replicas, each with
// the health, read_only state and replication lag the monitor last saw (proxy/monitor),
// load, per-backend counters and the operator's settings (weight, lag bound, state).
// Shared by all workers. The data path reads atomics and each group's member list
// without locks: a change (admin API, config reload) publishes a new list under the
// topology's mutex, and neither nodes nor old lists are ever freed while the topology
// lives, because sessions and pools hold pointers to them. Changes are rare (operator
// actions), so what is kept is a few hundred bytes per change.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proxy/server/config.hpp"

namespace shardwire::proxy {

// Lag that no wait will cure: replication stopped, or not configured.
inline constexpr std::int64_t lag_unbounded = INT64_MAX;
inline constexpr std::int64_t lag_unknown = -1;

// One server of a group.
struct backend_node {
  backend_node(const data_source& ds, const server_spec& spec, bool primary);

  const data_source* source;
  endpoint ep;
  std::string address;  // ep.text(), the node's name in logs and errors
  std::atomic<int> weight;
  std::atomic<std::int64_t> max_lag_ms;  // this replica's lag bound; -1: the group's reads.max_replica_lag_ms
  std::atomic<node_state> state;         // online | offline_soft (drain) | offline_hard
  std::atomic<bool> member{true};        // false once removed from its group (pointers stay valid)
  std::atomic<bool> is_primary;
  std::atomic<bool> up{true};  // reachable (optimistic until a check or connect fails)
  std::atomic<bool> read_only{false};
  std::atomic<std::int64_t> lag_ms{lag_unknown};  // replicas: what the last check measured
  std::atomic<int> active{0};                     // connections leased to sessions now
  std::atomic<int> resetting{0};                  // given back by sessions, being reset before reuse
  mutable std::atomic<int> pool_open{0};          // connections open to it across workers (connection_limits)
  mutable std::atomic<int> pool_waiting{0};       // sessions waiting for one at the limit
  std::atomic<std::uint64_t> statements{0}, errors{0}, checks{0}, failed_checks{0};
  // Monitor only (its thread): consecutive results, for the up/down hysteresis.
  int ok_in_row = 0, failed_in_row = 0;
  bool seen_up = true;  // `up` as the monitor left it: detects a mark-down by a failed connect

  // New work may start on it: a member of its group and online.
  bool serving() const { return member.load() && state.load() == node_state::online; }
  // Idle pooled connections to it are closed, not kept (offline_hard, removed).
  bool closing() const { return !member.load() || state.load() == node_state::offline_hard; }
  server_spec spec() const;
  void set_spec(const server_spec& s);  // weight, lag bound and state (not the address)
  std::string gtid() const;             // primary: gtid_binlog_pos; replica: gtid_slave_pos (last check)
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

// What a group should consist of (config file, state file, reload): its primary and
// its replicas with their settings.
struct group_spec {
  server_spec primary;
  std::vector<server_spec> replicas;
};

class topology {
 public:
  explicit topology(const config& cfg);

  backend_node& primary(const data_source& ds) const;
  // A replica for a read outside a transaction: a serving member, up, not read-write,
  // lag known and within its bound; weighted by `weight` and current load. nullptr: none.
  backend_node* pick_replica(const data_source& ds) const;
  bool has_replicas(const data_source& ds) const;  // members other than the primary
  bool any_replicas() const { return any_replicas_.load(std::memory_order_relaxed); }
  // The group's read settings now (config reload replaces them).
  read_settings reads(const data_source& ds) const;
  std::vector<backend_node*> nodes(const data_source& ds) const;              // members, primary first
  std::vector<backend_node*> all() const;                                     // members of every group
  backend_node* find(const data_source& ds, std::string_view address) const;  // a member
  group_spec spec(const data_source& ds) const;

  // Operator changes. Each returns an empty string on success, else why it was refused
  // (nothing changed then). New work follows at once; statements in flight finish where
  // they run. Thread-safe.
  std::string promote(const data_source& ds, std::string_view address);
  std::string add_server(const data_source& ds, const server_spec& s);
  std::string remove_server(const data_source& ds, std::string_view address);
  struct server_change {
    std::optional<int> weight;
    std::optional<std::int64_t> max_lag_ms;  // -1: the group's
    std::optional<node_state> state;
  };
  std::string change_server(const data_source& ds, std::string_view address, const server_change& c);
  // Makes the group what `want` says (reload, state file): servers added, removed,
  // changed and the primary moved as needed. Validated first; all or nothing per group.
  std::string apply(const data_source& ds, const group_spec& want);
  void set_reads(const data_source& ds, const read_settings& r);

 private:
  using member_list = std::vector<backend_node*>;
  struct group {
    std::vector<std::unique_ptr<backend_node>> owned;  // every node ever made (under mutex_)
    std::vector<std::unique_ptr<member_list>> lists;   // every list ever published (under mutex_)
    std::atomic<const member_list*> members{nullptr};  // the current one, primary first
    std::atomic<backend_node*> primary{nullptr};
    std::atomic<std::int64_t> max_lag_ms{1000};
    std::atomic<bool> fallback_to_primary{true};
    std::atomic<int> causal{0};
    std::atomic<std::int64_t> causal_timeout_ms{1000}, causal_window_ms{2000};
  };
  group& at(const data_source& ds) const { return *groups_.at(&ds); }
  void publish(group& g, member_list next);  // under mutex_
  backend_node* find_locked(const group& g, std::string_view address) const;
  backend_node* make_node(const data_source& ds, group& g, const server_spec& s, bool primary);
  std::string promote_locked(const data_source& ds, group& g, std::string_view address);
  static void move_primary(group& g, backend_node* next);

  std::map<const data_source*, std::unique_ptr<group>> groups_;  // fixed at start: groups are not added
  std::atomic<bool> any_replicas_{false};
  mutable std::mutex mutex_;  // changes against each other
};

}  // namespace shardwire::proxy
