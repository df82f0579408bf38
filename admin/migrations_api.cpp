// /v1/migrations: online migration jobs (docs/migrations.md).
//   GET                                the jobs with their progress
//   POST  {name, source, target, throttle?}     source: {data_source, database, table} or {schema, table}
//                                      a new job (validated against the servers): 201
//   GET   /v1/migrations/{name}        one job
//   POST  /v1/migrations/{name}/{action}
//                                      double_write, backfill, pause, resume, verify,
//                                      repair, throttle: 202 (the job acts on it next), 200
//                                      for throttle, 409 when the phase does not allow it
#include "admin/api.hpp"

namespace shardwire::admin::api {

namespace {

using proxy::migration::job;

json view(const job& j) {
  json out = proxy::migration::to_json(j);
  const auto& b = j.backfill;
  json progress = {{"percent", nullptr}, {"eta_seconds", nullptr}};
  if (b.done) {
    progress["percent"] = 100.0;
    progress["eta_seconds"] = 0;
  } else if (b.rows_total > 0) {
    progress["percent"] = std::min(99.9, 100.0 * static_cast<double>(b.rows_copied) / static_cast<double>(b.rows_total));
    if (b.running && b.rate > 0 && b.rows_total > b.rows_copied) {
      progress["eta_seconds"] = static_cast<double>(b.rows_total - b.rows_copied) / b.rate;
    }
  }
  out["progress"] = progress;
  return out;
}

http::status status_of(int code) { return static_cast<http::status>(code); }

// An action's arguments: the body's JSON object, or none.
std::optional<json> optional_body(const request& req, response& bad) {
  if (req.body().empty()) return json::object();
  return body_json(req, bad);
}

// The POST body of a new job; "" or what is wrong.
std::string spec_from(const json& body, job& j) {
  auto text = [&](const json& o, const char* key, std::string& out) {
    if (!o.is_object() || !o.contains(key) || !o[key].is_string() || o[key].get<std::string>().empty()) return false;
    out = o[key].get<std::string>();
    return true;
  };
  if (!text(body, "name", j.name)) return "name: required";
  const json& s = body.value("source", json::object());
  const bool logical = s.is_object() && s.contains("schema");  // a sharded logical table of the config
  if (logical ? !text(s, "schema", j.source_schema) || !text(s, "table", j.source_table)
              : !text(s, "data_source", j.source.data_source) || !text(s, "database", j.source.database) ||
                    !text(s, "table", j.source.table)) {
    return "source: {\"data_source\", \"database\", \"table\"} or {\"schema\", \"table\"} required";
  }
  const json& t = body.value("target", json::object());
  if (!text(t, "schema", j.target_schema) || !text(t, "table", j.target_table)) {
    return "target: {\"schema\", \"table\"} required";
  }
  for (const auto& [k, _] : body.items()) {
    if (k != "name" && k != "source" && k != "target" && k != "throttle") return "unknown key " + k;
  }
  return "";
}

}  // namespace

asio::awaitable<response> migrations(const context& ctx, const request& req, const std::vector<std::string_view>& path) {
  auto& reg = ctx.srv.migrations();
  const unsigned v = req.version();
  if (path.size() == 2) {
    if (req.method() == http::verb::get) {
      json list = json::array();
      for (const auto& [_, j] : reg.jobs()) list.push_back(view(*j));
      co_return reply(http::status::ok, json{{"migrations", list}}, v);
    }
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "GET, POST");
    response bad;
    auto body = body_json(req, bad);
    if (!body) co_return bad;
    job spec;
    if (auto why = spec_from(*body, spec); !why.empty()) co_return error(http::status::bad_request, why, v);
    auto made = co_await reg.create(std::move(spec));
    if (!made.error.empty()) co_return error(status_of(made.status), made.error, v);
    std::string name = body->at("name").get<std::string>();
    if (body->contains("throttle")) {
      auto t = co_await reg.act(name, "throttle", body->at("throttle"));
      if (!t.error.empty()) co_return error(status_of(t.status), "created, but throttle: " + t.error, v);
    }
    co_return reply(http::status::created, view(*reg.find(name)), v);
  }
  std::string name(path[2]);
  if (path.size() == 3) {
    if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET");
    const job* j = reg.find(name);
    if (!j) co_return error(http::status::not_found, "no migration " + name, v);
    co_return reply(http::status::ok, view(*j), v);
  }
  if (path.size() == 4) {
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
    response bad;
    auto args = optional_body(req, bad);
    if (!args) co_return bad;
    auto done = co_await reg.act(name, std::string(path[3]), *args);
    if (!done.error.empty()) co_return error(status_of(done.status), done.error, v);
    co_return reply(status_of(done.status), view(*reg.find(name)), v);
  }
  co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
}

// /v1/archive: archival jobs (docs/migrations.md, "Archival").
//   GET                          the jobs with their progress
//   POST {name, source, archive, condition, throttle?}    a new job: 201; it starts at once
//   GET  /v1/archive/{name}      one job
//   POST /v1/archive/{name}/{pause|resume|throttle}
asio::awaitable<response> archives(const context& ctx, const request& req, const std::vector<std::string_view>& path) {
  auto& reg = ctx.srv.migrations();
  const unsigned v = req.version();
  if (path.size() == 2) {
    if (req.method() == http::verb::get) {
      json list = json::array();
      for (const auto& [_, a] : reg.archives()) list.push_back(proxy::migration::to_json(*a));
      co_return reply(http::status::ok, json{{"archives", list}}, v);
    }
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "GET, POST");
    response bad;
    auto body = body_json(req, bad);
    if (!body) co_return bad;
    auto made = co_await reg.create_archive(*body);
    if (!made.error.empty()) co_return error(status_of(made.status), made.error, v);
    const auto& a = *reg.archives().at(body->at("name").get<std::string>());
    co_return reply(http::status::created, proxy::migration::to_json(a), v);
  }
  std::string name(path[2]);
  auto it = reg.archives().find(name);
  if (path.size() == 3) {
    if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET");
    if (it == reg.archives().end()) co_return error(http::status::not_found, "no archive " + name, v);
    co_return reply(http::status::ok, proxy::migration::to_json(*it->second), v);
  }
  if (path.size() == 4) {
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
    response bad;
    auto args = optional_body(req, bad);
    if (!args) co_return bad;
    auto done = reg.act_archive(name, std::string(path[3]), *args);
    if (!done.error.empty()) co_return error(status_of(done.status), done.error, v);
    co_return reply(http::status::ok, proxy::migration::to_json(*reg.archives().at(name)), v);
  }
  co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
}

}  // namespace shardwire::admin::api
