// The proxy's configuration, loaded from one JSON file and validated completely at
// start: every error names the offending key (e.g. `data_sources.ds0.primary`).
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/auth.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::proxy {

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  int weight = 1;
  std::string text() const { return host + ":" + std::to_string(port); }
};

struct pool_settings {
  int max_connections = 256;  // per data source endpoint, all workers together
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::seconds idle_timeout{60};
  // Backend prepared statements kept per connection (least recently used closed
  // beyond it): max_connections x this must stay below the server's
  // max_prepared_stmt_count (16382 by default).
  int prepared_statement_cache = 32;
};

// Read/write splitting of one data source group (docs/replicas.md).
struct read_settings {
  // A replica serves reads only while its measured lag is within this.
  std::chrono::milliseconds max_replica_lag{1000};
  bool fallback_to_primary = true;  // "read_fallback": "primary" | "error" when no replica qualifies
  // Read-your-writes after a session wrote to the group: "gtid" waits on the replica for
  // the primary's position (MASTER_GTID_WAIT, at most causal_timeout, then the primary);
  // "primary" sends the session's reads to the primary for causal_window; "off".
  enum class causal { off, gtid, primary } causal_reads = causal::gtid;
  std::chrono::milliseconds causal_timeout{1000};
  std::chrono::milliseconds causal_window{2000};
};

struct data_source {
  std::string name;
  endpoint primary;
  std::vector<endpoint> replicas;
  std::string user;
  std::string password;
  pool_settings pool;
  read_settings reads;
};

// The backend monitor (proxy/monitor.cpp).
struct monitor_settings {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{1000};  // connect and each check
  int down_after = 2;                       // consecutive failed checks
  int up_after = 2;                         // consecutive good checks to come back
  std::string heartbeat_table;              // "db.table": sub-second lag; empty: Seconds_Behind_Master
  // Account of the monitor's connections; empty: each data source's own. Needs
  // REPLICATION CLIENT / SLAVE MONITOR (and INSERT, CREATE on the heartbeat table).
  std::string user, password;
};

// Multi-shard reads (docs/routing.md, "Merging").
struct merge_settings {
  // Backend connections one statement may use per data source; nodes beyond that share
  // a connection as one UNION ALL. Extra connections are taken only when free.
  int max_connections_per_data_source = 8;
  // Rows a merge may hold for hash GROUP BY / DISTINCT / ORDER BY after aggregation;
  // beyond it the statement fails with ERR 1038 (no spilling to disk).
  std::size_t memory_limit = std::size_t{64} << 20;
};

struct client_user {
  std::string name;
  std::optional<protocol::sha1_digest> password_hash;  // nullopt: no password
};

// The HTTP admin plane (admin/): its own port; bearer-token auth.
struct admin_settings {
  bool enabled = true;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 6080;
  std::string token;  // empty: no auth, which the config allows on loopback addresses only
};

struct config {
  std::string source_path;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 6033;
  int workers = 0;  // 0: one per core
  std::size_t max_allowed_packet = 64u << 20;
  int max_client_connections = 10000;
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::seconds client_idle_timeout{28800};
  std::chrono::milliseconds shutdown_timeout{10000};
  std::string server_version;  // empty: taken from the default data source at start
  std::string log_level = "info";
  std::vector<client_user> users;
  std::map<std::string, data_source> data_sources;
  std::string default_data_source;
  merge_settings merge;
  monitor_settings monitor;
  admin_settings admin;
  // Logical databases with sharded/broadcast tables ("schemas"); shared, immutable.
  std::shared_ptr<const router::sharding_rules> rules = std::make_shared<router::sharding_rules>();

  const client_user* find_user(std::string_view name) const;
  const data_source& default_source() const { return data_sources.at(default_data_source); }
};

// Errors carry the JSON path of the bad key and what was expected there.
using config_result = boost::system::result<config, std::string>;

config_result parse_config(std::string_view json_text, std::string source_path = "");
config_result load_config(const std::string& path);

}  // namespace shardwire::proxy
