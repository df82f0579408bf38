// Statements that may touch logical (sharded or broadcast) tables: parse, plan,
// execute. Statements naming none of them never get here (needs_routing), so
// unsharded traffic keeps the raw-forwarding path.
#include <spdlog/spdlog.h>

#include "protocol/capabilities.hpp"
#include "proxy/session/client_session.hpp"
#include "router/counts_sql.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

using protocol::command;
using protocol::errc;
using router::plan;

router::analysis_options client_session::analysis_opts() const {
  router::analysis_options o;
  o.routed_names = &cfg_->routed_names;
  o.trigger_tables = triggers_.get();
  return o;
}

client_session::trigger_note client_session::note_triggers(const router::statement_analysis& a) {
  if (a.trigger_on.empty()) return trigger_note::none;
  // Known to every session before the trigger exists: its first write already pins.
  if (!worker_.state.triggers.add(a.trigger_on)) return trigger_note::refused;
  refresh_triggers();
  return trigger_note::added;
}

protocol::sql_error client_session::too_many_new_triggers() {
  return protocol::make_error(errc::not_supported,
                              "CREATE TRIGGER on more than " + std::to_string(trigger_tables::max_pending) +
                                  " tables before the next refresh of the trigger tables; retry after "
                                  "monitor.trigger_refresh_ms");
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
  if (analysis_.reads_counts && !calc_found_rows_) counted = router::substitute_counts(client_sql, {row_count_, found_rows_, id_});
  std::string_view sql = counted ? std::string_view(*counted) : client_sql;
  const auto kind = migration_kind(sql);
  if (cfg_->loaded_base) {
    auto refused_by_switch = co_await migration_gate(kind, sql);
    if (refused_by_switch) co_return co_await send_error(*refused_by_switch, seq);
  }
  const auto& rules = statement_rules(kind);  // a member of cfg_, which stays for the statement
  router::route_context ctx{rules.get(), cfg_->default_data_source, schema_, nullptr};
  ctx.allow_moves = analysis_.kind == router::statement_kind::update && moves_allowed();  // only an UPDATE moves rows
  protocol::sql_error refused;
  auto cached = counted ? cache_lookup::off : plan_from_cache(sql, ctx, refused);
  if (cached == cache_lookup::failed) co_return co_await send_error(refused, seq);
  std::optional<router::ast::use_stmt> use;
  if (cached != cache_lookup::planned) {
    auto parsed = router::parse(sql);
    router::plan_result planned =
        parsed ? router::route(*parsed, sql, ctx) : router::route_unparsed(sql, parsed.error(), ctx);
    if (!planned) co_return co_await send_error(planned.error(), seq);
    if (parsed) {
      if (const auto* u = std::get_if<router::ast::use_stmt>(&parsed->node)) use = *u;
      if (cached == cache_lookup::miss) remember_plan(std::move(*parsed), sql, planned, ctx);
    }
    routed_plan_ = std::move(*planned);
  }
  const plan& p = routed_plan_;
  if (p.type == plan::kind::explain) {
    plan_executor ex = executor();
    co_return co_await ex.send_explain(*p.explained, seq);
  }
  if (p.type == plan::kind::answer) {
    plan_executor ex = executor();
    co_return co_await ex.send_table(p.answer_columns, p.answer_rows, seq);
  }
  if (p.type == plan::kind::passthrough && p.targets.front().data_source == cfg_->default_data_source) {
    co_return co_await forward(command::query, frame);  // as written, tracked like any raw statement
  }
  // (After the gate, which may have taken newly published routes: a write that goes to
  // the target now owes no wait for the source's log. A pass-through notes it in forward.)
  note_double_write(kind, analysis_.single(), sql);
  bool keep = co_await run_plan(p, seq);
  if (keep && last_ok_ && use) schema_ = use->database.name;
  release_routed_plan();
  co_return keep;
}

// The plan's statements, run by the executor for this session.
asio::awaitable<bool> client_session::run_plan(const plan& p, std::uint8_t seq, merger::row_format out_format) {
  if (!p.moves.empty()) co_return co_await run_move(p, seq);
  plan_executor ex = executor();
  rule_limit_ = p.statement_limit;
  bool keep = co_await ex.run(p, seq, out_format, cursor_target_);
  rule_limit_ = std::chrono::milliseconds(0);
  co_return keep;
}

}  // namespace shardwire::proxy
