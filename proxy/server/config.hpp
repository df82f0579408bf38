// The proxy's configuration, loaded from one JSON file and validated completely at
// start: every error names the offending key (e.g. `data_sources.ds0.primary`).
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/auth.hpp"
#include "protocol/auth_sha2.hpp"
#include "proxy/server/admission.hpp"
#include "proxy/migration/route.hpp"
#include "router/sharding_rule.hpp"

namespace shardwire::proxy {

// Whether a server takes new work: online; offline_soft drains it (no new statements,
// those in flight finish, pooled connections kept); offline_hard also closes its
// pooled connections and those in use as their statements end.
enum class node_state : std::uint8_t { online, offline_soft, offline_hard };

// One server of a group with the operator's settings for it.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  int weight = 1;
  std::int64_t max_replica_lag_ms = -1;  // replicas: own lag bound; -1: the group's reads.max_replica_lag_ms
  node_state state = node_state::online;
  std::string text() const { return host + ":" + std::to_string(port); }
  bool operator==(const endpoint&) const = default;
};
using server_spec = endpoint;

struct pool_settings {
  int max_connections = 256;  // per data source endpoint, all workers together
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::seconds idle_timeout{60};
  // The proxy's own commands on a connection (reset before reuse, restating the
  // session's variables, joining a transaction): a server that does not answer within
  // this is dropped, so a stalled backend cannot hold a pool slot.
  std::chrono::milliseconds command_timeout{10000};
  // Backend prepared statements kept per connection (least recently used closed
  // beyond it): max_connections x this must stay below the server's
  // max_prepared_stmt_count (16382 by default).
  int prepared_statement_cache = 32;
  bool operator==(const pool_settings&) const = default;
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
  bool operator==(const read_settings&) const = default;
};

struct security_material;  // proxy/net/tls_context.hpp

// TLS from the proxy to a data source's servers ("tls" of a data source or of
// backend_defaults). verify_ca checks the chain against ca_file; verify_identity also
// the server's name (server_name, else the host of each server's address).
struct backend_tls_settings {
  enum class tls_mode { off, required, verify_ca, verify_identity };
  tls_mode mode = tls_mode::off;
  std::string ca_file, cert_file, key_file;  // cert/key: a client certificate, if the servers ask
  std::string server_name;
  bool operator==(const backend_tls_settings&) const = default;
};

struct data_source {
  std::string name;
  endpoint primary;
  std::vector<endpoint> replicas;
  std::string user;
  std::string password;
  pool_settings pool;
  read_settings reads;
  backend_tls_settings tls;
  std::shared_ptr<const security_material> security;  // its TLS context (load_config)
};

// The backend monitor (proxy/cluster/monitor.cpp).
struct monitor_settings {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{1000};  // connect and each check
  int down_after = 2;                       // consecutive failed checks
  int up_after = 2;                         // consecutive good checks to come back
  std::string heartbeat_table;              // "db.table": sub-second lag; empty: Seconds_Behind_Master
  // Account of the monitor's connections; empty: each data source's own. Needs
  // REPLICATION CLIENT / SLAVE MONITOR (and INSERT, CREATE on the heartbeat table).
  std::string user, password;
  // How often the tables with triggers are read from the primaries (trigger_watch).
  std::chrono::milliseconds trigger_refresh{5000};
  bool operator==(const monitor_settings&) const = default;
};

// Multi-shard reads (docs/routing.md, "Merging").
struct merge_settings {
  // Backend connections one statement may use per data source; nodes beyond that share
  // a connection as one UNION ALL. Extra connections are taken only when free.
  int max_connections_per_data_source = 8;
  // Rows a merge may hold for hash GROUP BY / DISTINCT / ORDER BY after aggregation;
  // beyond it the statement fails with ERR 1038 (no spilling to disk).
  std::size_t memory_limit = std::size_t{64} << 20;
  bool operator==(const merge_settings&) const = default;
};

// Memory and statement budgets (README, "limits").
struct limit_settings {
  std::size_t max_memory = std::size_t{2048} << 20;     // all sessions together; 0: unlimited
  std::size_t session_memory = std::size_t{256} << 20;  // one session; 0: unlimited
  std::size_t max_long_data_size = std::size_t{64} << 20;  // one parameter's COM_STMT_SEND_LONG_DATA
  int max_prepared_stmt_count = 16382;                     // one session's prepared statements
  std::size_t plan_cache_entries = 1024;                   // routed statement templates per worker; 0: off
  admission_limits connections{0, 1024, 100, std::chrono::seconds(300)};  // per address, handshakes, failed logins
  bool operator==(const limit_settings&) const = default;
};

// TLS towards clients ("tls"): offered when cert_file and key_file are set.
struct client_tls_settings {
  std::string cert_file, key_file;
  std::string min_version = "TLSv1.2";  // or "TLSv1.3"
  bool require_secure_transport = false;  // refuse logins that did not upgrade (1045)
  bool enabled() const { return !cert_file.empty(); }
  bool operator==(const client_tls_settings&) const = default;
};

enum class auth_plugin { mysql_native_password, caching_sha2_password };

