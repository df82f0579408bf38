#include "proxy/session/plan_executor.hpp"

#include <spdlog/spdlog.h>

namespace shardwire::proxy {

using protocol::command;
using protocol::errc;
using protocol::make_error;
using router::plan;

// Runs a plan's targets; `out_format` binary: the rows go to the client in the binary
// protocol (a prepared statement executed as text on the nodes).
asio::awaitable<bool> plan_executor::run(const plan& p, std::uint8_t seq, merger::row_format out_format,
                                         prepared_statement* cursor) {
  switch (p.type) {
    case plan::kind::single:
      stmt_.route = route_kind::single;
      break;
    case plan::kind::multi:
      stmt_.route = route_kind::multi;
      break;
    case plan::kind::broadcast:
      stmt_.route = route_kind::broadcast;
      break;
    default:
      stmt_.route = route_kind::unsharded;
      break;
  }
  stmt_.shards = static_cast<std::uint32_t>(p.targets.size());
  bool rows = !p.write || p.returns_rows;
  if (p.returns_rows && p.generated_id) host_.set_last_insert_id(*p.generated_id);
  if (rows && (p.merge || out_format == merger::row_format::binary)) co_return co_await run_merged(p, seq, out_format, cursor);
  if (p.targets.size() == 1 && (!p.generated_id || p.returns_rows))
    co_return co_await run_single(p.targets.front(), seq);
  if (!rows) co_return co_await run_writes(p, seq);
  co_return co_await run_reads(p, seq);  // UNION ALL / INSERT ... RETURNING across nodes: concatenated
}

asio::awaitable<bool> plan_executor::run_single(const router::route_target& target, std::uint8_t seq) {
  backend_connection* be = co_await host_.lease(target.data_source, seq);
  if (!be) co_return !host_.client_gone();
  // The node statement is the client's rewritten: its effects are the command's, already
  // analyzed once (dispatch, or the prepared statement's analysis at EXECUTE).
  auto marks = host_.statement_effects();
  if (auto ec = co_await be->send_command(command::query, protocol::as_bytes(target.sql))) {
    co_return co_await lost(*be, ec, seq);
  }
  co_return co_await host_.relay_response(*be, protocol::response_kind::result_sets, seq, marks);
}

// A read over several nodes whose rows need no merge (UNION ALL): their result sets
// streamed one after another as one (header from the first, terminator from the last).
asio::awaitable<bool> plan_executor::run_reads(const plan& p, std::uint8_t seq) {
  for (std::size_t i = 0; i < p.targets.size(); ++i) {
    const auto& t = p.targets[i];
    backend_connection* be = co_await host_.lease(t.data_source, seq, i == 0);
    if (!be) co_return !host_.client_gone() && i == 0;  // after the first node the client's response is half sent
    if (auto ec = co_await be->send_command(command::query, protocol::as_bytes(t.sql))) {
      co_return co_await lost(*be, ec, seq);
    }
    relay_options opts{i > 0, i + 1 < p.targets.size()};
    statement_marks none;  // a named local: GCC 12 mis-destroys braced temporaries in co_await
    if (!co_await host_.relay_response(*be, protocol::response_kind::result_sets, seq, none, opts, &seq)) co_return false;
    if (!host_.last_ok()) co_return true;  // the ERR ended the client's response
  }
  co_return true;
}

// A write over several nodes: every node is tried, and the client learns exactly which
// committed and which failed. Success only when every node succeeded.
asio::awaitable<bool> plan_executor::run_writes(const plan& p, std::uint8_t seq) {
  std::uint64_t affected = 0;
  std::uint16_t warnings = 0;
  std::optional<protocol::sql_error> first_error;
  std::string failed, succeeded;
  std::size_t failures = 0;
  for (const auto& t : p.targets) {
    backend_connection* be = co_await host_.lease(t.data_source, seq);
    // An ERR was sent: before any node wrote, the session goes on; after, the nodes that
    // wrote are in the log and the client's connection is closed.
    if (!be) co_return succeeded.empty() && failed.empty() && !host_.client_gone();
    auto r = co_await be->simple_command(command::query, protocol::as_bytes(t.sql));
    std::string where = t.data_source + ":" + t.database;
    if (r && be->last_ok.state_changed) host_.pin_reported_change();
    if (r) {
      affected += be->last_ok.affected_rows;
      stmt_.rows_affected += be->last_ok.affected_rows;
      warnings = static_cast<std::uint16_t>(warnings + be->last_ok.warnings);
      succeeded += (succeeded.empty() ? "" : ", ") + where;
    } else {
      ++failures;
      if (!first_error) first_error = r.error();
      failed += (failed.empty() ? "" : ", ") + where;
      if (be->broken) log_.warn("session {}: backend {} lost during a write", session_id_, be->describe());
    }
  }
  host_.set_last_ok(!first_error);
  if (first_error) {
    protocol::sql_error e = *first_error;
    e.message += " [shardwire: failed on " + std::to_string(failures) + " of " + std::to_string(p.targets.size()) +
                 " nodes (" + failed + "); succeeded on: " + (succeeded.empty() ? std::string("none") : succeeded) +
                 "]";
    log_.warn("session {}: partial write: {}", session_id_, e.message);
    co_return co_await host_.send_error(e, seq);
  }
  std::uint64_t insert_id = p.generated_id.value_or(0);
  // LAST_INSERT_ID() on the session returns the key the proxy generated, as it would
  // an AUTO_INCREMENT value (set on a connection when a statement reads it).
  if (p.generated_id) host_.set_last_insert_id(insert_id);
  co_return co_await host_.send_ok(seq, affected, insert_id, warnings);
}

// SHARDWIRE EXPLAIN: one row per target (data_source, database, sql).
asio::awaitable<bool> plan_executor::send_explain(const plan& p, std::uint8_t seq) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : p.targets) rows.push_back({t.data_source, t.database, t.sql});
  std::vector<std::string> columns{"data_source", "database", "sql"};  // (named: GCC 12 coroutines)
  co_return co_await send_table(columns, rows, seq);
}

