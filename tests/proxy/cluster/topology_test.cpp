// proxy/topology: replica choice by health, lag and weight; GTID comparison; promotion;
// the reads/monitor config that drives them.
#include "proxy/cluster/topology.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

using namespace shardwire::proxy;
using json = nlohmann::json;

namespace {
config two_replicas(const std::string& reads = "{}") {
  auto j = json::parse(R"({
    "users": [ { "name": "app", "password": "app" } ],
    "backend_defaults": { "user": "app", "password": "app" },
    "data_sources": { "ds0": { "primary": "127.0.0.1:3307",
      "replicas": [ "127.0.0.1:3308", { "address": "127.0.0.1:3309", "weight": 3 } ] } },
    "default_data_source": "ds0"
  })");
  j["data_sources"]["ds0"]["reads"] = json::parse(reads);
  auto r = parse_config(j.dump());
  if (!r) FAIL(r.error());
  return *r;
}
}  // namespace

TEST_CASE("gtid_reached compares sequence numbers per domain", "[topology]") {
  CHECK(gtid_reached("0-1-100", "0-1-100"));
  CHECK(gtid_reached("0-1-101", "0-1-100"));
  CHECK_FALSE(gtid_reached("0-1-99", "0-1-100"));
  CHECK(gtid_reached("0-1-100,1-2-7", "1-2-7"));
  CHECK_FALSE(gtid_reached("0-1-100", "0-1-100,1-2-7"));  // domain 1 never seen
  CHECK(gtid_reached("0-2-100", "0-1-100"));              // server id does not matter
  CHECK(gtid_reached("0-1-5", ""));
  CHECK_FALSE(gtid_reached("garbage", "0-1-1"));
}

TEST_CASE("pick_replica: up, measured and within max_replica_lag, by weight and load", "[topology]") {
  config cfg = two_replicas(R"({"max_replica_lag_ms": 500})");
  const data_source& ds = cfg.data_sources.at("ds0");
  topology topo(cfg);
  auto nodes = topo.nodes(ds);
  REQUIRE(nodes.size() == 3);
  backend_node &r1 = *nodes[1], &r2 = *nodes[2];
  CHECK(&topo.primary(ds) == nodes[0]);
  CHECK(topo.pick_replica(ds) == nullptr);  // lag not measured yet
  r1.lag_ms = 100;
  CHECK(topo.pick_replica(ds) == &r1);
  r1.lag_ms = 501;
  CHECK(topo.pick_replica(ds) == nullptr);
  r1.lag_ms = lag_unbounded;
  r2.lag_ms = 0;
  CHECK(topo.pick_replica(ds) == &r2);
  r2.up = false;
  CHECK(topo.pick_replica(ds) == nullptr);
  // Both eligible: weight 3 vs 1 and load decide (least (active + 1) / weight).
  r1.lag_ms = 0;
  r2.up = true;
  std::map<backend_node*, int> picks;
  for (int i = 0; i < 400; ++i) {
    backend_node* n = topo.pick_replica(ds);
    ++picks[n];
    ++n->active;  // held while the others are picked
  }
  CHECK(picks[&r2] > 2 * picks[&r1]);
  CHECK(picks[&r1] > 50);
  r2.weight = 0;  // drained
  r1.active = 0;
  for (int i = 0; i < 10; ++i) CHECK(topo.pick_replica(ds) == &r1);
}

TEST_CASE("promote moves the primary role; unknown servers are refused", "[topology]") {
  config cfg = two_replicas();
  const data_source& ds = cfg.data_sources.at("ds0");
  topology topo(cfg);
  auto nodes = topo.nodes(ds);
  nodes[1]->lag_ms = 0;
  REQUIRE(topo.promote(ds, "127.0.0.1:3308") == "");
  CHECK(&topo.primary(ds) == nodes[1]);
  CHECK(nodes[1]->is_primary);
  CHECK_FALSE(nodes[0]->is_primary);
  CHECK(nodes[0]->lag_ms == lag_unknown);  // a replica only once measured
  CHECK(topo.pick_replica(ds) == nullptr);
  CHECK(topo.promote(ds, "127.0.0.1:9999") == "127.0.0.1:9999 is not a server of ds0");
  CHECK(&topo.primary(ds) == nodes[1]);
  CHECK(topo.nodes(ds).front() == nodes[1]);  // members list the primary first
}

