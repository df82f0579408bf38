// SQL-level PREPARE / EXECUTE / DEALLOCATE PREPARE. A statement naming logical tables
// is kept by the proxy (parsed once) and routed at each EXECUTE with the values of the
// USING variables; any other is the server's own (forwarded, and its connection pinned
// to the session).
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;
using router::token_kind;

namespace {
std::string name_key(const router::token& t) { return router::ascii_upper(t.text); }
}  // namespace

// true: handled here (a response was sent, or the session is gone).
asio::awaitable<bool> client_session::sql_prepare_statement(std::string_view sql, std::uint8_t seq) {
  auto toks = router::lex(sql);
  auto word = [&](std::size_t i, std::string_view w) { return i < toks.size() && toks[i].is_word(w); };
  auto is_name = [&](std::size_t i) {
    return i < toks.size() && (toks[i].kind == token_kind::identifier || toks[i].kind == token_kind::quoted_identifier);
  };
  auto at_end = [&](std::size_t i) {
    return i >= toks.size() || toks[i].kind == token_kind::end || (toks[i].is_op(";") && i + 2 >= toks.size());
  };
  if (word(0, "PREPARE") && is_name(1) && word(2, "FROM") && toks.size() > 3 && toks[3].kind == token_kind::string &&
      at_end(4)) {
    std::string inner = router::unescape_string(toks[3]);
    std::string key = name_key(toks[1]);
    if (!needs_routing(inner)) {
      if (auto it = stmts_.named.find(key); it != stmts_.named.end()) forget(*it->second);
      stmts_.named.erase(key);  // the server's statement of that name replaces ours
      co_return false;
    }
    auto parsed = router::parse(inner);
    if (!parsed) {
      co_return co_await send_error(
          make_error(errc::not_supported, "preparing unparsable SQL naming a sharded table: " + parsed.error().message),
          seq) ||
          true;
    }
    auto ps = std::make_unique<prepared_statement>();
    ps->sql = inner;
    ps->params = static_cast<std::uint16_t>(parsed->placeholders);
    ps->parsed = std::make_shared<const router::ast::statement>(std::move(*parsed));
    if (auto it = stmts_.named.find(key); it != stmts_.named.end()) {
      forget(*it->second);
    } else if (stmts_.size() >= static_cast<std::size_t>(cfg_->limits.max_prepared_stmt_count)) {
      co_return co_await send_error(make_error(errc::too_many_prepared, cfg_->limits.max_prepared_stmt_count), seq) ||
                true;
    }
    if (auto e = charge(ps->charged, ps->footprint(), "a prepared statement")) {
      stmts_.named.erase(key);  // PREPARE deallocates the old statement of that name first
      co_return co_await send_error(*e, seq) || true;
    }
    stmts_.named[key] = std::move(ps);
    protocol::bytes ok;
    protocol::encode_ok(ok, {protocol::ok_header, 0, 0, session_status(), 0, "Statement prepared"});
    co_await write_message(stream_, ok, seq);
    co_return true;
  }
  if (word(0, "EXECUTE") && is_name(1)) {
    auto it = stmts_.named.find(name_key(toks[1]));
    if (it == stmts_.named.end()) co_return false;
    prepared_statement& ps = *it->second;
    std::vector<std::string> vars;
    std::size_t i = 2;
    if (word(i, "USING")) {
      ++i;
      while (i < toks.size() && toks[i].kind == token_kind::user_variable) {
        vars.push_back(std::string(sql.substr(toks[i].offset, toks[i].length)));
        ++i;
        if (!toks[i].is_op(",")) break;
        ++i;
      }
    }
    if (!at_end(i) || vars.size() != ps.params) {
      co_await send_error(make_error(errc::wrong_arguments, "EXECUTE"), seq);
      co_return true;
    }
    // The variables live on the session's connections (replayed there): read them.
    std::vector<router::shard_value> values;
    std::vector<std::string> literals;
    std::string charset = client_charset_name();
    if (!vars.empty()) {
      backend_connection* be = co_await lease(cfg_->default_data_source, seq);
      if (!be) co_return true;
      // One query for all of them; each keeps the type the server reports for it.
      std::string select = router::session_sql::select_variables(vars);
      auto r = co_await be->query_rows(select);
      if (!r || r->rows.size() != 1 || r->definitions.size() != vars.size()) {
        co_await send_error(r ? make_error(errc::internal, "reading EXECUTE's variables") : r.error(), seq);
        co_return true;
      }
      for (std::size_t k = 0; k < vars.size(); ++k) {
        param_value p = user_variable_param(r->rows[0][k], r->definitions[k]);
        values.push_back(shard_value_of(p));
        literals.push_back(literal_of(p, charset));
      }
    }
    auto rules = statement_rules(ps.analysis.kind, true);
    router::route_context ctx{rules.get(), cfg_->default_data_source, schema_, &values};
    ctx.allow_moves = moves_allowed();
    ctx.param_literals = &literals;
    auto planned = router::route(*ps.parsed, ps.sql, ctx);
    if (!planned) {
      co_await send_error(planned.error(), seq);
      co_return true;
    }
    co_await run_plan(*planned, seq);
    co_return true;
  }
  if ((word(0, "DEALLOCATE") || word(0, "DROP")) && word(1, "PREPARE") && is_name(2) && at_end(3)) {
    auto it = stmts_.named.find(name_key(toks[2]));
    if (it == stmts_.named.end()) co_return false;
    forget(*it->second);
    stmts_.named.erase(it);
    co_await send_ok(seq);
    co_return true;
  }
  co_return false;
}

}  // namespace shardwire::proxy