asio::awaitable<bool> plan_executor::send_table(const std::vector<std::string>& columns,
                                                const std::vector<std::vector<std::string>>& rows, std::uint8_t seq) {
  stmt_.route = route_kind::proxy;
  stmt_.rows_sent = rows.size();
  protocol::bytes out, payload;
  auto emit = [&](auto&& build) {
    payload.clear();
    build(payload);
    protocol::frame_message(out, payload, seq);
  };
  emit([&](protocol::bytes& b) { protocol::writer(b).lenenc_int(columns.size()); });
  for (const auto& name : columns) {
    emit([&](protocol::bytes& b) {
      protocol::column_definition c;
      c.name = c.org_name = name;
      c.length = 65535;
      protocol::encode_column_definition(b, c, host_.extended_metadata());
    });
  }
  bool deprecate = host_.deprecate_eof();
  if (!deprecate) emit([&](protocol::bytes& b) { protocol::encode_eof(b, {0, host_.session_status()}); });
  for (const auto& r : rows) {
    emit([&](protocol::bytes& b) {
      std::vector<std::optional<std::string>> values(r.begin(), r.end());
      protocol::encode_text_row(b, values);
    });
  }
  emit([&](protocol::bytes& b) {
    if (deprecate) {
      protocol::encode_ok(b, {protocol::eof_header, 0, 0, host_.session_status(), 0, {}});
    } else {
      protocol::encode_eof(b, {0, host_.session_status()});
    }
  });
  co_return co_await host_.write_to_client(out);
}

// A node statement could not be sent: the connection is gone with whatever it held.
asio::awaitable<bool> plan_executor::lost(backend_connection& be, const error_code& ec, std::uint8_t seq) {
  be.broken = true;
  co_await host_.send_error(make_error(errc::backend_lost, be.describe() + ": " + io_error_text(ec)), seq);
  co_return false;
}

}  // namespace shardwire::proxy
