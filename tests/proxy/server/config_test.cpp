// proxy/config: the JSON configuration loader and its error messages.
#include "proxy/server/config.hpp"
#include "proxy/net/tls_context.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

using namespace shardwire::proxy;
using json = nlohmann::json;
namespace protocol = shardwire::protocol;

namespace {
json minimal() {
  return json::parse(R"({
    "users": [ { "name": "app", "password": "app" } ],
    "backend_defaults": { "user": "app", "password": "app" },
    "data_sources": { "ds0": { "primary": "127.0.0.1:3307" } },
    "default_data_source": "ds0"
  })");
}

config parse_ok(const json& j) {
  auto r = parse_config(j.dump());
  INFO(j.dump());
  if (!r) FAIL(r.error());
  return *r;
}

bool verifies(const client_user& u, std::string_view password) {
  auto scramble = protocol::make_scramble();
  return protocol::verify_native_token(protocol::native_password_token(password, scramble), scramble, u.password_hash);
}
}  // namespace

TEST_CASE("conf/demo.json parses", "[config]") {
  const std::string path = SHARDWIRE_SOURCE_DIR "/conf/demo.json";
  // Parsed, not loaded: its TLS files exist once `make demo` made the cluster.
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto r = parse_config(text.str(), path);
  if (!r) FAIL(r.error());
  const config& c = *r;
  CHECK(c.source_path == path);
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 6033);
  CHECK(c.workers >= 1);  // 0 means one per core
  CHECK(c.max_allowed_packet == 64u << 20);
  CHECK(c.max_client_connections == 10000);
  CHECK(c.handshake_timeout == std::chrono::milliseconds(10000));
  CHECK(c.client_idle_timeout == std::chrono::seconds(28800));
  CHECK(c.shutdown_timeout == std::chrono::milliseconds(10000));
  CHECK(c.log_level == "info");

  REQUIRE(c.users.size() == 3);
  REQUIRE(c.find_user("app") != nullptr);
  CHECK(verifies(*c.find_user("app"), "app"));
  CHECK_FALSE(verifies(*c.find_user("app"), "wrong"));
  const client_user* reporter = c.find_user("reporter");
  REQUIRE(reporter != nullptr);
  CHECK(reporter->password_hash == protocol::parse_native_hash("*440A4144031E98FC94077B04662B57891640C0AB"));
  CHECK(c.find_user("nobody") == nullptr);

  REQUIRE(c.data_sources.size() == 2);
  const data_source& ds0 = c.data_sources.at("ds0");
  CHECK(ds0.name == "ds0");
  CHECK(ds0.primary.text() == "127.0.0.1:3307");
  REQUIRE(ds0.replicas.size() == 1);
  CHECK(ds0.replicas[0].text() == "127.0.0.1:3308");
  CHECK(ds0.replicas[0].weight == 1);
  CHECK(ds0.user == "app");
  CHECK(ds0.password == "app");
  CHECK(ds0.pool.max_connections == 256);
  CHECK(ds0.pool.connect_timeout == std::chrono::milliseconds(3000));
  CHECK(ds0.pool.idle_timeout == std::chrono::seconds(60));
  CHECK(c.data_sources.at("ds1").primary.port == 3309);
  CHECK(c.default_data_source == "ds0");
  CHECK(c.default_source().name == "ds0");
}

TEST_CASE("defaults are applied", "[config]") {
  config c = parse_ok(minimal());
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 6033);
  CHECK(c.workers == static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  CHECK(c.max_allowed_packet == 64u << 20);
  CHECK(c.max_client_connections == 10000);
  CHECK(c.handshake_timeout == std::chrono::milliseconds(10000));
  CHECK(c.client_idle_timeout == std::chrono::seconds(28800));
  CHECK(c.shutdown_timeout == std::chrono::milliseconds(10000));
  CHECK(c.server_version.empty());
  CHECK(c.log_level == "info");
  const data_source& ds = c.default_source();
  CHECK(ds.replicas.empty());
  CHECK(ds.primary.weight == 1);
  CHECK(ds.pool.max_connections == 256);
  CHECK(ds.pool.connect_timeout == std::chrono::milliseconds(3000));
  CHECK(ds.pool.idle_timeout == std::chrono::seconds(60));
  CHECK(c.merge.max_connections_per_data_source == 8);
  CHECK(c.merge.memory_limit == std::size_t{64} << 20);
}

