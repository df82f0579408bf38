// The "transactions" section of the config (docs/transactions.md).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "proxy/server/config.hpp"

using namespace shardwire::proxy;
using json = nlohmann::json;

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
}  // namespace

TEST_CASE("transactions settings", "[config][xa]") {
  using shardwire::router::transaction_mode;
  config d = parse_ok(minimal());
  CHECK(d.transactions.mode == transaction_mode::best_effort);
  CHECK(d.transactions.log_file.empty());  // parsed from text: no file to put it beside
  CHECK(d.transactions.recovery_interval == std::chrono::milliseconds(10000));
  CHECK(d.transactions.commit_retry == std::chrono::milliseconds(5000));
  // Default proxy id: the host name (at most 16 bytes) and the listen port.
  INFO("default proxy_id: " << d.transactions.proxy_id);
  CHECK(d.transactions.proxy_id.ends_with("-6033"));
  CHECK(d.transactions.proxy_id.size() <= 22);
  CHECK(d.transactions.proxy_id.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos);

  json j = minimal();
  j["transactions"] = {{"mode", "xa"},
                       {"log_file", "/var/lib/shardwire/xa.log"},
                       {"proxy_id", "edge-1.a_B"},
                       {"recovery_interval_ms", 500},
                       {"commit_retry_ms", 0}};
  config c = parse_ok(j);
  CHECK(c.transactions.mode == transaction_mode::xa);
  CHECK(c.transactions.log_file == "/var/lib/shardwire/xa.log");
  CHECK(c.transactions.proxy_id == "edge-1.a_B");
  CHECK(c.transactions.recovery_interval == std::chrono::milliseconds(500));
  CHECK(c.transactions.commit_retry == std::chrono::milliseconds(0));
  j["transactions"] = {{"mode", "Local"}, {"proxy_id", std::string(24, 'p')}};
  c = parse_ok(j);
  CHECK(c.transactions.mode == transaction_mode::local);
  CHECK(c.transactions.proxy_id == std::string(24, 'p'));

  struct row {
    const char* what;
    json transactions;
    const char* key;
  };
  for (const auto& r : {
           row{"not an object", json(1), "transactions"},
           row{"unknown key", {{"modes", "xa"}}, "transactions.modes"},
           row{"unknown mode", {{"mode", "bogus"}}, "transactions.mode"},
           row{"mode not a string", {{"mode", 1}}, "transactions.mode"},
           row{"proxy_id with a space", {{"proxy_id", "a b"}}, "transactions.proxy_id"},
           row{"proxy_id with a colon", {{"proxy_id", "a:b"}}, "transactions.proxy_id"},
           row{"proxy_id with a quote", {{"proxy_id", "a'b"}}, "transactions.proxy_id"},
           row{"proxy_id of 25 characters", {{"proxy_id", std::string(25, 'p')}}, "transactions.proxy_id"},
           row{"empty proxy_id", {{"proxy_id", ""}}, "transactions.proxy_id"},
           row{"log_file not a string", {{"log_file", 5}}, "transactions.log_file"},
           row{"recovery_interval_ms too small", {{"recovery_interval_ms", 99}}, "transactions.recovery_interval_ms"},
           row{"commit_retry_ms negative", {{"commit_retry_ms", -1}}, "transactions.commit_retry_ms"},
       }) {
    json bad = minimal();
    bad["transactions"] = r.transactions;
    INFO(r.what << ": " << bad.dump());
    auto res = parse_config(bad.dump());
    REQUIRE_FALSE(res.has_value());
    INFO("error: " << res.error());
    CHECK(res.error().rfind("config error at \"" + std::string(r.key) + "\": ", 0) == 0);
  }
  json bad = minimal();
  bad["transactions"] = {{"proxy_id", "a b"}};
  auto res = parse_config(bad.dump());
  REQUIRE_FALSE(res.has_value());
  CHECK_THAT(res.error(), Catch::EndsWith("expected 1 to 24 characters of A-Z a-z 0-9 _ . -"));
}

TEST_CASE("the XA decision log lives next to the config file", "[config][xa]") {
  auto log_file = [](const json& transactions, const std::string& source_path) {
    json j = minimal();
    if (!transactions.is_null()) j["transactions"] = transactions;
    auto r = parse_config(j.dump(), source_path);
    if (!r) FAIL(r.error());
    return r->transactions.log_file;
  };
  CHECK(log_file(nullptr, "/etc/shardwire/main.json") == "/etc/shardwire/main.xa.log");
  CHECK(log_file(nullptr, "/etc/shardwire/main.conf") == "/etc/shardwire/main.conf.xa.log");
  CHECK(log_file(nullptr, "main.json") == "main.xa.log");
  CHECK(log_file(nullptr, "") == "");
  CHECK(log_file({{"log_file", "xa/decisions.log"}}, "/etc/shardwire/main.json") == "/etc/shardwire/xa/decisions.log");
  CHECK(log_file({{"log_file", "decisions.log"}}, "conf/main.json") == "conf/decisions.log");
  CHECK(log_file({{"log_file", "decisions.log"}}, "main.json") == "decisions.log");
  CHECK(log_file({{"log_file", "/data/xa.log"}}, "/etc/shardwire/main.json") == "/data/xa.log");
}
