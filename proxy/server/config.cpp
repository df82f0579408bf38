#include "proxy/server/config.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "proxy/net/tls_context.hpp"
#include "proxy/server/config_security.hpp"
#include "router/config_json.hpp"
#include "router/lexer.hpp"
#include "router/rules_config.hpp"

namespace shardwire::proxy {

namespace {
using namespace router::config_json;

std::string get_string(const json& obj, const std::string& path, const std::string& key, std::string def) {
  if (!obj.contains(key)) return def;
  const json& v = obj[key];
  if (!v.is_string()) fail(join(path, key), "expected a string, got " + v.dump());
  return v.get<std::string>();
}

endpoint parse_address(const std::string& text, const std::string& path) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) fail(path, "expected \"host:port\", got \"" + text + "\"");
  endpoint e;
  e.host = text.substr(0, colon);
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);  // "[::1]:3306"
  }
  std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) < 1 || std::stoi(port) > 65535) {
    fail(path, "expected a port 1..65535 in \"" + text + "\"");
  }
  e.port = static_cast<std::uint16_t>(std::stoi(port));
  return e;
}

// "host:port" or {"address", "weight", "max_replica_lag_ms", "state"}; `replica`: the
// last two are allowed (a primary is always online and bound by nothing).
endpoint parse_endpoint(const json& v, const std::string& path, bool replica) {
  if (v.is_string()) return parse_address(v.get<std::string>(), path);
  if (replica) {
    only_keys(v, path, {"address", "weight", "max_replica_lag_ms", "state"});
  } else {
    only_keys(v, path, {"address", "weight"});
  }
  if (!v.contains("address")) fail(join(path, "address"), "missing");
  endpoint e = parse_address(get_string(v, path, "address", ""), join(path, "address"));
  e.weight = static_cast<int>(get_int(v, path, "weight", 1, 0, 1000000));
  if (v.contains("max_replica_lag_ms") && !v["max_replica_lag_ms"].is_null()) {
    e.max_replica_lag_ms = get_int(v, path, "max_replica_lag_ms", -1, 0, 86400000);
  }
  std::string state = get_string(v, path, "state", "online");
  auto st = parse_state(state);
  if (!st)
    fail(join(path, "state"), "expected \"online\", \"offline_soft\" or \"offline_hard\", got \"" + state + "\"");
  e.state = *st;
  return e;
}

pool_settings parse_pool(const json& obj, const std::string& path, pool_settings base) {
  if (!obj.contains("pool")) return base;
  std::string p = join(path, "pool");
  only_keys(obj["pool"], p,
            {"max_connections", "connect_timeout_ms", "idle_timeout_s", "prepared_statement_cache", "command_timeout_ms"});
  const json& j = obj["pool"];
  base.max_connections = static_cast<int>(get_int(j, p, "max_connections", base.max_connections, 1, 100000));
  base.connect_timeout =
      std::chrono::milliseconds(get_int(j, p, "connect_timeout_ms", base.connect_timeout.count(), 1, 600000));
  base.command_timeout =
      std::chrono::milliseconds(get_int(j, p, "command_timeout_ms", base.command_timeout.count(), 1, 3600000));
  base.idle_timeout = std::chrono::seconds(get_int(j, p, "idle_timeout_s", base.idle_timeout.count(), 1, 86400));
  base.prepared_statement_cache =
      static_cast<int>(get_int(j, p, "prepared_statement_cache", base.prepared_statement_cache, 1, 100000));
  return base;
}

