// Topology endpoints (docs/admin.md): the groups and their servers; adding, removing
// and changing replicas (weight, lag bound, state); promoting a primary; the sharding
// rules; the config reload. Every change goes through the server's topology
// operations (the ones a reload uses) and is written to the state file.
#include <nlohmann/json.hpp>

#include "admin/api.hpp"
#include "proxy/cluster/state_file.hpp"
#include "router/key_generator.hpp"

namespace shardwire::admin::api {

using proxy::backend_node;

json lag_json(std::int64_t lag) {
  if (lag == proxy::lag_unknown) return nullptr;
  if (lag == proxy::lag_unbounded) return "unbounded";
  return lag;
}

json server_json(const context& ctx, const backend_node& n, bool counters) {
  json j = proxy::server_json(n.spec(), true);  // the settings, as the config and state file write them
  j["role"] = n.is_primary.load() ? "primary" : "replica";
  j["up"] = n.up.load();
  j["read_only"] = n.read_only.load();
  j["lag_ms"] = lag_json(n.lag_ms.load());
  j["gtid"] = n.gtid();
  if (counters) {
    j["pool"] = {{"open", ctx.srv.limits().open(n)},
                 {"leased", n.active.load()},
                 {"resetting", n.resetting.load()},
                 {"waiting", n.pool_waiting.load()},
                 {"max_connections", n.source->pool.max_connections}};
    j["statements"] = n.statements.load();
    j["errors"] = n.errors.load();
    j["checks"] = n.checks.load();
    j["failed_checks"] = n.failed_checks.load();
    j["last_error"] = n.last_error();
  }
  return j;
}

namespace {

const char* causal_name(proxy::read_settings::causal c) {
  switch (c) {
    case proxy::read_settings::causal::gtid:
      return "gtid";
    case proxy::read_settings::causal::primary:
      return "primary";
    default:
      return "off";
  }
}

const proxy::config& base(const context& ctx) { return *ctx.srv.state().cfg; }

}  // namespace

json group_json(const context& ctx, const proxy::data_source& ds, bool counters) {
  auto& topo = ctx.srv.topo();
  auto reads = topo.reads(ds);
  json servers = json::array();
  for (const auto* n : topo.nodes(ds)) servers.push_back(server_json(ctx, *n, counters));
  return {{"name", ds.name},
          {"primary", topo.primary(ds).address},
          {"reads",
           {{"max_replica_lag_ms", reads.max_replica_lag.count()},
            {"fallback", reads.fallback_to_primary ? "primary" : "error"},
            {"causal_reads", causal_name(reads.causal_reads)}}},
          {"servers", servers}};
}

response topology_get(const context& ctx, const request& req, bool counters) {
  json groups = json::array();
  for (const auto& [_, ds] : base(ctx).data_sources) groups.push_back(group_json(ctx, ds, counters));
  return reply(http::status::ok, json{{"groups", groups}}, req.version());
}

namespace {

// A change is live once made; then it is written to the state file. When that fails the
// operator must know the change will not survive a restart.
response after_change(const context& ctx, const request& req, http::status status, json body) {
  if (auto e = ctx.srv.persist_topology(); !e.empty()) {
    ctx.log->error("admin: change applied but not persisted: {}", e);
    return error(http::status::internal_server_error,
                 "the change is live but was not written to the state file (it will not survive a restart): " + e,
                 req.version());
  }
  return reply(status, body, req.version());
}

// {"weight", "max_replica_lag_ms", "state"}: what a change may set, validated as the config
// validates a replica (the server's settings now with the body's on top); "" or the error.
std::string parse_change(const backend_node& n, const json& body, proxy::topology::server_change& c) {
  json merged = proxy::server_json(n.spec(), true);
  for (const auto& [k, v] : body.items()) {
    if (k != "weight" && k != "max_replica_lag_ms" && k != "state") {
      return "unknown key " + k + " (expected: weight, max_replica_lag_ms, state)";
    }
    merged[k] = v;
  }
  if (body.empty()) return "nothing to change (expected: weight, max_replica_lag_ms, state)";
  proxy::server_spec s;
  if (auto e = proxy::parse_server(merged, "body", true, s); !e.empty()) return e;
  if (body.contains("weight")) c.weight = s.weight;
  if (body.contains("max_replica_lag_ms")) c.max_lag_ms = s.max_replica_lag_ms;
  if (body.contains("state")) c.state = s.state;
  return "";
}

response add_server(const context& ctx, const request& req, const proxy::data_source& ds) {
  response bad;
  auto body = body_json(req, bad);
  if (!body) return bad;
  proxy::server_spec spec;
  if (auto e = proxy::parse_server(*body, "body", true, spec); !e.empty()) {
    return error(http::status::bad_request, e, req.version());
  }
  if (auto e = ctx.srv.topo().add_server(ds, spec); !e.empty()) {
    return error(http::status::conflict, e, req.version());
  }
  ctx.log->warn("admin: {} added to {} as a replica ({}, weight {})", spec.text(), ds.name,
                proxy::state_name(spec.state), spec.weight);
  return after_change(ctx, req, http::status::created, server_json(ctx, *ctx.srv.topo().find(ds, spec.text()), false));
}

response server_action(const context& ctx, const request& req, const proxy::data_source& ds, std::string_view address) {
  auto& topo = ctx.srv.topo();
  backend_node* n = topo.find(ds, address);
  if (!n) return error(http::status::not_found, std::string(address) + " is not a server of " + ds.name, req.version());
  switch (req.method()) {
    case http::verb::get:
      return reply(http::status::ok, server_json(ctx, *n, true), req.version());
    case http::verb::delete_: {
      if (auto e = topo.remove_server(ds, address); !e.empty()) {
        return error(http::status::unprocessable_entity, e, req.version());
      }
      ctx.srv.limits().close_idle(*n);
      ctx.log->warn("admin: {} removed from {}", n->address, ds.name);
      return after_change(ctx, req, http::status::ok, json{{"removed", n->address}, {"group", ds.name}});
    }
    case http::verb::post:
    case http::verb::patch: {
      response bad;
      auto body = body_json(req, bad);
      if (!body) return bad;
      proxy::topology::server_change c;
      if (auto e = parse_change(*n, *body, c); !e.empty()) return error(http::status::bad_request, e, req.version());
      if (auto e = topo.change_server(ds, address, c); !e.empty()) {
        return error(http::status::unprocessable_entity, e, req.version());
      }
      if (n->closing()) ctx.srv.limits().close_idle(*n);
      ctx.log->warn("admin: {} of {} changed: state {}, weight {}, max_replica_lag_ms {}", n->address, ds.name,
                    proxy::state_name(n->state.load()), n->weight.load(), n->max_lag_ms.load());
      return after_change(ctx, req, http::status::ok, server_json(ctx, *n, false));
    }
    default:
      return method_not_allowed(req, "GET, POST, PATCH, DELETE");
  }
}

}  // namespace

// /v1/groups/{group}[/promote | /servers[/{address}]]
response group_action(const context& ctx, const request& req, const std::vector<std::string_view>& path) {
  const auto& sources = base(ctx).data_sources;
  auto it = sources.find(std::string(path[2]));
  if (it == sources.end()) {
    return error(http::status::not_found, "no data source group named " + std::string(path[2]), req.version());
  }
  const proxy::data_source& ds = it->second;
  if (path.size() == 3) {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    return reply(http::status::ok, group_json(ctx, ds, true), req.version());
  }
  if (path.size() == 4 && path[3] == "promote") {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    response bad;
    auto body = body_json(req, bad);
    if (!body) return bad;
    if (body->size() != 1 || !body->contains("address") || !(*body)["address"].is_string()) {
      return error(http::status::bad_request, "expected {\"address\": \"host:port\"}", req.version());
    }
    if (auto e = ctx.srv.topo().promote(ds, (*body)["address"].get<std::string>()); !e.empty()) {
      return error(http::status::unprocessable_entity, e, req.version());
    }
    ctx.log->warn("admin: {} is now the primary of {}", ctx.srv.topo().primary(ds).address, ds.name);
    return after_change(ctx, req, http::status::ok, server_json(ctx, ctx.srv.topo().primary(ds), false));
  }
  if (path.size() == 4 && path[3] == "servers") {
    if (req.method() == http::verb::get)
      return reply(http::status::ok, group_json(ctx, ds, true)["servers"], req.version());
    if (req.method() != http::verb::post) return method_not_allowed(req, "GET, POST");
    return add_server(ctx, req, ds);
  }
  if (path.size() == 5 && path[3] == "servers") return server_action(ctx, req, ds, path[4]);
  return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), req.version());
}