TEST_CASE("observability and state file settings", "[config]") {
  config d = parse_ok(minimal());
  CHECK(d.observe.digest_max_entries == 5000);
  CHECK(d.observe.slow_log_file.empty());
  CHECK(d.admin.state_file.empty());  // parsed from text: no file to put it beside
  // The demo's certificates exist once its cluster ran: parse it as the file would load.
  std::ifstream demo(SHARDWIRE_SOURCE_DIR "/conf/demo.json");
  std::stringstream text;
  text << demo.rdbuf();
  auto loaded = parse_config(text.str(), SHARDWIRE_SOURCE_DIR "/conf/demo.json");
  REQUIRE(loaded.has_value());
  CHECK(loaded->admin.state_file == SHARDWIRE_SOURCE_DIR "/conf/demo.state.json");
  // Given relative: relative to the config file's directory (the demo keeps it in var/).
  CHECK(loaded->admin.migrations_file == SHARDWIRE_SOURCE_DIR "/conf/../var/shardwire-migrations.json");
  CHECK(d.admin.migrations_file.empty());
  json m = minimal();
  m["admin"] = {{"migrations_file", "/var/lib/shardwire/migrations.json"}};
  CHECK(parse_config(m.dump(), "/etc/shardwire/shardwire.json")->admin.migrations_file ==
        "/var/lib/shardwire/migrations.json");
  CHECK(parse_config(minimal().dump(), "/etc/shardwire/shardwire.json")->admin.migrations_file ==
        "/etc/shardwire/shardwire.migrations.json");
  CHECK(loaded->tls.enabled());
  CHECK(loaded->find_user("sha2")->plugin == auth_plugin::caching_sha2_password);

  json j = minimal();
  j["slow_log"] = {{"file", "/tmp/slow.log"}, {"threshold_ms", 250}, {"literals", true}};
  j["digests"] = {{"max_entries", 10}};
  j["admin"] = {{"state_file", "/var/lib/shardwire/state.json"}};
  j["data_sources"]["ds0"]["replicas"] = json::parse(
      R"([{"address": "127.0.0.1:3308", "max_replica_lag_ms": 200, "state": "offline_soft"}, "127.0.0.1:3309"])");
  config c = parse_ok(j);
  CHECK(c.observe.slow_log_file == "/tmp/slow.log");
  CHECK(c.observe.slow_threshold == std::chrono::milliseconds(250));
  CHECK(c.observe.slow_log_literals);
  CHECK(c.observe.digest_max_entries == 10);
  CHECK(c.admin.state_file == "/var/lib/shardwire/state.json");
  const auto& r = c.default_source().replicas;
  REQUIRE(r.size() == 2);
  CHECK(r[0].max_replica_lag_ms == 200);
  CHECK(r[0].state == node_state::offline_soft);
  CHECK(r[1].max_replica_lag_ms == -1);
  CHECK(r[1].state == node_state::online);

  auto fails = [](json bad, const std::string& message) {
    auto res = parse_config(bad.dump());
    REQUIRE_FALSE(res.has_value());
    CHECK(res.error() == message);
  };
  json b = minimal();
  b["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": "127.0.0.1:3308", "state": "down"}])");
  fails(b,
        "config error at \"data_sources.ds0.replicas[0].state\": expected \"online\", \"offline_soft\" or "
        "\"offline_hard\", got \"down\"");
  b = minimal();
  b["data_sources"]["ds0"]["primary"] = json::parse(R"({"address": "127.0.0.1:3307", "state": "offline_soft"})");
  fails(b, "config error at \"data_sources.ds0.primary.state\": unknown key");
  b = minimal();
  b["slow_log"] = {{"threshold_ms", -1}};
  fails(b, "config error at \"slow_log.threshold_ms\": expected an integer in 0..86400000, got -1");
}

TEST_CASE("merge settings", "[config]") {
  json j = minimal();
  j["merge"] = {{"max_connections_per_data_source", 2}, {"memory_limit_mb", 5}};
  config c = parse_ok(j);
  CHECK(c.merge.max_connections_per_data_source == 2);
  CHECK(c.merge.memory_limit == std::size_t{5} << 20);
}