struct client_user {
  std::string name;
  auth_plugin plugin = auth_plugin::mysql_native_password;
  // mysql_native_password: SHA1(SHA1(pw)); nullopt: no password (for either plugin when
  // sha2 fields are unset too).
  std::optional<protocol::sha1_digest> password_hash;
  // caching_sha2_password: SHA256(SHA256(pw)) when the config gives the password (fast
  // path from the first login), MySQL's "$A$005$..." form when it gives the hash (fast
  // path after one full authentication, as the server caches it).
  std::optional<protocol::sha256_digest> sha2_fast;
  std::optional<protocol::sha2_stored> sha2_stored;
  bool require_secure_transport = false;  // REQUIRE SSL
  bool local_infile = false;  // may run LOAD DATA LOCAL INFILE (off, as the server's local_infile)
  bool admin = false;  // sees every user's sessions in SHOW PROCESSLIST (others see their own)
  int max_connections = 0;  // sessions of this user at once (MariaDB's max_user_connections); 0: unlimited
  std::chrono::milliseconds max_statement_time{0};  // 0: the config's max_statement_time_ms
  // Backend connections this user's sessions may hold at once per data source (pinned
  // sessions hold theirs between statements): one user cannot starve the others. 0: unlimited.
  int max_backend_connections = 0;
  bool operator==(const client_user&) const = default;
};

// The HTTP admin plane (admin/): its own port; bearer-token auth.
struct admin_settings {
  bool enabled = true;
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 6080;
  std::string token;  // empty: no auth, which the config allows on loopback addresses only
  // Host header values (without port) the API answers: a browser page that reaches the
  // port through DNS rebinding sends its own name. Default: loopback names and the
  // listen address.
  std::vector<std::string> allowed_hosts;
  int max_connections = 32;  // concurrent admin connections; more are closed at once
  // Where topology changes made through the API are kept across restarts (docs/admin.md,
  // "Persistence"); default: beside the config file as <name>.state.json; "": not kept.
  std::string state_file;
  std::string migrations_file;  // migration jobs (proxy/migration/registry.hpp)
};

// Statement statistics (docs/admin.md): digests and the slow query log.
struct observe_settings {
  std::size_t digest_max_entries = 5000;  // distinct digests kept per worker; beyond: one "(other)" row
  std::string slow_log_file;              // empty: no slow query log
  std::chrono::milliseconds slow_threshold{1000};
  bool slow_log_literals = false;  // log statements as sent (else their digest, literals as ?)
  bool operator==(const observe_settings&) const = default;
};

// Transactions across data sources (docs/transactions.md).
struct transaction_settings {
  router::transaction_mode mode = router::transaction_mode::best_effort;  // logical databases may override
  // XA decision log: fsynced before any branch commits. Default: <config>.xa.log; a
  // relative path is relative to the config file. Must be on durable local storage.
  std::string log_file;
  // Part of every XA transaction id: unique per proxy sharing the backends (default:
  // the host name and listen port).
  std::string proxy_id;
  std::chrono::milliseconds recovery_interval{10000};  // XA RECOVER on every primary this often
  // After the commit decision, how long a session retries a branch's XA COMMIT before
  // leaving it to recovery (the client is told the transaction committed).
  std::chrono::milliseconds commit_retry{5000};
  bool operator==(const transaction_settings&) const = default;
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
  std::chrono::seconds client_write_timeout{60};  // a client that takes no data this long is closed
  std::chrono::milliseconds max_statement_time{0};  // a statement running longer is killed (1969); 0: none
  std::chrono::milliseconds shutdown_timeout{10000};
  std::string server_version;  // empty: taken from the default data source at start
  std::string log_level = "info";
  std::vector<client_user> users;
  client_tls_settings tls;
  std::string rsa_private_key_file;  // caching_sha2_password key exchange; "": generated at start
  // TLS contexts and the RSA key, made from the files above by load_config (nullptr
  // from parse_config alone: no TLS, a key made on first use).
  std::shared_ptr<const security_material> security;
  std::map<std::string, data_source> data_sources;
  std::string default_data_source;
  merge_settings merge;
  limit_settings limits;
  monitor_settings monitor;
  admin_settings admin;
  observe_settings observe;
  transaction_settings transactions;
  std::string schemas_json;      // the "schemas" section as written (GET /v1/rules)
  std::size_t schemas_hash = 0;  // of schemas_json: tells a prepared statement the rules changed
  // Logical databases with sharded/broadcast tables ("schemas"); shared, immutable.
  std::shared_ptr<const router::sharding_rules> rules = std::make_shared<router::sharding_rules>();
  // Online migrations that switched (proxy/migration/route.hpp): `rules` names each
  // source table as its target; `write_rules` (null: `rules`) only those whose writes
  // switched too, for writes, transactions and a session reading its own writes.
  std::vector<migration::route> migration_routes;
  std::shared_ptr<const router::sharding_rules> write_rules;
  // Migrations applying the source's writes to the target (double_write to
  // switch_reads): a statement writing one of these tables gets its OK once the target
  // holds the write (client_session::settle_double_writes).
  std::vector<migration::route> double_writes;
  // The config as read that this one adds routes to: two configs with the same one
  // differ only in routes, which a pinned session may take (client_session::refresh_config).
  std::shared_ptr<const config> loaded_base;
  // Names whose presence in a statement means it may need routing: logical schemas
  // and their sharded/broadcast tables. Statements without any skip the parser.
  std::vector<std::string> routed_names;

  const client_user* find_user(std::string_view name) const;
  const data_source& default_source() const { return data_sources.at(default_data_source); }
};

// Errors carry the JSON path of the bad key and what was expected there.
using config_result = boost::system::result<config, std::string>;

std::optional<node_state> parse_state(std::string_view s);  // "online" | "offline_soft" | "offline_hard"
const char* state_name(node_state s);
// One server as the config writes it ("host:port" or {"address", "weight", and for a
// replica "max_replica_lag_ms", "state"}): "" and `out` set, or the error naming `path`.
std::string parse_server(const nlohmann::json& v, const std::string& path, bool replica, server_spec& out);

config_result parse_config(std::string_view json_text, std::string source_path = "");
// parse_config, then the files the config names (TLS certificates and keys); `previous`
// (on a reload) lends what should survive it (a generated RSA key).
config_result load_config(const std::string& path, const config* previous = nullptr);

}  // namespace shardwire::proxy
