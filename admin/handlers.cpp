// The admin endpoints (docs/admin.md). Every answer is JSON; errors are {"error": "..."}
// with a 4xx status naming what was wrong.
#include <nlohmann/json.hpp>

#include "admin/http_server.hpp"

namespace shardwire::admin {

using json = nlohmann::json;
using proxy::backend_node;

namespace {

response reply(http::status status, const json& body, unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump(2) + "\n";
  res.prepare_payload();
  return res;
}

response error(http::status status, const std::string& message, unsigned version) {
  return reply(status, json{{"error", message}}, version);
}

json lag_json(std::int64_t lag) {
  if (lag == proxy::lag_unknown) return nullptr;
  if (lag == proxy::lag_unbounded) return "unbounded";
  return lag;
}

json server_json(const context& ctx, const backend_node& n, bool counters) {
  json j{{"address", n.address},
         {"role", n.is_primary.load() ? "primary" : "replica"},
         {"weight", n.weight.load()},
         {"up", n.up.load()},
         {"read_only", n.read_only.load()},
         {"lag_ms", lag_json(n.lag_ms.load())},
         {"gtid", n.gtid()}};
  if (counters) {
    j["pool"] = {
        {"open", ctx.limits.open(n)}, {"leased", n.active.load()}, {"max_connections", n.source->pool.max_connections}};
    j["statements"] = n.statements.load();
    j["errors"] = n.errors.load();
    j["checks"] = n.checks.load();
    j["failed_checks"] = n.failed_checks.load();
    j["last_error"] = n.last_error();
  }
  return j;
}

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

json topology_json(const context& ctx, bool counters) {
  json groups = json::array();
  for (const auto& [name, ds] : ctx.cfg.data_sources) {
    json servers = json::array();
    for (const auto* n : ctx.topo.nodes(ds)) servers.push_back(server_json(ctx, *n, counters));
    groups.push_back({{"name", name},
                      {"primary", ctx.topo.primary(ds).address},
                      {"reads",
                       {{"max_replica_lag_ms", ds.reads.max_replica_lag.count()},
                        {"fallback", ds.reads.fallback_to_primary ? "primary" : "error"},
                        {"causal_reads", causal_name(ds.reads.causal_reads)}}},
                      {"servers", servers}});
  }
  return json{{"groups", groups}};
}

std::vector<std::string_view> segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> out;
  while (!target.empty()) {
    auto slash = target.find('/');
    if (slash != 0) out.push_back(target.substr(0, slash));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash + 1);
  }
  return out;
}

response method_not_allowed(const request& req, const char* allow) {
  auto res = error(http::status::method_not_allowed,
                   std::string(req.method_string()) + " is not allowed on " + std::string(req.target()) +
                       " (allowed: " + allow + ")",
                   req.version());
  res.set(http::field::allow, allow);
  return res;
}

std::optional<json> body_json(const request& req, response& bad) {
  auto j = json::parse(req.body(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    bad = error(http::status::bad_request, "the body must be a JSON object", req.version());
    return std::nullopt;
  }
  return j;
}

// /v1/groups/{group}/promote {"address": "host:port"}
// /v1/groups/{group}/servers/{address} {"weight": n}
response group_action(const context& ctx, const request& req, const std::vector<std::string_view>& path) {
  auto ds = ctx.cfg.data_sources.find(std::string(path[2]));
  if (ds == ctx.cfg.data_sources.end()) {
    return error(http::status::not_found, "no data source group named " + std::string(path[2]), req.version());
  }
  if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
  response bad;
  auto body = body_json(req, bad);
  if (!body) return bad;
  if (path.size() == 4 && path[3] == "promote") {
    if (!body->contains("address") || !(*body)["address"].is_string()) {
      return error(http::status::bad_request, "expected {\"address\": \"host:port\"}", req.version());
    }
    std::string why;
    if (!ctx.topo.promote(ds->second, (*body)["address"].get<std::string>(), why)) {
      return error(http::status::unprocessable_entity, why, req.version());
    }
    ctx.log->warn("admin: {} is now the primary of {}", ctx.topo.primary(ds->second).address, ds->first);
    return reply(http::status::ok, server_json(ctx, ctx.topo.primary(ds->second), false), req.version());
  }
  if (path.size() == 5 && path[3] == "servers") {
    backend_node* n = ctx.topo.find(ds->second, path[4]);
    if (!n) {
      return error(http::status::not_found, std::string(path[4]) + " is not a server of " + ds->first, req.version());
    }
    for (const auto& [k, v] : body->items()) {
      if (k != "weight")
        return error(http::status::bad_request, "unknown key " + k + " (expected: weight)", req.version());
      if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 1000000) {
        return error(http::status::bad_request, "weight: expected an integer 0..1000000", req.version());
      }
      n->weight = v.get<int>();
    }
    ctx.log->info("admin: {} of {} changed: weight {}", n->address, ds->first, n->weight.load());
    return reply(http::status::ok, server_json(ctx, *n, false), req.version());
  }
  return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), req.version());
}

}  // namespace

response handle(const context& ctx, const request& req) {
  auto path = segments(req.target());
  const unsigned v = req.version();
  if (path.size() == 1 && (path[0] == "healthz" || path[0] == "readyz")) {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    if (path[0] == "healthz") return reply(http::status::ok, json{{"status", "ok"}}, v);
    bool ready = ctx.ready();
    return reply(ready ? http::status::ok : http::status::service_unavailable,
                 json{{"status", ready ? "ready" : "starting"}}, v);
  }
  if (path.size() == 2 && path[0] == "v1" && (path[1] == "topology" || path[1] == "backends")) {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    return reply(http::status::ok, topology_json(ctx, path[1] == "backends"), v);
  }
  if (path.size() >= 4 && path[0] == "v1" && path[1] == "groups") return group_action(ctx, req, path);
  return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
}

}  // namespace shardwire::admin
