// proxy/state_file: the topology the admin API changed, kept across restarts.
#include "proxy/cluster/state_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace shardwire::proxy;

namespace {
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("shardwire-" + std::to_string(::getpid()) + "-" + name)).string();
}
}  // namespace

TEST_CASE("the state file round-trips groups and is replaced atomically", "[state_file]") {
  std::string path = temp_path("state.json");
  std::filesystem::remove(path);
  auto empty = read_state(path);
  REQUIRE(empty.has_value());
  CHECK(empty->empty());  // no file yet: nothing saved

  saved_topology st;
  group_spec g;
  g.primary = server_spec{"127.0.0.1", 3308};
  g.replicas = {server_spec{"127.0.0.1", 3307, 2}, server_spec{"db-3", 3306, 1, 250, node_state::offline_soft}};
  st["ds0"] = {"fp-0", g};
  REQUIRE(write_state(path, st) == "");
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  auto back = read_state(path);
  REQUIRE(back.has_value());
  REQUIRE(back->count("ds0"));
  const saved_group& s = back->at("ds0");
  CHECK(s.config_fingerprint == "fp-0");
  CHECK(s.servers.primary == g.primary);
  CHECK(s.servers.replicas == g.replicas);

  std::ofstream(path) << "{\"version\": 1, \"groups\": {\"ds0\": {\"config\": \"x\", \"primary\": \"nohost\"}}}";
  auto bad = read_state(path);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("state file " + path) == 0);
  std::ofstream(path) << "not json";
  CHECK_FALSE(read_state(path).has_value());
  std::filesystem::remove(path);
}

TEST_CASE("fingerprints tell when the config's description of a group changed", "[state_file]") {
  data_source a;
  a.name = "ds0";
  a.primary = server_spec{"127.0.0.1", 3307};
  a.replicas = {server_spec{"127.0.0.1", 3308}};
  data_source b = a;
  CHECK(fingerprint(a) == fingerprint(b));
  b.replicas[0].weight = 2;
  CHECK(fingerprint(a) != fingerprint(b));
  b = a;
  b.reads.max_replica_lag = std::chrono::milliseconds(5);  // not part of the servers
  CHECK(fingerprint(a) == fingerprint(b));
  CHECK(write_state("/nonexistent-dir/x/state.json", {}).find("cannot write") == 0);
}