read_settings parse_reads(const json& obj, const std::string& path, read_settings base) {
  if (!obj.contains("reads")) return base;
  std::string p = join(path, "reads");
  const json& j = obj["reads"];
  only_keys(j, p, {"max_replica_lag_ms", "fallback", "causal_reads", "causal_timeout_ms", "causal_window_ms"});
  base.max_replica_lag =
      std::chrono::milliseconds(get_int(j, p, "max_replica_lag_ms", base.max_replica_lag.count(), 0, 86400000));
  std::string fallback = get_string(j, p, "fallback", base.fallback_to_primary ? "primary" : "error");
  if (fallback != "primary" && fallback != "error") fail(join(p, "fallback"), "expected \"primary\" or \"error\"");
  base.fallback_to_primary = fallback == "primary";
  using causal = read_settings::causal;
  std::string mode = get_string(j, p, "causal_reads", "");
  if (mode == "gtid") {
    base.causal_reads = causal::gtid;
  } else if (mode == "primary") {
    base.causal_reads = causal::primary;
  } else if (mode == "off") {
    base.causal_reads = causal::off;
  } else if (!mode.empty()) {
    fail(join(p, "causal_reads"), "expected \"gtid\", \"primary\" or \"off\"");
  }
  base.causal_timeout =
      std::chrono::milliseconds(get_int(j, p, "causal_timeout_ms", base.causal_timeout.count(), 1, 600000));
  base.causal_window =
      std::chrono::milliseconds(get_int(j, p, "causal_window_ms", base.causal_window.count(), 1, 3600000));
  return base;
}

void parse_monitor(const json& root, config& c) {
  if (!root.contains("monitor")) return;
  const json& j = root["monitor"];
  only_keys(j, "monitor",
            {"interval_ms", "timeout_ms", "down_after", "up_after", "heartbeat_table", "user", "password",
             "trigger_refresh_ms"});
  auto& m = c.monitor;
  m.interval = std::chrono::milliseconds(get_int(j, "monitor", "interval_ms", m.interval.count(), 50, 3600000));
  m.timeout = std::chrono::milliseconds(get_int(j, "monitor", "timeout_ms", m.timeout.count(), 10, 600000));
  m.down_after = static_cast<int>(get_int(j, "monitor", "down_after", m.down_after, 1, 1000));
  m.up_after = static_cast<int>(get_int(j, "monitor", "up_after", m.up_after, 1, 1000));
  m.heartbeat_table = get_string(j, "monitor", "heartbeat_table", "");
  m.trigger_refresh = std::chrono::milliseconds(
      get_int(j, "monitor", "trigger_refresh_ms", m.trigger_refresh.count(), 100, 3600000));
  m.user = get_string(j, "monitor", "user", "");
  m.password = get_string(j, "monitor", "password", "");
  const auto& t = m.heartbeat_table;
  auto dot = t.find('.');
  bool plain =
      t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == std::string::npos;
  if (!t.empty() && (dot == std::string::npos || dot == 0 || dot + 1 == t.size() ||
                     t.find('.', dot + 1) != std::string::npos || !plain)) {
    fail("monitor.heartbeat_table", "expected \"database.table\" (letters, digits, _), got \"" + t + "\"");
  }
}

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

void parse_admin(const json& root, config& c) {
  if (!root.contains("admin")) return;
  const json& j = root["admin"];
  only_keys(j, "admin",
            {"enabled", "listen", "token", "token_env", "state_file", "migrations_file", "allowed_hosts",
             "max_connections"});
  auto& a = c.admin;
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) fail("admin.enabled", "expected true or false");
    a.enabled = j["enabled"].get<bool>();
  }
  endpoint listen = parse_address(get_string(j, "admin", "listen", "127.0.0.1:6080"), "admin.listen");
  a.listen_host = listen.host;
  a.listen_port = listen.port;
  a.token = get_string(j, "admin", "token", "");
  a.max_connections = static_cast<int>(get_int(j, "admin", "max_connections", 32, 1, 10000));
  if (j.contains("allowed_hosts")) {
    if (!j["allowed_hosts"].is_array()) fail("admin.allowed_hosts", "expected an array of host names");
    a.allowed_hosts.clear();
    for (const auto& h : j["allowed_hosts"]) {
      if (!h.is_string() || h.get<std::string>().empty()) fail("admin.allowed_hosts", "expected host names");
      a.allowed_hosts.push_back(router::ascii_lower(h.get<std::string>()));
    }
  }
  if (j.contains("state_file")) a.state_file = get_string(j, "admin", "state_file", "");
  if (j.contains("migrations_file")) a.migrations_file = get_string(j, "admin", "migrations_file", "");
  std::string env = get_string(j, "admin", "token_env", "");
  if (!env.empty()) {
    if (!a.token.empty()) fail("admin", "give either token or token_env, not both");
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) fail("admin.token_env", "environment variable " + env + " is not set or empty");
    a.token = v;
  }
  if (a.allowed_hosts.empty()) a.allowed_hosts = {"localhost", "127.0.0.1", "::1", router::ascii_lower(a.listen_host)};
  if (a.enabled && a.token.empty() && !is_loopback(a.listen_host)) {
    fail("admin.token", "required when admin.listen is not a loopback address (" + a.listen_host + ")");
  }
}