TEST_CASE("servers are added, changed, drained and removed while pointers stay valid", "[topology]") {
  config cfg = two_replicas();
  const data_source& ds = cfg.data_sources.at("ds0");
  topology topo(cfg);
  auto before = topo.nodes(ds);
  REQUIRE(before.size() == 3);
  server_spec extra{"127.0.0.1", 3311, 5};
  CHECK(topo.add_server(ds, extra) == "");
  CHECK(topo.add_server(ds, extra) == "127.0.0.1:3311 is already a server of ds0");
  backend_node* n = topo.find(ds, "127.0.0.1:3311");
  REQUIRE(n);
  CHECK(topo.nodes(ds).size() == 4);
  CHECK(n->lag_ms == lag_unknown);  // not picked until the monitor has measured it
  for (auto* r : topo.nodes(ds)) {
    if (!r->is_primary) r->lag_ms = r == n ? 0 : lag_unbounded;
  }
  CHECK(topo.pick_replica(ds) == n);
  // offline_soft: no new reads; offline_hard also closes its pooled connections.
  CHECK(topo.change_server(ds, "127.0.0.1:3311", {std::nullopt, std::nullopt, node_state::offline_soft}) == "");
  CHECK_FALSE(n->serving());
  CHECK_FALSE(n->closing());
  CHECK(topo.pick_replica(ds) == nullptr);
  CHECK(topo.change_server(ds, "127.0.0.1:3311", {std::nullopt, std::nullopt, node_state::offline_hard}) == "");
  CHECK(n->closing());
  CHECK(topo.change_server(ds, "127.0.0.1:3311", {2, 10, node_state::online}) == "");
  CHECK(n->weight == 2);
  n->lag_ms = 50;  // over its own bound of 10 ms, within the group's 1000 ms
  CHECK(topo.pick_replica(ds) == nullptr);
  CHECK(topo.change_server(ds, "127.0.0.1:3311", {std::nullopt, -1, std::nullopt}) == "");
  CHECK(topo.pick_replica(ds) == n);
  // The primary cannot be drained or removed: promote another first.
  std::string primary = topo.primary(ds).address;
  CHECK(topo.change_server(ds, primary, {std::nullopt, std::nullopt, node_state::offline_soft}) != "");
  CHECK(topo.remove_server(ds, primary) != "");
  CHECK(topo.remove_server(ds, "127.0.0.1:3311") == "");
  CHECK_FALSE(n->member);
  CHECK(n->closing());
  CHECK(topo.find(ds, "127.0.0.1:3311") == nullptr);
  CHECK(topo.nodes(ds).size() == 3);
  CHECK(topo.pick_replica(ds) == nullptr);
  // Added again: the same node (its counters continue), lag unknown until measured.
  n->statements = 7;
  CHECK(topo.add_server(ds, extra) == "");
  CHECK(topo.find(ds, "127.0.0.1:3311") == n);
  CHECK(n->statements == 7);
  CHECK(n->lag_ms == lag_unknown);
}

TEST_CASE("apply makes a group what a spec says, moving the primary", "[topology]") {
  config cfg = two_replicas();
  const data_source& ds = cfg.data_sources.at("ds0");
  topology topo(cfg);
  auto old = topo.nodes(ds);
  group_spec want;
  want.primary = server_spec{"127.0.0.1", 3308};
  want.replicas = {server_spec{"127.0.0.1", 3307, 3}, server_spec{"127.0.0.1", 3320, 1, 250, node_state::offline_soft}};
  CHECK(topo.apply(ds, want) == "");
  auto now = topo.nodes(ds);
  REQUIRE(now.size() == 3);
  CHECK(now[0] == old[1]);  // 3308, kept and promoted
  CHECK(&topo.primary(ds) == old[1]);
  CHECK(old[0]->weight == 3);
  CHECK_FALSE(old[0]->is_primary);
  CHECK_FALSE(old[2]->member);  // 3309 left the group
  CHECK(now[2]->address == "127.0.0.1:3320");
  CHECK(now[2]->max_lag_ms == 250);
  CHECK(now[2]->state == node_state::offline_soft);
  auto spec = topo.spec(ds);
  CHECK(spec.primary.text() == "127.0.0.1:3308");
  REQUIRE(spec.replicas.size() == 2);
  CHECK(spec.replicas[1].max_replica_lag_ms == 250);
  group_spec dup = want;
  dup.replicas.push_back(want.primary);
  CHECK(topo.apply(ds, dup) == "duplicate server 127.0.0.1:3308 in ds0");
}

