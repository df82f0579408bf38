// Statements that may touch logical (sharded or broadcast) tables: parse, plan,
// execute. Statements naming none of them never get here (needs_routing), so
// unsharded traffic keeps the raw-forwarding path.
#include <spdlog/spdlog.h>

#include "protocol/capabilities.hpp"
#include "proxy/session/client_session.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

namespace cap = protocol::cap;
using protocol::command;
using protocol::errc;
using protocol::make_error;
using router::plan;

router::analysis_options client_session::analysis_opts() const {
  router::analysis_options o;
  o.routed_names = &cfg_->routed_names;
  o.trigger_tables = triggers_.get();
  return o;
}

bool client_session::note_triggers(const router::statement_analysis& a) {
  if (a.trigger_on.empty()) return false;
  // Known to every session before the trigger exists: its first write already pins.
  for (const auto& table : a.trigger_on) worker_.state.triggers.add(table);
  refresh_triggers();
  return true;
}

void client_session::refresh_triggers() {
  auto gen = worker_.state.triggers.generation();
  if (gen == triggers_generation_) return;
  triggers_ = worker_.state.triggers.snapshot();
  triggers_generation_ = gen;
}

bool client_session::routes(const router::statement_analysis& a) const {
  // SHARDWIRE is our own statement, answered with or without rules.
  if (a.kind == router::statement_kind::shardwire) return true;
  if (cfg_->routed_names.empty()) return false;
  // USE changes what unqualified names mean; SHOW [FULL] TABLES / DATABASES / SCHEMAS
  // list logical names. Other SHOWs (drivers' SHOW VARIABLES, WARNINGS, ...) stay on
  // the raw path unless they name a logical table.
  return a.kind == router::statement_kind::use || a.lists_names || a.names_routed;
}

bool client_session::needs_routing(std::string_view sql) const {
  return routes(router::analyze_statement(sql, analysis_opts()));
}

asio::awaitable<bool> client_session::route_query(std::string_view client_sql, const protocol::unframe_result& frame) {
  std::uint8_t seq = frame.next_seq;
  // ROW_COUNT() / FOUND_ROWS() / CONNECTION_ID() are the session's, whatever node runs it.
  std::optional<std::string> counted;
  if (analysis_.reads_counts && !calc_found_rows_) counted = substitute_counts(client_sql, row_count_, found_rows_, id_);
  std::string_view sql = counted ? std::string_view(*counted) : client_sql;
  auto parsed = router::parse(sql);
  router::route_context ctx{cfg_->rules.get(), cfg_->default_data_source, schema_, nullptr};
  router::plan_result planned =
      parsed ? router::route(*parsed, sql, ctx) : router::route_unparsed(sql, parsed.error(), ctx);
  if (!planned) co_return co_await send_error(planned.error(), seq);
  const plan& p = *planned;
  if (p.type == plan::kind::explain) co_return co_await send_explain(*p.explained, seq);
  if (p.type == plan::kind::passthrough && p.targets.front().data_source == cfg_->default_data_source) {
    co_return co_await forward(command::query, frame);  // as written, tracked like any raw statement
  }
  bool keep = co_await run_plan(p, seq);
  if (keep && last_ok_ && parsed) {
    if (const auto* use = std::get_if<router::ast::use_stmt>(&parsed->node)) schema_ = use->database.name;
  }
  co_return keep;
}

// Runs a plan's targets; `out_format` binary: the rows go to the client in the binary
// protocol (a prepared statement executed as text on the nodes).
asio::awaitable<bool> client_session::run_plan(const plan& p, std::uint8_t seq, merger::row_format out_format) {
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
  if (p.returns_rows && p.generated_id) last_insert_id_ = *p.generated_id;
  if (rows && (p.merge || out_format == merger::row_format::binary)) co_return co_await run_merged(p, seq, out_format);
  if (p.targets.size() == 1 && (!p.generated_id || p.returns_rows))
    co_return co_await run_single(p.targets.front(), seq);
  if (!rows) co_return co_await run_writes(p, seq);
  co_return co_await run_reads(p, seq);  // UNION ALL / INSERT ... RETURNING across nodes: concatenated
}

asio::awaitable<bool> client_session::run_single(const router::route_target& target, std::uint8_t seq) {
  backend_connection* be = co_await lease(target.data_source, seq);
  if (!be) co_return !closed_;
  // The node statement is the client's rewritten: its effects are the command's, already
  // analyzed once (dispatch, or the prepared statement's analysis at EXECUTE).
  auto marks = marks_of(analysis_);
  if (auto ec = co_await be->send_command(command::query, protocol::as_bytes(target.sql))) {
    be->broken = true;
    co_await send_error(make_error(errc::backend_lost, be->describe() + ": " + io_error_text(ec)), seq);
    co_return false;
  }
  co_return co_await relay_response(*be, protocol::response_kind::result_sets, seq, marks);
}