void parse_observe(const json& root, config& c) {
  auto& o = c.observe;
  if (root.contains("digests")) {
    only_keys(root["digests"], "digests", {"max_entries"});
    o.digest_max_entries =
        static_cast<std::size_t>(get_int(root["digests"], "digests", "max_entries", 5000, 1, 1000000));
  }
  if (root.contains("slow_log")) {
    const json& j = root["slow_log"];
    only_keys(j, "slow_log", {"file", "threshold_ms", "literals"});
    o.slow_log_file = get_string(j, "slow_log", "file", "");
    o.slow_threshold = std::chrono::milliseconds(get_int(j, "slow_log", "threshold_ms", 1000, 0, 86400000));
    if (j.contains("literals")) {
      if (!j["literals"].is_boolean()) fail("slow_log.literals", "expected true or false");
      o.slow_log_literals = j["literals"].get<bool>();
    }
  }
}

void parse_users(const json& root, config& c) {
  if (!root.contains("users")) fail("users", "missing: at least one client user is required");
  const json& users = root["users"];
  if (!users.is_array() || users.empty()) fail("users", "expected a non-empty array");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < users.size(); ++i) {
    std::string path = "users[" + std::to_string(i) + "]";
    only_keys(users[i], path,
              {"name", "password", "password_hash", "auth_plugin", "require_secure_transport", "local_infile", "admin",
               "max_connections", "max_statement_time_ms", "max_backend_connections"});
    client_user u;
    u.name = get_string(users[i], path, "name", "");
    if (u.name.empty()) fail(join(path, "name"), "missing or empty");
    if (!seen.insert(u.name).second) fail(join(path, "name"), "duplicate user \"" + u.name + "\"");
    config_security::parse_user_auth(users[i], path, u);
    u.max_connections = static_cast<int>(get_int(users[i], path, "max_connections", 0, 0, 1000000));
    u.max_backend_connections =
        static_cast<int>(get_int(users[i], path, "max_backend_connections", 0, 0, 1000000));
    u.max_statement_time =
        std::chrono::milliseconds(get_int(users[i], path, "max_statement_time_ms", 0, 0, 31536000000LL));
    if (users[i].contains("admin")) {
      if (!users[i]["admin"].is_boolean()) fail(join(path, "admin"), "expected true or false");
      u.admin = users[i]["admin"].get<bool>();
    }
    c.users.push_back(std::move(u));
  }
}