TEST_CASE("reads and monitor settings parse with defaults and named errors", "[topology][config]") {
  config d = two_replicas();
  const read_settings& r = d.data_sources.at("ds0").reads;
  CHECK(r.max_replica_lag.count() == 1000);
  CHECK(r.fallback_to_primary);
  CHECK(r.causal_reads == read_settings::causal::gtid);
  CHECK(d.monitor.interval.count() == 1000);
  config p = two_replicas(R"({"fallback": "error", "causal_reads": "primary", "causal_window_ms": 50})");
  CHECK_FALSE(p.data_sources.at("ds0").reads.fallback_to_primary);
  CHECK(p.data_sources.at("ds0").reads.causal_reads == read_settings::causal::primary);
  CHECK(p.data_sources.at("ds0").reads.causal_window.count() == 50);

  auto bad = [](const std::string& patch) {
    auto j = json::parse(R"({"users": [{"name": "app"}], "backend_defaults": {"user": "app"},
      "data_sources": {"ds0": {"primary": "127.0.0.1:1", "replicas": ["127.0.0.1:2"]}}, "default_data_source": "ds0"})");
    j.merge_patch(json::parse(patch));
    auto r = parse_config(j.dump());
    REQUIRE_FALSE(r.has_value());
    return r.error();
  };
  CHECK_THAT(bad(R"({"data_sources": {"ds0": {"reads": {"causal_reads": "yes"}}}})"),
             Catch::Contains("data_sources.ds0.reads.causal_reads"));
  CHECK_THAT(bad(R"({"data_sources": {"ds0": {"reads": {"fallback": "replica"}}}})"),
             Catch::Contains("data_sources.ds0.reads.fallback"));
  CHECK_THAT(bad(R"({"data_sources": {"ds0": {"replicas": ["127.0.0.1:1"]}}})"),
             Catch::Contains("duplicate server 127.0.0.1:1"));
  CHECK_THAT(bad(R"({"monitor": {"heartbeat_table": "nodot"}})"), Catch::Contains("monitor.heartbeat_table"));
  CHECK_THAT(bad(R"({"monitor": {"interval_ms": 1}})"), Catch::Contains("monitor.interval_ms"));
  CHECK_THAT(bad(R"({"monitor": {"pings": 1}})"), Catch::Contains("pings"));
}

TEST_CASE("admin settings: loopback without a token, a token required elsewhere", "[config]") {
  auto parse = [](const std::string& admin) {
    auto j = json::parse(R"({"users": [{"name": "app"}], "backend_defaults": {"user": "app"},
      "data_sources": {"ds0": {"primary": "127.0.0.1:1"}}, "default_data_source": "ds0"})");
    j["admin"] = json::parse(admin);
    return parse_config(j.dump());
  };
  auto ok = parse(R"({"listen": "127.0.0.1:7000"})");
  REQUIRE(ok.has_value());
  CHECK(ok->admin.listen_port == 7000);
  CHECK(ok->admin.token.empty());
  auto open = parse(R"({"listen": "0.0.0.0:6080"})");
  REQUIRE_FALSE(open.has_value());
  CHECK_THAT(open.error(), Catch::Contains("admin.token"));
  CHECK(parse(R"({"listen": "0.0.0.0:6080", "token": "t"})").has_value());
  CHECK(parse(R"({"listen": "0.0.0.0:6080", "enabled": false})").has_value());
  auto env = parse(R"({"token_env": "SHARDWIRE_TEST_NO_SUCH_VARIABLE"})");
  REQUIRE_FALSE(env.has_value());
  CHECK_THAT(env.error(), Catch::Contains("admin.token_env"));
  auto both = parse(R"({"token": "a", "token_env": "HOME"})");
  REQUIRE_FALSE(both.has_value());
  CHECK_THAT(both.error(), Catch::Contains("not both"));
}