// A read over several nodes whose rows need no merge (UNION ALL): their result sets
// streamed one after another as one (header from the first, terminator from the last).
asio::awaitable<bool> client_session::run_reads(const plan& p, std::uint8_t seq) {
  for (std::size_t i = 0; i < p.targets.size(); ++i) {
    const auto& t = p.targets[i];
    backend_connection* be = co_await lease(t.data_source, seq, i == 0);
    if (!be) co_return !closed_ && i == 0;  // after the first node the client's response is half sent
    if (auto ec = co_await be->send_command(command::query, protocol::as_bytes(t.sql))) {
      be->broken = true;
      co_await send_error(make_error(errc::backend_lost, be->describe() + ": " + io_error_text(ec)), seq);
      co_return false;
    }
    relay_options opts{i > 0, i + 1 < p.targets.size()};
    statement_marks none;  // a named local: GCC 12 mis-destroys braced temporaries in co_await
    if (!co_await relay_response(*be, protocol::response_kind::result_sets, seq, none, opts, &seq)) co_return false;
    if (!last_ok_) co_return true;  // the ERR ended the client's response
  }
  co_return true;
}

// A write over several nodes: every node is tried, and the client learns exactly which
// committed and which failed. Success only when every node succeeded.
asio::awaitable<bool> client_session::run_writes(const plan& p, std::uint8_t seq) {
  std::uint64_t affected = 0;
  std::uint16_t warnings = 0;
  std::optional<protocol::sql_error> first_error;
  std::string failed, succeeded;
  std::size_t failures = 0;
  for (const auto& t : p.targets) {
    backend_connection* be = co_await lease(t.data_source, seq);
    if (!be) co_return false;  // an ERR was sent; nodes before it are listed in the log
    auto r = co_await be->simple_command(command::query, protocol::as_bytes(t.sql));
    std::string where = t.data_source + ":" + t.database;
    if (r && be->last_ok.state_changed) pin_reported_change();
    if (r) {
      affected += be->last_ok.affected_rows;
      stmt_.rows_affected += be->last_ok.affected_rows;
      warnings = static_cast<std::uint16_t>(warnings + be->last_ok.warnings);
      succeeded += (succeeded.empty() ? "" : ", ") + where;
    } else {
      ++failures;
      if (!first_error) first_error = r.error();
      failed += (failed.empty() ? "" : ", ") + where;
      if (be->broken) worker_.log->warn("session {}: backend {} lost during a write", id_, be->describe());
    }
  }
  last_ok_ = !first_error;
  if (first_error) {
    protocol::sql_error e = *first_error;
    e.message += " [shardwire: failed on " + std::to_string(failures) + " of " + std::to_string(p.targets.size()) +
                 " nodes (" + failed + "); succeeded on: " + (succeeded.empty() ? std::string("none") : succeeded) +
                 "]";
    worker_.log->warn("session {}: partial write: {}", id_, e.message);
    co_return co_await send_error(e, seq);
  }
  std::uint64_t insert_id = p.generated_id.value_or(0);
  // LAST_INSERT_ID() on the session returns the key the proxy generated, as it would
  // an AUTO_INCREMENT value (set on a connection when a statement reads it).
  if (p.generated_id) last_insert_id_ = insert_id;
  co_return co_await send_ok(seq, affected, insert_id, warnings);
}

// SHARDWIRE EXPLAIN: one row per target (data_source, database, sql).
asio::awaitable<bool> client_session::send_explain(const plan& p, std::uint8_t seq) {
  stmt_.route = route_kind::proxy;
  stmt_.rows_sent = p.targets.size();
  protocol::bytes out, payload;
  auto emit = [&](auto&& build) {
    payload.clear();
    build(payload);
    protocol::frame_message(out, payload, seq);
  };
  emit([](protocol::bytes& b) { protocol::writer(b).lenenc_int(3); });
  for (const char* name : {"data_source", "database", "sql"}) {
    emit([&](protocol::bytes& b) {
      protocol::column_definition c;
      c.name = c.org_name = name;
      c.length = 65535;
      protocol::encode_column_definition(b, c);
    });
  }
  bool deprecate = caps_ & cap::deprecate_eof;
  if (!deprecate) emit([&](protocol::bytes& b) { protocol::encode_eof(b, {0, session_status()}); });
  for (const auto& t : p.targets) {
    emit([&](protocol::bytes& b) { protocol::encode_text_row(b, {t.data_source, t.database, t.sql}); });
  }
  emit([&](protocol::bytes& b) {
    if (deprecate) {
      protocol::encode_ok(b, {protocol::eof_header, 0, 0, session_status(), 0, {}});
    } else {
      protocol::encode_eof(b, {0, session_status()});
    }
  });
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), use_nothrow);
  co_return !ec;
}

}  // namespace shardwire::proxy
