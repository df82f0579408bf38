// Server-side prepared statements (COM_STMT_*). The client's statement ids are the
// proxy's. A statement naming no logical table runs as a backend prepared statement on
// whichever connection serves the session (prepared there on first use, cached per
// connection). A routed statement is parsed once at prepare; each EXECUTE plans it with
// the bound values (so `WHERE user_id = ?` reaches one shard), runs the node statements
// as text with the values as literals, and returns the rows in the binary protocol
// through the merger.
#include <spdlog/spdlog.h>

#include "protocol/capabilities.hpp"
#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/lexer.hpp"
#include "router/sql_literal.hpp"

namespace shardwire::proxy {

namespace cap = protocol::cap;
using protocol::command;
using protocol::errc;
using protocol::make_error;

namespace {
constexpr std::uint8_t cursor_read_only = 1;

std::uint32_t read_id(protocol::byte_view arg) {
  protocol::reader r(arg);
  return r.u32();
}
}  // namespace

asio::awaitable<bool> client_session::stmt_prepare(std::string_view sql, std::uint8_t seq) {
  if (stmts_.size() >= static_cast<std::size_t>(cfg_->limits.max_prepared_stmt_count)) {
    co_return co_await send_error(make_error(errc::too_many_prepared, cfg_->limits.max_prepared_stmt_count), seq);
  }
  auto ps = std::make_unique<prepared_statement>();
  ps->sql = std::string(sql);
  ps->analysis = router::analyze_statement(sql, analysis_opts());
  auto noted = note_triggers(ps->analysis);
  if (noted == trigger_note::refused) co_return co_await send_error(too_many_new_triggers(), seq);
  if (noted == trigger_note::added) ps->analysis = router::analyze_statement(sql, analysis_opts());
  if (ps->analysis.kill || ps->analysis.processlist || ps->analysis.connect_attrs) {
    // KILL names proxy session ids and process lists are the proxy's: both are answered
    // only as plain statements, where the proxy translates them.
    co_return co_await send_error(
        make_error(errc::not_supported, "KILL, PROCESSLIST or connection attributes as a prepared statement; send it as a plain "
                                          "statement"),
        seq);
  }
  ps->schemas_hash = cfg_->schemas_hash;
  std::string data_source = cfg_->default_data_source;
  std::string meta_sql = ps->sql;
  std::size_t hidden = 0;
  if (routes(ps->analysis)) {
    auto parsed = router::parse(sql);
    auto rules = statement_rules(ps->analysis.kind, true);
    router::route_context ctx{rules.get(), cfg_->default_data_source, schema_, nullptr};
    ctx.allow_moves = moves_allowed();
    // Metadata comes from preparing one node's statement: route with placeholder values
    // of 0 (any node has the same shape), or unbound.
    std::vector<router::shard_value> zeros(parsed ? static_cast<std::size_t>(parsed->placeholders) : 0,
                                           router::shard_value::of_int(0));
    ctx.params = &zeros;
    router::plan_result planned = protocol::make_error(errc::internal, "unplanned");
    if (parsed) {
      planned = router::route(*parsed, sql, ctx);
      if (!planned) {
        ctx.params = nullptr;
        planned = router::route(*parsed, sql, ctx);
      }
    } else {
      planned = router::route_unparsed(sql, parsed.error(), ctx);
    }
    if (!planned) co_return co_await send_error(planned.error(), seq);
    bool raw = planned->type == router::plan::kind::passthrough &&
               planned->targets.front().data_source == cfg_->default_data_source;
    if (!raw) {
      if (planned->type == router::plan::kind::explain || planned->targets.empty()) {
        co_return co_await send_error(make_error(errc::not_supported, "preparing this statement"), seq);
      }
      ps->parsed = std::make_shared<const router::ast::statement>(std::move(*parsed));
      template_for(*ps, planned, ctx);
      data_source = planned->targets.front().data_source;
      meta_sql = planned->targets.front().sql;
      if (planned->merge) hidden = planned->merge->hidden;
    }
  }
  backend_connection* be = co_await lease(data_source, seq);
  if (!be) co_return !closed_;
  auto meta = co_await be->prepare(meta_sql);
  if (!meta) co_return co_await send_error(meta.error(), seq) && !be->broken;
  // Routed statements run as text: the backend statement was only for its metadata.
  if (ps->parsed) {
    if (auto ec = co_await be->close_statement(meta->id)) be->broken = true;
  } else {
    // Kept for the first EXECUTE here (no second prepare), within the cache's bound.
    auto cap = static_cast<std::size_t>(be->key().source->pool.prepared_statement_cache);
    backend_connection::cached_stmt kept{be->schema, ps->sql, meta->id, meta->params};
    if (auto ec = co_await be->remember(std::move(kept), cap)) be->broken = true;
  }
  ps->params = meta->params;
  if (extended_metadata() && !be->extended_metadata) {  // a server without it behind a client with it
    for (auto* defs : {&meta->param_defs, &meta->column_defs}) {
      for (auto& d : *defs) d = protocol::with_empty_extended_metadata(d).value_or(d);
    }
  }
  ps->param_defs = std::move(meta->param_defs);
  if (ps->parsed && ps->parsed->placeholders != meta->params) {
    // The node statement differs in its placeholders (LIMIT ? became a number): the
    // client's are the statement's own, described as the server describes a `?`.
    ps->params = static_cast<std::uint16_t>(ps->parsed->placeholders);
    ps->param_defs.assign(ps->params, {});
    protocol::column_definition def;
    def.name = "?";
    def.charset = 63;
    for (auto& d : ps->param_defs) protocol::encode_column_definition(d, def, extended_metadata());
  }
  ps->column_defs = std::move(meta->column_defs);
  if (hidden > 0 && ps->column_defs.size() >= hidden) ps->column_defs.resize(ps->column_defs.size() - hidden);
  ps->long_data.resize(ps->params);
  if (auto e = charge(ps->charged, ps->footprint(), "a prepared statement")) co_return co_await send_error(*e, seq);
  auto& stmt = stmts_.add(std::move(ps));

  protocol::bytes out, payload;
  auto emit = [&] { protocol::frame_message(out, payload, seq); };
  protocol::writer w(payload);
  w.u8(0x00);
  w.u32(stmt.id);
  w.u16(static_cast<std::uint16_t>(stmt.column_defs.size()));
  w.u16(stmt.params);
  w.u8(0);
  w.u16(0);
  emit();
  bool deprecate = caps_ & cap::deprecate_eof;
  for (const auto* defs : {&stmt.param_defs, &stmt.column_defs}) {
    for (const auto& d : *defs) {
      payload = d;
      emit();
    }
    if (!defs->empty() && !deprecate) {
      payload.clear();
      protocol::encode_eof(payload, {0, session_status()});
      emit();
    }
  }
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), use_nothrow);
  co_return !ec;
}

