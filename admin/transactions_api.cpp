// /v1/transactions: XA transactions (docs/transactions.md).
//   GET                              decisions pending, branches in doubt, the last recovery
//   POST /v1/transactions/recover    a recovery pass now; its counts
//   POST /v1/transactions/{gtrid}/commit | /rollback
//                                    an operator's decision for every prepared branch of one
#include <ctime>

#include "admin/api.hpp"
#include "proxy/xa/recovery.hpp"

namespace shardwire::admin::api {

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return "";
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json state_json(proxy::xa::coordinator& co, const proxy::config& cfg) {
  json pending = json::array(), doubt = json::array();
  if (co.available()) {
    for (const auto& d : co.log().pending()) {
      json branches = json::array();
      for (const auto& b : d.branches) branches.push_back({{"data_source", b.data_source}, {"bqual", b.bqual}});
      pending.push_back({{"gtrid", d.gtrid}, {"in_flight", co.active(d.gtrid)}, {"branches", branches}});
    }
  }
  auto view = co.view();
  for (const auto& b : view.in_doubt) {
    doubt.push_back({{"data_source", b.data_source}, {"gtrid", b.gtrid}, {"bqual", b.bqual}, {"reason", b.reason},
                     {"commit_decided", b.commit_decided}});
  }
  return {{"available", co.available()},
          {"unavailable_reason", co.available() ? json(nullptr) : json(co.unavailable_reason())},
          {"proxy_id", co.proxy_id()},
          {"log_file", cfg.transactions.log_file},
          {"boot", co.available() ? json(co.log().boot()) : json(nullptr)},
          {"in_flight", co.active_count()},
          {"pending_decisions", pending},
          {"in_doubt", doubt},
          {"last_recovery", iso_time(view.last_run)},
          {"recovery_runs", co.stats.recovery_runs.load()},
          {"recovery_errors", view.errors}};
}

}  // namespace

asio::awaitable<response> transactions(const context& ctx, const request& req,
                                       const std::vector<std::string_view>& path) {
  auto& co = *ctx.srv.state().xa;
  const auto& cfg = *ctx.srv.state().cfg;
  const unsigned v = req.version();
  if (path.size() == 2) {
    if (req.method() != http::verb::get) co_return method_not_allowed(req, "GET");
    co_return reply(http::status::ok, state_json(co, cfg), v);
  }
  if (path.size() == 3 && path[2] == "recover") {
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
    auto pass = co_await proxy::xa::recover(co, cfg, ctx.srv.topo(), ctx.srv.limits(), ctx.log);
    json body = {{"committed", pass.committed}, {"rolled_back", pass.rolled_back}, {"in_doubt", pass.in_doubt},
                 {"completed", pass.completed}, {"errors", pass.errors}};
    co_return reply(http::status::ok, body, v);
  }
  if (path.size() == 4 && (path[3] == "commit" || path[3] == "rollback")) {
    if (req.method() != http::verb::post) co_return method_not_allowed(req, "POST");
    std::string gtrid(path[2]);
    bool commit = path[3] == "commit";
    auto why = co_await proxy::xa::resolve_by_hand(co, cfg, ctx.srv.topo(), ctx.srv.limits(), gtrid, commit, ctx.log);
    if (!why.empty()) {
      auto status = why.find("in flight") != std::string::npos ? http::status::conflict
                    : why.find("no prepared branch") != std::string::npos || why == "not a transaction id"
                        ? http::status::not_found
                        : http::status::bad_gateway;
      co_return error(status, why, v);
    }
    co_return reply(http::status::ok, json{{"gtrid", gtrid}, {"resolved", commit ? "commit" : "rollback"}}, v);
  }
  co_return error(http::status::not_found, "no such endpoint: " + std::string(req.target()), v);
}

}  // namespace shardwire::admin::api