TEST_CASE("explicit settings are taken", "[config]") {
  json j = minimal();
  j["listen"] = "0.0.0.0:3306";
  j["workers"] = 4;
  j["max_allowed_packet"] = 1024;
  j["shutdown_timeout_ms"] = 0;
  j["server_version"] = "10.11.19-MariaDB";
  j["log"] = {{"level", "debug"}};
  j["data_sources"]["ds0"]["replicas"] = json::parse(R"(["127.0.0.1:3308", {"address": "h2:3309", "weight": 0}])");
  config c = parse_ok(j);
  CHECK(c.listen_host == "0.0.0.0");
  CHECK(c.listen_port == 3306);
  CHECK(c.workers == 4);
  CHECK(c.max_allowed_packet == 1024);
  CHECK(c.shutdown_timeout.count() == 0);
  CHECK(c.server_version == "10.11.19-MariaDB");
  CHECK(c.log_level == "debug");
  const auto& replicas = c.default_source().replicas;
  REQUIRE(replicas.size() == 2);
  CHECK(replicas[0].text() == "127.0.0.1:3308");
  CHECK(replicas[0].weight == 1);
  CHECK(replicas[1].host == "h2");
  CHECK(replicas[1].weight == 0);
}

TEST_CASE("client passwords are stored as hashes", "[config]") {
  json j = minimal();
  j["users"] = json::parse(R"([
    { "name": "app", "password": "app" },
    { "name": "hashed", "password_hash": "*14e65567abdb5135d0cfd9a70b3032c179a49ee7" },
    { "name": "open", "password": "" },
    { "name": "bare" }
  ])");
  config c = parse_ok(j);
  const client_user* app = c.find_user("app");
  REQUIRE(app != nullptr);
  REQUIRE(app->password_hash.has_value());
  CHECK(app->password_hash == protocol::parse_native_hash(protocol::native_password_hash("app")));
  CHECK(verifies(*app, "app"));
  CHECK_FALSE(verifies(*app, ""));
  CHECK(verifies(*c.find_user("hashed"), "secret"));
  // An empty or absent password means "no password": only an empty token passes.
  for (const char* name : {"open", "bare"}) {
    INFO(name);
    CHECK_FALSE(c.find_user(name)->password_hash.has_value());
    CHECK(verifies(*c.find_user(name), ""));
    CHECK_FALSE(verifies(*c.find_user(name), "x"));
  }
}

TEST_CASE("backend_defaults are inherited and overridden per source", "[config]") {
  json j = minimal();
  j["backend_defaults"] = json::parse(R"({
    "user": "svc", "password": "pw", "pool": { "max_connections": 10, "connect_timeout_ms": 500 } })");
  j["data_sources"] = json::parse(R"({
    "ds0": { "primary": "127.0.0.1:3307" },
    "ds1": { "primary": "127.0.0.1:3309", "user": "other", "password": "",
             "pool": { "max_connections": 20, "idle_timeout_s": 5 } } })");
  config c = parse_ok(j);
  const data_source& ds0 = c.data_sources.at("ds0");
  CHECK(ds0.user == "svc");
  CHECK(ds0.password == "pw");
  CHECK(ds0.pool.max_connections == 10);
  CHECK(ds0.pool.connect_timeout == std::chrono::milliseconds(500));
  CHECK(ds0.pool.idle_timeout == std::chrono::seconds(60));
  const data_source& ds1 = c.data_sources.at("ds1");
  CHECK(ds1.user == "other");
  CHECK(ds1.password.empty());
  CHECK(ds1.pool.max_connections == 20);
  CHECK(ds1.pool.connect_timeout == std::chrono::milliseconds(500));  // from the defaults
  CHECK(ds1.pool.idle_timeout == std::chrono::seconds(5));

  json no_defaults = minimal();
  no_defaults.erase("backend_defaults");
  no_defaults["data_sources"]["ds0"]["user"] = "u";
  config d = parse_ok(no_defaults);
  CHECK(d.default_source().user == "u");
  CHECK(d.default_source().password.empty());
}