response rules_get(const context& ctx, const request& req) {
  auto cfg = ctx.srv.state().current();
  json schemas = cfg->schemas_json.empty() ? json::object() : json::parse(cfg->schemas_json, nullptr, false);
  json tables = json::array();
  for (const auto& [db, schema] : cfg->rules->schemas) {
    for (const auto& [name, t] : schema.tables) {
      json nodes = json::array();
      for (const auto& n : t.nodes()) nodes.push_back(n.data_source + ":" + n.text());
      json j{{"schema", db},
             {"table", name},
             {"kind", t.kind() == router::table_kind::broadcast ? "broadcast" : "sharded"},
             {"sharding_columns", t.sharding_columns()},
             {"data_nodes", nodes.size()},
             {"nodes", nodes}};
      if (const auto* group = t.binding_group()) j["binding_group"] = *group;
      if (const auto* k = t.key_generator()) {
        j["key_generator"] = {{"column", k->column()},
                              {"type", k->type() == router::key_generator::kind::gene ? "gene" : "snowflake"}};
      }
      tables.push_back(std::move(j));
    }
  }
  return reply(http::status::ok,
               json{{"default_data_source", cfg->default_data_source}, {"schemas", schemas}, {"tables", tables}},
               req.version());
}

response reload_post(const context& ctx, const request& req) {
  auto r = ctx.srv.reload();
  if (!r.error.empty()) {
    ctx.log->error("admin: reload refused: {}", r.error);
    return error(http::status::unprocessable_entity, r.error, req.version());
  }
  return reply(http::status::ok, json{{"reloaded", ctx.srv.state().cfg->source_path}, {"changed", r.changed}},
               req.version());
}

}  // namespace shardwire::admin::api
