// Pieces the admin endpoints share (admin/*.cpp): JSON replies, errors as
// {"error": "..."} with a 4xx status, path and body parsing, the JSON of a server.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "admin/http_server.hpp"

namespace shardwire::admin::api {

using json = nlohmann::json;

response reply(http::status status, const json& body, unsigned version);
response error(http::status status, const std::string& message, unsigned version);
response method_not_allowed(const request& req, const char* allow);
std::optional<json> body_json(const request& req, response& bad);
std::vector<std::string_view> segments(std::string_view target);
std::string query_param(std::string_view target, std::string_view name);  // "" when absent

json lag_json(std::int64_t lag);
json server_json(const context& ctx, const proxy::backend_node& n, bool counters);
json group_json(const context& ctx, const proxy::data_source& ds, bool counters);

// Endpoint groups.
response topology_get(const context& ctx, const request& req, bool counters);
response group_action(const context& ctx, const request& req, const std::vector<std::string_view>& path);
response rules_get(const context& ctx, const request& req);
response reload_post(const context& ctx, const request& req);
asio::awaitable<response> sessions(const context& ctx, const request& req, const std::vector<std::string_view>& path);
asio::awaitable<response> digests(const context& ctx, const request& req);
asio::awaitable<response> metrics(const context& ctx, const request& req);
asio::awaitable<response> transactions(const context& ctx, const request& req, const std::vector<std::string_view>& path);
asio::awaitable<response> migrations(const context& ctx, const request& req, const std::vector<std::string_view>& path);
asio::awaitable<response> archives(const context& ctx, const request& req, const std::vector<std::string_view>& path);

}  // namespace shardwire::admin::api