TEST_CASE("comments are allowed", "[config]") {
  auto r = parse_config(R"({
    // client accounts
    "users": [ { "name": "app" } ],
    /* one shard */ "data_sources": { "ds0": { "primary": "h:1", "user": "u" } },
    "default_data_source": "ds0"
  })");
  CHECK(r.has_value());
}

TEST_CASE("bad configs name the offending key", "[config]") {
  struct row {
    const char* what;
    std::function<void(json&)> mutate;
    const char* key;  // the error must say: config error at "<key>"
  };
  const row rows[] = {
      {"top level not an object", [](json& j) { j = json::array(); }, "(top level)"},
      {"unknown top-level key", [](json& j) { j["bogus"] = 1; }, "bogus"},
      {"unknown merge key",
       [](json& j) {
         j["merge"] = {{"buffer", 1}};
       },
       "merge.buffer"},
      {"merge connections 0",
       [](json& j) {
         j["merge"] = {{"max_connections_per_data_source", 0}};
       },
       "merge.max_connections_per_data_source"},
      {"merge memory not a number",
       [](json& j) {
         j["merge"] = {{"memory_limit_mb", "64"}};
       },
       "merge.memory_limit_mb"},
      {"users missing", [](json& j) { j.erase("users"); }, "users"},
      {"users empty", [](json& j) { j["users"] = json::array(); }, "users"},
      {"users not an array", [](json& j) { j["users"] = json::object(); }, "users"},
      {"user not an object", [](json& j) { j["users"][0] = "app"; }, "users[0]"},
      {"user name missing", [](json& j) { j["users"][0].erase("name"); }, "users[0].name"},
      {"user name empty", [](json& j) { j["users"][0]["name"] = ""; }, "users[0].name"},
      {"user name not a string", [](json& j) { j["users"][0]["name"] = 7; }, "users[0].name"},
      {"duplicate user",
       [](json& j) {
         j["users"].push_back({{"name", "app"}});
       },
       "users[1].name"},
      {"unknown user key", [](json& j) { j["users"][0]["pw"] = "x"; }, "users[0].pw"},
      {"password and password_hash",
       [](json& j) { j["users"][0]["password_hash"] = "*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3"; }, "users[0]"},
      {"bad hash",
       [](json& j) {
         j["users"][0] = {{"name", "a"}, {"password_hash", "*XYZ"}};
       },
       "users[0].password_hash"},
      {"hash without '*'",
       [](json& j) {
         j["users"][0] = {{"name", "a"}, {"password_hash", "5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3"}};
       },
       "users[0].password_hash"},
      {"password not a string", [](json& j) { j["users"][0]["password"] = 123; }, "users[0].password"},
      {"data_sources missing", [](json& j) { j.erase("data_sources"); }, "data_sources"},
      {"data_sources empty", [](json& j) { j["data_sources"] = json::object(); }, "data_sources"},
      {"data_sources an array", [](json& j) { j["data_sources"] = json::array({1}); }, "data_sources"},
      {"data source not an object", [](json& j) { j["data_sources"]["ds0"] = "127.0.0.1:3307"; }, "data_sources.ds0"},
      {"unknown data source key", [](json& j) { j["data_sources"]["ds0"]["replica"] = json::array(); },
       "data_sources.ds0.replica"},
      {"primary missing", [](json& j) { j["data_sources"]["ds0"].erase("primary"); }, "data_sources.ds0.primary"},
      {"primary without port", [](json& j) { j["data_sources"]["ds0"]["primary"] = "localhost"; },
       "data_sources.ds0.primary"},
      {"primary without host", [](json& j) { j["data_sources"]["ds0"]["primary"] = ":3306"; },
       "data_sources.ds0.primary"},
      {"primary empty port", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:"; }, "data_sources.ds0.primary"},
      {"port 0", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:0"; }, "data_sources.ds0.primary"},
      {"port 70000", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:70000"; }, "data_sources.ds0.primary"},
      {"port abc", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:abc"; }, "data_sources.ds0.primary"},
      {"port -1", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:-1"; }, "data_sources.ds0.primary"},
      {"port with 6 digits", [](json& j) { j["data_sources"]["ds0"]["primary"] = "h:003306"; },
       "data_sources.ds0.primary"},
      {"primary a number", [](json& j) { j["data_sources"]["ds0"]["primary"] = 3306; }, "data_sources.ds0.primary"},
      {"replicas not an array", [](json& j) { j["data_sources"]["ds0"]["replicas"] = "h:1"; },
       "data_sources.ds0.replicas"},
      {"replica missing address",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"weight": 1}])"); },
       "data_sources.ds0.replicas[0].address"},
      {"replica bad address", [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"(["h:1", "h"])"); },
       "data_sources.ds0.replicas[1]"},
      {"replica address not a string",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": 1}])"); },
       "data_sources.ds0.replicas[0].address"},
      {"weight negative",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": "h:1", "weight": -1}])"); },
       "data_sources.ds0.replicas[0].weight"},
      {"weight a string",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": "h:1", "weight": "2"}])"); },
       "data_sources.ds0.replicas[0].weight"},
      {"weight fractional",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": "h:1", "weight": 1.5}])"); },
       "data_sources.ds0.replicas[0].weight"},
      {"unknown replica key",
       [](json& j) { j["data_sources"]["ds0"]["replicas"] = json::parse(R"([{"address": "h:1", "wieght": 1}])"); },
       "data_sources.ds0.replicas[0].wieght"},
      {"backend user missing everywhere", [](json& j) { j.erase("backend_defaults"); }, "data_sources.ds0.user"},
      {"backend_defaults not an object", [](json& j) { j["backend_defaults"] = "app"; }, "backend_defaults"},
      {"unknown backend_defaults key", [](json& j) { j["backend_defaults"]["host"] = "h"; }, "backend_defaults.host"},
      {"backend_defaults.user not a string", [](json& j) { j["backend_defaults"]["user"] = 1; },
       "backend_defaults.user"},
      {"default pool.max_connections 0",
       [](json& j) {
         j["backend_defaults"]["pool"] = {{"max_connections", 0}};
       },
       "backend_defaults.pool.max_connections"},
      {"pool.max_connections 0",
       [](json& j) {
         j["data_sources"]["ds0"]["pool"] = {{"max_connections", 0}};
       },
       "data_sources.ds0.pool.max_connections"},
      {"pool.connect_timeout_ms 0",
       [](json& j) {
         j["data_sources"]["ds0"]["pool"] = {{"connect_timeout_ms", 0}};
       },
       "data_sources.ds0.pool.connect_timeout_ms"},
      {"unknown pool key",
       [](json& j) {
         j["data_sources"]["ds0"]["pool"] = {{"max", 1}};
       },
       "data_sources.ds0.pool.max"},
      {"pool not an object", [](json& j) { j["data_sources"]["ds0"]["pool"] = 5; }, "data_sources.ds0.pool"},
      {"default_data_source unknown", [](json& j) { j["default_data_source"] = "ds9"; }, "default_data_source"},
      {"default_data_source missing", [](json& j) { j.erase("default_data_source"); }, "default_data_source"},
      {"default_data_source not a string", [](json& j) { j["default_data_source"] = 0; }, "default_data_source"},
      {"log.level invalid",
       [](json& j) {
         j["log"] = {{"level", "verbose"}};
       },
       "log.level"},
      {"log.level not a string",
       [](json& j) {
         j["log"] = {{"level", 3}};
       },
       "log.level"},
      {"unknown log key",
       [](json& j) {
         j["log"] = {{"file", "x"}};
       },
       "log.file"},
      {"log not an object", [](json& j) { j["log"] = "info"; }, "log"},
      {"workers -1", [](json& j) { j["workers"] = -1; }, "workers"},
      {"workers 257", [](json& j) { j["workers"] = 257; }, "workers"},
      {"workers a string", [](json& j) { j["workers"] = "4"; }, "workers"},
      {"workers fractional", [](json& j) { j["workers"] = 2.5; }, "workers"},
      {"workers huge unsigned", [](json& j) { j["workers"] = 18446744073709551615ull; }, "workers"},
      {"listen not an address", [](json& j) { j["listen"] = "6033"; }, "listen"},
      {"listen a number", [](json& j) { j["listen"] = 6033; }, "listen"},
      {"max_allowed_packet too small", [](json& j) { j["max_allowed_packet"] = 100; }, "max_allowed_packet"},
      {"max_client_connections 0", [](json& j) { j["max_client_connections"] = 0; }, "max_client_connections"},
      {"handshake_timeout_ms 0", [](json& j) { j["handshake_timeout_ms"] = 0; }, "handshake_timeout_ms"},
      {"server_version not a string", [](json& j) { j["server_version"] = 10; }, "server_version"},
  };
  for (const auto& row : rows) {
    json j = minimal();
    row.mutate(j);
    INFO(row.what << ": " << j.dump());
    auto r = parse_config(j.dump());
    REQUIRE_FALSE(r.has_value());
    INFO("error: " << r.error());
    CHECK(r.error().rfind("config error at \"" + std::string(row.key) + "\": ", 0) == 0);
  }
}