asio::awaitable<bool> client_session::stmt_execute(protocol::byte_view arg, std::uint8_t seq) {
  protocol::reader r(arg);
  std::uint32_t id = r.u32();
  std::uint8_t flags = r.u8();
  r.u32();  // iteration count: always 1
  if (!r.ok()) co_return co_await send_error(make_error(errc::malformed_packet), seq);
  prepared_statement* ps = stmts_.find(id);
  if (!ps) co_return co_await send_error(make_error(errc::unknown_stmt, id, "mysqld_stmt_execute"), seq);
  if (ps->long_data_error) {  // refused long data: reported here, as the server does
    protocol::sql_error e = *ps->long_data_error;
    ps->clear_long_data();
    settle(*ps);
    co_return co_await send_error(e, seq);
  }
  auto params = decode_params(arg.subspan(r.position()), *ps);
  if (!params) co_return co_await send_error(params.error(), seq);
  ps->cursor_open = false;
  ps->clear_cursor();
  settle(*ps);  // long data moved into `params`, the old cursor's rows gone
  analysis_ = ps->analysis;  // what run_plan and the relay read for this command
  intent_ = analysis_.intent;
  if (auto refused = begin_implicit_xa()) co_return co_await send_error(*refused, seq);
  stmt_.sql = ps->sql;
  stmt_.digest_cache = &ps->digest;
  // Prepared as a plain statement before a reload made it name a sharded table: running it
  // as prepared would write to the default data source. The client prepares it anew.
  if (!ps->parsed && ps->schemas_hash != cfg_->schemas_hash && needs_routing(ps->sql)) {
    co_return co_await send_error(make_error(errc::need_reprepare), seq);
  }
  if (ps->parsed) {
    if (flags & cursor_read_only) cursor_target_ = ps;
    bool keep = co_await execute_routed(*ps, *params, seq);
    cursor_target_ = nullptr;
    co_return keep;
  }
  co_return co_await execute_on_backend(*ps, *params, flags, seq);
}

