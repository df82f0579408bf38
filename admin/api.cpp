// Request routing and the helpers every endpoint uses (docs/admin.md).
#include "admin/api.hpp"

namespace shardwire::admin {

namespace api {

response reply(http::status status, const json& body, unsigned version) {
  response res{status, version};
  res.set(http::field::content_type, "application/json");
  // Client-controlled text (user names, schemas, digests) may be any bytes: replace what
  // is not UTF-8 rather than throw.
  res.body() = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  res.prepare_payload();
  return res;
}

response error(http::status status, const std::string& message, unsigned version) {
  return reply(status, json{{"error", message}}, version);
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

std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto item = rest.substr(0, amp);
    auto eq = item.find('=');
    if (item.substr(0, eq) == name) return eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

}  // namespace api

asio::awaitable<response> handle(const context& ctx, const request& req) {
  using namespace api;
  auto path = segments(req.target());
  const unsigned v = req.version();
  auto get_only = [&] { return req.method() != http::verb::get; };
  if (path.size() == 1 && (path[0] == "healthz" || path[0] == "readyz")) {
    if (get_only()) co_return method_not_allowed(req, "GET");
    if (path[0] == "healthz") co_return reply(http::status::ok, json{{"status", "ok"}}, v);
    bool ready = ctx.srv.ready();
    co_return reply(ready ? http::status::ok : http::status::service_unavailable,
                    json{{"status", ready ? "ready" : "starting"}}, v);
  }
  if (path.size() == 1 && path[0] == "metrics") {
    if (get_only()) co_return method_not_allowed(req, "GET");
    co_return co_await metrics(ctx, req);
  }
  if (path.empty() || path[0] != "v1") {
    co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
  }
  if (path.size() == 2 && (path[1] == "topology" || path[1] == "backends")) {
    if (get_only()) co_return method_not_allowed(req, "GET");
    co_return topology_get(ctx, req, path[1] == "backends");
  }
  if (path.size() == 2 && path[1] == "rules") {
    if (get_only()) co_return method_not_allowed(req, "GET");
    co_return rules_get(ctx, req);
  }
  if (path.size() == 3 && path[1] == "config" && path[2] == "reload") {
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
    co_return reload_post(ctx, req);
  }
  if (path.size() >= 2 && path[1] == "sessions") co_return co_await sessions(ctx, req, path);
  if (path.size() == 2 && path[1] == "digests") co_return co_await digests(ctx, req);
  if (path.size() >= 2 && path[1] == "transactions") co_return co_await transactions(ctx, req, path);
  if (path.size() >= 2 && path[1] == "migrations") co_return co_await migrations(ctx, req, path);
  if (path.size() >= 2 && path[1] == "archive") co_return co_await archives(ctx, req, path);
  if (path.size() >= 3 && path[1] == "groups") co_return group_action(ctx, req, path);
  co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
}

}  // namespace shardwire::admin