TEST_CASE("not JSON", "[config]") {
  for (const char* text : {"", "{", "{\"users\": [}", "users = app", "{\"a\": 1,}"}) {
    INFO(text);
    auto r = parse_config(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rfind("config error: not valid JSON: ", 0) == 0);
  }
}

TEST_CASE("load_config reports the file", "[config]") {
  auto missing = load_config("/nonexistent/shardwire.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error() == "config error: cannot read \"/nonexistent/shardwire.json\"");

  auto path =
      std::filesystem::temp_directory_path() /
      ("shardwire_config_test_" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())) + ".json");
  {
    std::ofstream out(path);
    json j = minimal();
    j["workers"] = 1000;
    out << j.dump(2);
  }
  auto bad = load_config(path.string());
  std::filesystem::remove(path);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().rfind(path.string() + ": config error at \"workers\": ", 0) == 0);
}

TEST_CASE("TLS and authentication settings", "[config][tls]") {
  json j = minimal();
  j["tls"] = {{"cert_file", "certs/server.pem"}, {"key_file", "certs/server-key.pem"}, {"min_version", "TLSv1.3"},
              {"require_secure_transport", true}};
  j["auth"] = {{"rsa_private_key_file", "/etc/shardwire/rsa.pem"}};
  j["users"].push_back({{"name", "s"}, {"password", "pw"}, {"auth_plugin", "caching_sha2_password"},
                        {"require_secure_transport", true}});
  j["users"].push_back({{"name", "h"}, {"password_hash", "$A$005$" + std::string(20, 'x') + std::string(43, 'A')}});
  j["users"].push_back({{"name", "n"}, {"auth_plugin", "caching_sha2_password"}});
  j["backend_defaults"]["tls"] = {{"mode", "verify_ca"}, {"ca_file", "/ca.pem"}};
  j["data_sources"]["ds1"] = {{"primary", "127.0.0.1:3309"},
                              {"tls", {{"mode", "verify_identity"}, {"server_name", "db1.internal"}}}};
  config c = parse_ok(j);
  CHECK(c.tls.enabled());
  CHECK(c.tls.min_version == "TLSv1.3");
  CHECK(c.tls.require_secure_transport);
  CHECK(c.rsa_private_key_file == "/etc/shardwire/rsa.pem");
  CHECK(c.find_user("app")->plugin == auth_plugin::mysql_native_password);
  const client_user* s = c.find_user("s");
  CHECK(s->plugin == auth_plugin::caching_sha2_password);
  CHECK(s->sha2_fast == protocol::sha2_double_hash("pw"));
  CHECK_FALSE(s->password_hash);  // no native hash: the user logs in with caching_sha2 only
  CHECK(s->require_secure_transport);
  const client_user* h = c.find_user("h");
  CHECK(h->plugin == auth_plugin::caching_sha2_password);  // told by the hash's form
  REQUIRE(h->sha2_stored);
  CHECK(h->sha2_stored->salt == std::string(20, 'x'));
  CHECK_FALSE(h->sha2_fast);
  const client_user* n = c.find_user("n");
  CHECK_FALSE(n->sha2_fast);
  CHECK_FALSE(n->sha2_stored);
  using mode = backend_tls_settings::tls_mode;
  CHECK(c.data_sources.at("ds0").tls.mode == mode::verify_ca);
  CHECK(c.data_sources.at("ds0").tls.ca_file == "/ca.pem");
  CHECK(c.data_sources.at("ds1").tls.mode == mode::verify_identity);
  CHECK(c.data_sources.at("ds1").tls.ca_file == "/ca.pem");  // inherited
  CHECK(c.data_sources.at("ds1").tls.server_name == "db1.internal");
  CHECK(c.security == nullptr);  // parse_config reads no files

  struct row {
    std::function<void(json&)> mutate;
    const char* key;
  };
  const row rows[] = {
      {[](json& x) { x["tls"] = {{"cert_file", "a.pem"}}; }, "tls"},
      {[](json& x) { x["tls"] = {{"cert_file", "a"}, {"key_file", "b"}, {"min_version", "TLSv1.1"}}; }, "tls.min_version"},
      {[](json& x) { x["tls"] = {{"require_secure_transport", true}}; }, "tls.require_secure_transport"},
      {[](json& x) { x["tls"] = {{"ciphers", "x"}}; }, "tls.ciphers"},
      {[](json& x) { x["users"][0]["auth_plugin"] = "ed25519"; }, "users[0].auth_plugin"},
      {[](json& x) { x["users"][0] = {{"name", "a"}, {"password_hash", "$A$005$short"}}; }, "users[0].password_hash"},
      {[](json& x) {
         x["users"][0] = {{"name", "a"}, {"password_hash", "*440A4144031E98FC94077B04662B57891640C0AB"},
                          {"auth_plugin", "caching_sha2_password"}};
       },
       "users[0].password_hash"},
      {[](json& x) { x["users"][0]["require_secure_transport"] = "yes"; }, "users[0].require_secure_transport"},
      {[](json& x) { x["backend_defaults"]["tls"] = {{"mode", "preferred"}}; }, "backend_defaults.tls.mode"},
      {[](json& x) { x["data_sources"]["ds0"]["tls"] = {{"cert_file", "c.pem"}}; }, "data_sources.ds0.tls"},
  };
  for (const auto& r : rows) {
    json bad = minimal();
    r.mutate(bad);
    auto res = parse_config(bad.dump());
    INFO(bad.dump());
    REQUIRE_FALSE(res.has_value());
    CHECK(res.error().rfind(std::string("config error at \"") + r.key + "\"", 0) == 0);
  }
}

