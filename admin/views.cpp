// Read views gathered from every worker (docs/admin.md): sessions and statement
// digests. Each worker's data is read on its own thread (server::on_workers), so the
// data path never locks for these.
#include <algorithm>
#include <charconv>

#include "admin/api.hpp"
#include "proxy/session/client_session.hpp"

namespace shardwire::admin::api {

namespace {

json attributes_json(const proxy::client_session::info& i) {
  json out = json::object();
  if (i.attributes) {
    for (const auto& [k, v] : *i.attributes) out[k] = v;
  }
  return out;
}

json session_json(const proxy::client_session::info& i, int worker) {
  return {{"id", i.id},
          {"user", i.user},
          {"client", i.client},
          {"schema", i.schema.empty() ? json(nullptr) : json(i.schema)},
          {"state", i.state},
          {"state_ms", std::round(i.state_ms * 1000) / 1000},
          {"statement", i.statement.empty() ? json(nullptr) : json(i.statement)},
          {"in_transaction", i.in_transaction},
          {"pinned", i.pinned.empty() ? json(nullptr) : json(i.pinned)},
          {"backends", i.backends},
          {"attributes", attributes_json(i)},
          {"worker", worker}};
}

asio::awaitable<response> kill_session(const context& ctx, const request& req, std::string_view id_text) {
  std::uint32_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size()) {
    co_return error(http::status::bad_request, "expected a session id, got " + std::string(id_text), req.version());
  }
  auto found = ctx.srv.state().sessions.find(id);
  std::shared_ptr<proxy::client_session> victim;
  if (found) victim = found->session.lock();
  if (!victim) co_return error(http::status::not_found, "no session " + std::to_string(id), req.version());
  std::string user = victim->user();
  // The only extra reference goes to the victim's own thread: a session is destroyed
  // where its pool lives, never here.
  asio::post(*found->ioc, [v = std::move(victim)] { v->kill_connection(); });
  ctx.log->warn("admin: session {} ({}) closed", id, user);
  co_return reply(http::status::ok, json{{"closed", id}}, req.version());
}

}  // namespace

// GET /v1/sessions; DELETE /v1/sessions/{id} closes one.
asio::awaitable<response> sessions(const context& ctx, const request& req, const std::vector<std::string_view>& path) {
  if (path.size() == 3) {
    if (req.method() != http::verb::delete_) co_return method_not_allowed(req, "DELETE");
    co_return co_await kill_session(ctx, req, path[2]);
  }
  if (path.size() != 2)
    co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), req.version());
  if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET");
  json list = json::array();
  co_await ctx.srv.on_workers([&list](proxy::worker& w) {
    for (const auto& weak : w.sessions) {
      if (auto s = weak.lock()) list.push_back(session_json(s->describe(), w.index));
    }
  });
  std::sort(list.begin(), list.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  co_return reply(http::status::ok, json{{"count", list.size()}, {"sessions", list}}, req.version());
}

namespace {

json digest_json(const proxy::digest_entry& e) {
  auto ms = [](std::uint64_t ns) { return std::round(static_cast<double>(ns) / 1e3) / 1e3; };
  double count = static_cast<double>(std::max<std::uint64_t>(e.count, 1));
  return {{"schema", e.schema.empty() ? json(nullptr) : json(e.schema)},
          {"digest", e.text},
          {"type", proxy::type_name(e.type)},
          {"count", e.count},
          {"errors", e.errors},
          {"rows_sent", e.rows_sent},
          {"rows_affected", e.rows_affected},
          {"shards_total", e.shards},
          {"avg_shards", std::round(static_cast<double>(e.shards) / count * 100) / 100},
          {"max_shards", e.max_shards},
          {"total_ms", ms(e.total_ns)},
          {"avg_ms", ms(static_cast<std::uint64_t>(static_cast<double>(e.total_ns) / count))},
          {"p99_ms", std::min(e.latency.quantile_ms(0.99, e.count), ms(e.max_ns))},
          {"max_ms", ms(e.max_ns)},
          {"first_seen", e.first_seen},
          {"last_seen", e.last_seen}};
}

}  // namespace

// GET /v1/digests[?order_by=total_ms|count|avg_ms|p99_ms|errors|rows_sent&limit=N];
// DELETE /v1/digests clears them.
asio::awaitable<response> digests(const context& ctx, const request& req) {
  if (req.method() == http::verb::delete_) {
    co_await ctx.srv.on_workers([](proxy::worker& w) { w.digests.clear(); });
    co_return reply(http::status::ok, json{{"cleared", true}}, req.version());
  }
  if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET, DELETE");
  std::string order = query_param(req.target(), "order_by");
  if (order.empty()) order = "total_ms";
  static const std::vector<std::string> orders{"total_ms", "count",  "avg_ms",   "p99_ms",
                                               "max_ms",   "errors", "rows_sent"};
  if (std::find(orders.begin(), orders.end(), order) == orders.end()) {
    co_return error(http::status::bad_request,
                    "order_by: expected one of total_ms, count, avg_ms, p99_ms, max_ms, errors, rows_sent",
                    req.version());
  }
  std::string limit_text = query_param(req.target(), "limit");
  std::size_t limit = 100;
  if (!limit_text.empty()) {
    auto [end, ec] = std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), limit);
    if (ec != std::errc() || end != limit_text.data() + limit_text.size() || limit == 0) {
      co_return error(http::status::bad_request, "limit: expected a positive integer", req.version());
    }
  }
  std::map<std::pair<std::string, std::string>, proxy::digest_entry> merged;
  co_await ctx.srv.on_workers([&merged](proxy::worker& w) { w.digests.collect(merged); });
  std::vector<json> rows;
  rows.reserve(merged.size());
  for (const auto& [_, e] : merged) rows.push_back(digest_json(e));
  std::sort(rows.begin(), rows.end(), [&](const json& a, const json& b) { return a[order] > b[order]; });
  json out = json::array();
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i) out.push_back(std::move(rows[i]));
  co_return reply(http::status::ok, json{{"count", merged.size()}, {"order_by", order}, {"digests", out}},
                  req.version());
}

}  // namespace shardwire::admin::api