void parse_data_sources(const json& root, config& c) {
  const json defaults = root.value("backend_defaults", json::object());
  only_keys(defaults, "backend_defaults", {"user", "password", "pool", "reads", "tls"});
  std::string def_user = get_string(defaults, "backend_defaults", "user", "");
  std::string def_password = get_string(defaults, "backend_defaults", "password", "");
  pool_settings def_pool = parse_pool(defaults, "backend_defaults", {});
  read_settings def_reads = parse_reads(defaults, "backend_defaults", {});
  backend_tls_settings def_tls = config_security::parse_backend_tls(defaults, "backend_defaults", {});

  if (!root.contains("data_sources")) fail("data_sources", "missing");
  const json& sources = root["data_sources"];
  if (!sources.is_object() || sources.empty()) fail("data_sources", "expected a non-empty object of name: {...}");
  for (const auto& [name, v] : sources.items()) {
    std::string path = "data_sources." + name;
    only_keys(v, path, {"primary", "replicas", "user", "password", "pool", "reads", "tls"});
    data_source ds;
    ds.name = name;
    if (!v.contains("primary")) fail(join(path, "primary"), "missing");
    ds.primary = parse_endpoint(v["primary"], join(path, "primary"), false);
    if (v.contains("replicas")) {
      if (!v["replicas"].is_array()) fail(join(path, "replicas"), "expected an array");
      for (std::size_t i = 0; i < v["replicas"].size(); ++i) {
        ds.replicas.push_back(
            parse_endpoint(v["replicas"][i], join(path, "replicas") + "[" + std::to_string(i) + "]", true));
      }
    }
    ds.user = get_string(v, path, "user", def_user);
    ds.password = get_string(v, path, "password", def_password);
    if (ds.user.empty()) fail(join(path, "user"), "missing (set it here or in backend_defaults.user)");
    ds.pool = parse_pool(v, path, def_pool);
    ds.reads = parse_reads(v, path, def_reads);
    ds.tls = config_security::parse_backend_tls(v, path, def_tls);
    std::set<std::string> addresses{ds.primary.text()};
    for (std::size_t i = 0; i < ds.replicas.size(); ++i) {
      if (!addresses.insert(ds.replicas[i].text()).second) {
        fail(join(path, "replicas") + "[" + std::to_string(i) + "]", "duplicate server " + ds.replicas[i].text());
      }
    }
    c.data_sources.emplace(name, std::move(ds));
  }
  c.default_data_source = get_string(root, "", "default_data_source", "");
  if (c.default_data_source.empty()) fail("default_data_source", "missing");
  if (!c.data_sources.count(c.default_data_source)) {
    fail("default_data_source", "no data source named \"" + c.default_data_source + "\"");
  }
}

// "transactions": {"mode", "log_file", "proxy_id", "recovery_interval_ms", "commit_retry_ms"}
void parse_transactions(const json& root, config& c) {
  auto& t = c.transactions;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) std::snprintf(host, sizeof host, "proxy");
  t.proxy_id = std::string(host).substr(0, 16) + "-" + std::to_string(c.listen_port);
  if (!root.contains("transactions")) return;
  const json& j = root["transactions"];
  only_keys(j, "transactions", {"mode", "log_file", "proxy_id", "recovery_interval_ms", "commit_retry_ms"});
  if (j.contains("mode")) {
    auto mode = j["mode"].is_string() ? router::parse_transaction_mode(j["mode"].get<std::string>()) : std::nullopt;
    if (!mode) fail("transactions.mode", "expected \"local\", \"best_effort\" or \"xa\", got " + j["mode"].dump());
    t.mode = *mode;
  }
  t.log_file = get_string(j, "transactions", "log_file", "");
  if (j.contains("proxy_id")) {
    t.proxy_id = get_string(j, "transactions", "proxy_id", "");
    if (t.proxy_id.empty() || t.proxy_id.size() > 24 ||
        t.proxy_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            std::string::npos) {
      fail("transactions.proxy_id", "expected 1 to 24 characters of A-Z a-z 0-9 _ . -");
    }
  }
  t.recovery_interval = std::chrono::milliseconds(get_int(j, "transactions", "recovery_interval_ms", 10000, 100, 86400000));
  t.commit_retry = std::chrono::milliseconds(get_int(j, "transactions", "commit_retry_ms", 5000, 0, 600000));
}