TEST_CASE("load_config reads the TLS files, relative to the config", "[config][tls]") {
  auto dir = std::filesystem::temp_directory_path() /
             ("shardwire_tls_test_" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  std::filesystem::create_directories(dir);
  auto path = (dir / "shardwire.json").string();
  json j = minimal();
  j["tls"] = {{"cert_file", "missing-cert.pem"}, {"key_file", "missing-key.pem"}};
  {
    std::ofstream out(path);
    out << j.dump();
  }
  auto r = load_config(path);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("tls.cert_file \"" + (dir / "missing-cert.pem").string() + "\"") != std::string::npos);
  // Without TLS files: loads, with an RSA key made for caching_sha2_password.
  {
    std::ofstream out(path);
    out << minimal().dump();
  }
  auto ok = load_config(path);
  if (!ok) FAIL(ok.error());
  REQUIRE(ok->security != nullptr);
  CHECK(ok->security->server == nullptr);
  REQUIRE(ok->security->rsa != nullptr);
  CHECK(ok->security->rsa_generated);
  auto again = load_config(path, &*ok);  // a reload keeps the generated key
  if (!again) FAIL(again.error());
  CHECK(again->security->rsa == ok->security->rsa);
  std::filesystem::remove_all(dir);
}

TEST_CASE("IPv6 addresses are written in brackets", "[config]") {
  json j = minimal();
  j["listen"] = "[::1]:6033";
  j["data_sources"]["ds0"]["primary"] = "[::1]:3307";
  config c = parse_ok(j);
  CHECK(c.listen_host == "::1");
  CHECK(c.listen_port == 6033);
  CHECK(c.default_source().primary.host == "::1");
  CHECK(c.default_source().primary.port == 3307);
}

TEST_CASE("users may be admins (every session in SHOW PROCESSLIST)", "[config]") {
  auto j = minimal();
  j["users"].push_back({{"name", "ops"}, {"password", "x"}, {"admin", true}});
  auto c = parse_ok(j);
  REQUIRE(c.find_user("ops"));
  CHECK(c.find_user("ops")->admin);
  CHECK_FALSE(c.find_user("app")->admin);
  j["users"][1]["admin"] = "yes";
  auto r = parse_config(j.dump());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().find("admin") != std::string::npos);
}