asio::awaitable<bool> client_session::execute_on_backend(prepared_statement& ps, const bound_params& params,
                                                         std::uint8_t flags, std::uint8_t seq) {
  backend_connection* be = co_await lease(cfg_->default_data_source, seq);
  if (!be) co_return !closed_;
  auto marks = marks_of(ps.analysis);
  if (marks.last_insert_id) {
    if (auto r = co_await carry_last_insert_id(*be); !r) co_return co_await send_error(r.error(), seq) && !be->broken;
  }
  auto cached =
      co_await be->cached_prepare(ps.sql, static_cast<std::size_t>(be->key().source->pool.prepared_statement_cache));
  if (!cached && cached.error().code == 1461) {  // max_prepared_stmt_count: free this connection's and retry
    be->stmt_cache.clear();
    auto reset = co_await be->internal_command(command::reset_connection);
    if (reset) {
      be->applied.clear();
      be->applied_signature = 0;
      be->last_insert_id = 0;
      if (auto a = co_await adapt(*be, true); !a) co_return co_await send_error(a.error(), seq) && !be->broken;
      cached = co_await be->cached_prepare(ps.sql,
                                           static_cast<std::size_t>(be->key().source->pool.prepared_statement_cache));
    }
  }
  if (!cached) co_return co_await send_error(cached.error(), seq) && !be->broken;
  protocol::bytes payload;
  encode_execute(payload, cached->id, static_cast<std::uint8_t>(flags & ~cursor_read_only), params);
  if (auto ec = co_await write_message(be->stream(), payload, 0)) {
    be->broken = true;
    co_await send_error(make_error(errc::backend_lost, be->describe() + ": " + io_error_text(ec)), seq);
    co_return false;
  }
  if (flags & cursor_read_only) co_return co_await collect_cursor(*be, ps, seq);
  note_double_write(ps.analysis.kind, ps.analysis.single(), ps.sql);
  bool verbatim_before = reports_verbatim_;
  if (marks.set && tracking_set(ps.sql)) reports_verbatim_ = true;
  if (!co_await relay_response(*be, protocol::response_kind::result_sets, seq, marks)) co_return false;
  if (!last_ok_) reports_verbatim_ = verbatim_before;
  // A prepared USE or SET changes the session as the text form does.
  if (last_ok_ && (marks.set || marks.use)) co_return co_await track_set_or_use(ps.sql, marks, *be, seq);
  co_return true;
}

asio::awaitable<bool> client_session::execute_routed(prepared_statement& ps, const bound_params& params,
                                                     std::uint8_t seq) {
  std::string charset = client_charset_name();
  if (cfg_->loaded_base) {
    auto refused_by_switch = co_await migration_gate(ps.analysis.kind, ps.sql);
    if (refused_by_switch) co_return co_await send_error(*refused_by_switch, seq);
  }
  note_double_write(ps.analysis.kind, ps.analysis.single(), ps.sql);  // after the gate
  auto rules = statement_rules(ps.analysis.kind, true);
  router::route_context ctx{rules.get(), cfg_->default_data_source, schema_, nullptr};
  ctx.allow_moves = analysis_.kind == router::statement_kind::update && moves_allowed();
  // The statement's template binds the values (and its own literals) when it was made
  // under these rules and in this database; otherwise the planner plans the statement.
  if (ps.cached && ps.cached->rules() == ctx.rules && ps.cached->default_data_source() == ctx.default_data_source &&
      ps.cached->schema() == schema_) {
    auto& slots = worker_.slots;
    slots.clear();
    for (const auto& p : params) slots.push(shard_value_of(p), literal_of(p, charset));
    for (std::size_t i = 0; i < ps.literal_slots.size; ++i) {
      slots.push(ps.literal_slots.values[i], ps.literal_slots.texts[i]);
    }
    auto r = ps.cached->plan_for(ps.sql, slots, ctx, routed_plan_);
    if (!r) co_return co_await send_error(r.error(), seq);
    if (*r) worker_.plans.note_node_template();
  } else {
    std::vector<router::shard_value> values;
    std::vector<std::string> literals;
    for (const auto& p : params) {
      values.push_back(shard_value_of(p));
      literals.push_back(literal_of(p, charset));
    }
    ctx.params = &values;
    ctx.param_literals = &literals;
    auto planned = router::route(*ps.parsed, ps.sql, ctx);
    if (!planned) co_return co_await send_error(planned.error(), seq);
    routed_plan_ = std::move(*planned);
  }
  if (routed_plan_.type == router::plan::kind::passthrough || routed_plan_.type == router::plan::kind::explain) {
    co_return co_await send_error(make_error(errc::not_supported, "this prepared statement"), seq);
  }
  bool keep = co_await run_plan(routed_plan_, seq, merger::row_format::binary);
  release_routed_plan();
  co_return keep;
}