config parse_document(const json& root) {
  only_keys(root, "",
            {"listen", "workers", "max_allowed_packet", "max_client_connections", "handshake_timeout_ms",
             "client_idle_timeout_s", "client_write_timeout_s", "max_statement_time_ms", "shutdown_timeout_ms", "server_version", "log", "users", "backend_defaults",
             "data_sources", "default_data_source", "schemas", "merge", "limits", "monitor", "admin", "digests", "slow_log",
             "tls", "auth", "transactions"});
  config c;
  endpoint listen = parse_address(get_string(root, "", "listen", "127.0.0.1:6033"), "listen");
  c.listen_host = listen.host;
  c.listen_port = listen.port;
  c.workers = static_cast<int>(get_int(root, "", "workers", 0, 0, 256));
  if (c.workers == 0) c.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  c.max_allowed_packet =
      static_cast<std::size_t>(get_int(root, "", "max_allowed_packet", c.max_allowed_packet, 1024, 1ll << 30));
  c.max_client_connections = static_cast<int>(get_int(root, "", "max_client_connections", 10000, 1, 1000000));
  c.handshake_timeout = std::chrono::milliseconds(get_int(root, "", "handshake_timeout_ms", 10000, 1, 3600000));
  c.client_idle_timeout = std::chrono::seconds(get_int(root, "", "client_idle_timeout_s", 28800, 1, 31536000));
  c.client_write_timeout = std::chrono::seconds(get_int(root, "", "client_write_timeout_s", 60, 1, 31536000));
  c.max_statement_time = std::chrono::milliseconds(get_int(root, "", "max_statement_time_ms", 0, 0, 31536000000LL));
  c.shutdown_timeout = std::chrono::milliseconds(get_int(root, "", "shutdown_timeout_ms", 10000, 0, 3600000));
  c.server_version = get_string(root, "", "server_version", "");
  if (root.contains("log")) {
    only_keys(root["log"], "log", {"level"});
    c.log_level = get_string(root["log"], "log", "level", "info");
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.count(c.log_level)) fail("log.level", "expected one of trace|debug|info|warn|error|critical|off");
  }
  if (root.contains("merge")) {
    const json& m = root["merge"];
    only_keys(m, "merge", {"max_connections_per_data_source", "memory_limit_mb"});
    c.merge.max_connections_per_data_source =
        static_cast<int>(get_int(m, "merge", "max_connections_per_data_source", 8, 1, 1024));
    c.merge.memory_limit = static_cast<std::size_t>(get_int(m, "merge", "memory_limit_mb", 64, 1, 1 << 20)) << 20;
  }
  if (root.contains("limits")) {
    const json& l = root["limits"];
    only_keys(l, "limits",
              {"max_memory_mb", "session_memory_mb", "max_long_data_size", "max_prepared_stmt_count",
               "plan_cache_entries", "max_connections_per_address", "max_unauthenticated", "max_connect_errors", "connect_errors_block_s"});
    auto& a = c.limits.connections;
    a.max_per_address = static_cast<int>(get_int(l, "limits", "max_connections_per_address", 0, 0, 1000000));
    a.max_unauthenticated = static_cast<int>(get_int(l, "limits", "max_unauthenticated", 1024, 0, 1000000));
    a.max_connect_errors = static_cast<int>(get_int(l, "limits", "max_connect_errors", 100, 0, 1000000));
    a.block_for = std::chrono::seconds(get_int(l, "limits", "connect_errors_block_s", 300, 1, 86400 * 365));
    c.limits.max_memory = static_cast<std::size_t>(get_int(l, "limits", "max_memory_mb", 2048, 0, 1 << 24)) << 20;
    c.limits.session_memory = static_cast<std::size_t>(get_int(l, "limits", "session_memory_mb", 256, 0, 1 << 24))
                              << 20;
    c.limits.max_long_data_size =
        static_cast<std::size_t>(get_int(l, "limits", "max_long_data_size", 64 << 20, 1024, 1ll << 32));
    c.limits.max_prepared_stmt_count =
        static_cast<int>(get_int(l, "limits", "max_prepared_stmt_count", 16382, 0, 1048576));
    c.limits.plan_cache_entries = static_cast<std::size_t>(get_int(l, "limits", "plan_cache_entries", 1024, 0, 1000000));
  }
  parse_users(root, c);
  config_security::parse_client_tls(root, c);
  parse_data_sources(root, c);
  parse_monitor(root, c);
  parse_admin(root, c);
  parse_observe(root, c);
  parse_transactions(root, c);
  if (root.contains("schemas")) {
    c.schemas_json = root["schemas"].dump();
    std::set<std::string> names;
    for (const auto& [name, _] : c.data_sources) names.insert(name);
    auto rules = router::parse_rules(root["schemas"], names);
    if (!rules) throw bad_key{rules.error()};
    c.rules = std::make_shared<const router::sharding_rules>(std::move(*rules));
  }
  c.schemas_hash = std::hash<std::string>{}(c.schemas_json);
  for (const auto& [schema_name, schema] : c.rules->schemas) {
    c.routed_names.push_back(schema_name);
    for (const auto& [table, _] : schema.tables) c.routed_names.push_back(table);
  }
  return c;
}
}  // namespace

