// Runs one routed statement's plan (router/planner.hpp) for a session: one node
// (streamed), several nodes concatenated (UNION ALL, INSERT ... RETURNING), a write on
// several nodes (exact partial-failure report), a merged read (plan_executor_merge.cpp),
// SHARDWIRE EXPLAIN. Every SQL text comes from the plan; the session is reached only
// through execution_host.
#pragma once

#include <spdlog/logger.h>

#include "merger/row_codec.hpp"
#include "proxy/server/config.hpp"
#include "proxy/server/stats.hpp"
#include "proxy/session/execution_host.hpp"
#include "router/planner.hpp"

namespace shardwire::proxy {

struct prepared_statement;

class plan_executor {
 public:
  plan_executor(execution_host& host, const config& cfg, statement_record& stmt, spdlog::logger& log,
                std::uint32_t session_id)
      : host_(host), cfg_(cfg), stmt_(stmt), log_(log), session_id_(session_id) {}

  // `out_format` binary: rows go to the client in the binary protocol (a prepared
  // statement run as text on the nodes). `cursor`: a merged read keeps its rows there
  // for COM_STMT_FETCH and answers with the header only.
  asio::awaitable<bool> run(const router::plan& p, std::uint8_t seq,
                            merger::row_format out_format = merger::row_format::text,
                            prepared_statement* cursor = nullptr);
  asio::awaitable<bool> run_single(const router::route_target& target, std::uint8_t seq);
  asio::awaitable<bool> send_explain(const router::plan& p, std::uint8_t seq);
  // A small result set the proxy answers itself (text columns).
  asio::awaitable<bool> send_table(const std::vector<std::string>& columns,
                                   const std::vector<std::vector<std::string>>& rows, std::uint8_t seq);

 private:
  asio::awaitable<bool> run_reads(const router::plan& p, std::uint8_t seq);
  asio::awaitable<bool> run_writes(const router::plan& p, std::uint8_t seq);
  asio::awaitable<bool> run_merged(const router::plan& p, std::uint8_t seq, merger::row_format out_format,
                                   prepared_statement* cursor);
  asio::awaitable<bool> lost(backend_connection& be, const error_code& ec, std::uint8_t seq);

  execution_host& host_;
  const config& cfg_;
  statement_record& stmt_;
  spdlog::logger& log_;
  std::uint32_t session_id_;
};

}  // namespace shardwire::proxy