// A routed prepared statement takes its shape's template from the worker's plan cache
// (made from the statement when there is none yet) and keeps its own literals' values.
void client_session::template_for(prepared_statement& ps, const router::plan_result& planned,
                                  const router::route_context& ctx) {
  auto& w = worker_;
  if (!plan_cache_on() || !cacheable(ps.analysis)) return;
  shape_stamp_ = w.scan_shape(ps.sql);
  if (!w.shape.cacheable || w.shape.placeholders != ps.parsed->placeholders) return;
  router::plan_cache::compose_key(w.plan_key, w.shape.key, schema_);
  auto entry = w.plans.find(w.plan_key, ctx.rules, ctx.default_data_source, ps.sql, &w.shape);
  if (!entry) {
    auto parsed = router::parse(ps.sql);
    if (!parsed) return;
    std::shared_ptr<const router::sharding_rules> rules = cfg_->rules;  // the ones ctx names, kept alive
    if (cfg_->write_rules && ctx.rules == cfg_->write_rules.get()) rules = cfg_->write_rules;
    entry = router::cached_statement::make(std::move(*parsed), ps.sql, w.shape, planned, ctx, rules);
    if (!entry) {
      w.plans.note_uncacheable();
      return;
    }
    w.plans.insert(w.plan_key, entry);
  }
  ps.literal_slots.clear();
  if (!entry->bind_literals(ps.sql, w.shape, ps.literal_slots)) return;
  // Only the literals follow the `?`s: bind_literals appended them from slot 0.
  ps.cached = std::move(entry);
}

// The character set the server reads this session's string parameters in: the last
// SET NAMES / SET CHARACTER SET / SET character_set_client, else the handshake's.
std::string client_session::client_charset_name() const {
  std::string name;
  for (const auto& v : vars_.items()) {
    std::string_view text = v.text;
    if (v.key == "names") {
      auto toks = router::lex(text);  // NAMES x [COLLATE y] | CHARACTER SET x | CHARSET x
      std::size_t i = toks.size() > 1 && toks[0].is_word("CHARACTER") ? 2 : 1;
      if (i < toks.size()) name = router::ascii_lower(toks[i].text);
    } else if (v.key == "character_set_client") {
      auto eq = text.find('=');
      if (eq != std::string_view::npos) {
        auto toks = router::lex(text.substr(eq + 1));
        if (!toks.empty()) name = router::ascii_lower(toks[0].text);
      }
    }
  }
  if (name == "utf8") name = "utf8mb3";
  if (router::client_charset(name)) return name;
  if (auto cs = router::charset_of_collation(charset_)) return std::string(*cs);
  return "binary";  // unknown: a binary string can still never be anything but its bytes
}

asio::awaitable<bool> client_session::stmt_reset(protocol::byte_view arg, std::uint8_t seq) {
  std::uint32_t id = read_id(arg);
  prepared_statement* ps = stmts_.find(id);
  if (!ps) co_return co_await send_error(make_error(errc::unknown_stmt, id, "mysqld_stmt_reset"), seq);
  ps->clear_long_data();
  ps->cursor_open = false;
  ps->clear_cursor();
  settle(*ps);
  co_return co_await send_ok(seq);
}

void client_session::stmt_close(protocol::byte_view arg) {
  // Backend copies stay in their connections' caches (bounded) for other sessions.
  if (prepared_statement* ps = stmts_.find(read_id(arg))) forget(*ps);
  stmts_.erase(read_id(arg));
}

void client_session::stmt_long_data(protocol::byte_view arg) {
  // No response, even on error: the error is reported at EXECUTE (as the server does).
  protocol::reader r(arg);
  std::uint32_t id = r.u32();
  std::uint16_t param = r.u16();
  prepared_statement* ps = stmts_.find(id);
  if (!r.ok() || !ps || param >= ps->long_data.size() || ps->long_data_error) return;
  auto data = protocol::as_chars(arg.subspan(6));
  auto& slot = ps->long_data[param];
  std::size_t have = slot ? slot->size() : 0;
  std::optional<protocol::sql_error> refused;
  if (have + data.size() > cfg_->limits.max_long_data_size) {
    refused = make_error(errc::long_data_too_long, cfg_->limits.max_long_data_size);
  } else {
    refused = charge(ps->charged, data.size(), "long data (COM_STMT_SEND_LONG_DATA)");
  }
  if (refused) {  // the parameters' data is dropped now; EXECUTE reports the error
    ps->clear_long_data();
    ps->long_data_error = std::move(refused);
    settle(*ps);
    return;
  }
  if (!slot) slot.emplace();
  slot->append(data);
}

}  // namespace shardwire::proxy