std::optional<node_state> parse_state(std::string_view s) {
  if (s == "online") return node_state::online;
  if (s == "offline_soft") return node_state::offline_soft;
  if (s == "offline_hard") return node_state::offline_hard;
  return std::nullopt;
}

const char* state_name(node_state s) {
  switch (s) {
    case node_state::offline_soft:
      return "offline_soft";
    case node_state::offline_hard:
      return "offline_hard";
    default:
      return "online";
  }
}

std::string parse_server(const json& v, const std::string& path, bool replica, server_spec& out) {
  try {
    out = parse_endpoint(v, path, replica);
    return "";
  } catch (const bad_key& e) {
    return e.message;
  }
}

const client_user* config::find_user(std::string_view name) const {
  for (const auto& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

config_result config_error(std::string message) {
  return config_result(boost::system::in_place_error, std::move(message));
}

config_result parse_config(std::string_view json_text, std::string source_path) {
  json root;
  try {
    root = json::parse(json_text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    return config_error(std::string("config error: not valid JSON: ") + e.what());
  }
  try {
    config c = parse_document(root);
    c.source_path = std::move(source_path);
    std::string base = c.source_path;  // "<dir>/<name>" of "<dir>/<name>.json"
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
    std::string dir = c.source_path.substr(0, c.source_path.rfind('/') == std::string::npos ? 0 : c.source_path.rfind('/') + 1);
    // Files the proxy writes: beside the config file unless given; the decision log and
    // the migrations file given relative are relative to the config file's directory.
    auto place = [&](std::string& path, bool given, const char* suffix, bool relative_to_config) {
      if (!given) {
        if (!base.empty()) path = base + suffix;
      } else if (relative_to_config && !path.empty() && path.front() != '/') {
        path = dir + path;
      }
    };
    const bool admin = root.contains("admin");
    place(c.admin.state_file, admin && root["admin"].contains("state_file"), ".state.json", false);
    place(c.admin.migrations_file, admin && root["admin"].contains("migrations_file"), ".migrations.json", true);
    place(c.transactions.log_file, !c.transactions.log_file.empty(), ".xa.log", true);
    return c;
  } catch (const bad_key& e) {
    return config_error(e.message);
  }
}

config_result load_config(const std::string& path, const config* previous) {
  std::ifstream in(path);
  if (!in) return config_error("config error: cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse_config(ss.str(), path);
  if (!r) return config_error(path + ": " + r.error());
  auto security = load_security(*r, previous ? previous->security.get() : nullptr);
  if (!security) return config_error(path + ": " + security.error());
  r->security = std::move(*security);
  for (auto& [_, ds] : r->data_sources) ds.security = r->security;
  return r;
}

}  // namespace shardwire::proxy
