// KILL translation. Clients name the connection id the proxy gave them in the
// handshake; on a backend that number is another thread (or nothing). We find the
// target session, check the client owns it, and send KILL with the target's backend
// thread id through our own backend connection (same data source in pass-through).
#include <spdlog/spdlog.h>

#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;
using target = router::kill_statement::target;

void client_session::kill_connection() { close(); }

namespace {
// A reference to another worker's session, dropped on that session's own thread: if the
// session ended meanwhile it is destroyed there, with its pool, never on this worker.
struct session_ref {
  std::shared_ptr<client_session> p;
  asio::io_context* ioc = nullptr;
  session_ref() = default;
  session_ref(std::shared_ptr<client_session> s, asio::io_context* c) : p(std::move(s)), ioc(c) {}
  session_ref(const session_ref&) = delete;
  session_ref& operator=(const session_ref&) = delete;
  session_ref& operator=(session_ref&& o) noexcept {
    std::swap(p, o.p);
    std::swap(ioc, o.ioc);
    return *this;
  }
  ~session_ref() {
    if (p) asio::post(*ioc, [v = std::move(p)] {});
  }
};
}  // namespace

asio::awaitable<bool> client_session::handle_kill(const router::kill_statement& kill, std::uint8_t seq) {
  stmt_.route = route_kind::proxy;
  if (kill.kind == target::user) {
    co_return co_await send_error(
        make_error(errc::not_supported, "KILL USER (sessions share the proxy's backend accounts)"), seq);
  }
  if (kill.kind == target::query_id) {
    co_return co_await send_error(make_error(errc::not_supported, "KILL QUERY ID"), seq);
  }
  if (kill.kind == target::unsupported || kill.id > UINT32_MAX) {
    co_return co_await send_error(
        make_error(errc::not_supported, "this form of KILL; use KILL [HARD|SOFT] [CONNECTION|QUERY] <id>"), seq);
  }
  auto id = static_cast<std::uint32_t>(kill.id);
  auto found = worker_.state.sessions.find(id);
  session_ref victim;  // (no ?: with class temporaries in coroutines)
  if (found) victim = {found->session.lock(), found->ioc};
  if (!victim.p) co_return co_await send_error(make_error(errc::no_such_thread, kill.id), seq);
  if (victim.p->user() != user_) co_return co_await send_error(make_error(errc::kill_denied, kill.id), seq);

  std::uint32_t thread = victim.p->backend_thread_id();
  worker_.log->info("session {}: KILL {} {} (backend thread {})", id_,
                    kill.kind == target::query ? "QUERY" : "CONNECTION", id, thread);
  if (thread != 0) {
    // A multiplexed victim between statements holds no backend connection: nothing runs.
    std::string sql = router::session_sql::kill(kill.modifier, kill.kind == target::query, thread);
    backend_connection* be = co_await lease(cfg_->default_data_source, seq);
    if (!be) co_return !closed_;
    auto r = co_await be->internal_query(sql);
    // 1094: the thread finished its statement and went back to the pool meanwhile.
    if (!r && r.error().code != 1094) {
      // Killing our own connection: the backend says so (1927) and hangs up; so do we.
      bool self = victim.p.get() == this && kill.kind == target::connection;
      co_await send_error(r.error(), seq);
      co_return !self && !be->broken;
    }
  }
  if (kill.kind == target::connection) {
    asio::post(*victim.ioc, [v = std::move(victim.p)] { v->kill_connection(); });
  }
  co_return co_await send_ok(seq);
}

// PREPARE name FROM @var / EXECUTE IMMEDIATE @var: the server would run whatever text
// the variable holds, so the proxy reads it (on the connection that will run the
// statement) and analyzes it first. Other sources (expressions) cannot be read before
// they run: refused.
asio::awaitable<std::optional<protocol::sql_error>> client_session::check_dynamic_sql(std::string_view sql,
                                                                                     std::uint8_t seq) {
  auto toks = router::lex(sql);
  std::erase_if(toks, [](const router::token& t) { return t.kind == router::token_kind::hint; });
  std::size_t at = toks.size() > 0 && toks[0].is_word("PREPARE") ? 3 : 2;
  bool shape = at < toks.size() && toks[at].kind == router::token_kind::user_variable &&
               (toks[at + 1].kind == router::token_kind::end ||
                (toks[at + 1].is_op(";") && toks[at + 2].kind == router::token_kind::end));
  if (!shape || !analysis_.single()) {
    co_return make_error(errc::not_supported,
                         "PREPARE FROM / EXECUTE IMMEDIATE with an expression; use a string or one user variable");
  }
  backend_connection* be = co_await lease(cfg_->default_data_source, seq, false);
  if (!be) co_return make_error(errc::backend_lost, "no connection to read " + std::string(toks[at].text));
  std::string var(sql.substr(toks[at].offset, toks[at].length));
  std::vector<std::string> vars{var};  // named: no braced temporaries inside co_await (GCC 12)
  std::string select = router::session_sql::select_variables(vars);
  auto text = co_await be->query_value(select);
  if (!text) co_return text.error();
  if (!*text) co_return std::nullopt;  // NULL: the server refuses it itself
  auto inner = router::analyze_statement(**text, analysis_opts());
  if (note_triggers(inner) == trigger_note::refused) co_return too_many_new_triggers();
  if (inner.kill || inner.processlist || inner.connect_attrs || inner.dynamic_sql || needs_routing(**text)) {
    co_return make_error(errc::not_supported,
                         "dynamic SQL that runs KILL, reads PROCESSLIST or names a logical table; send it as a "
                         "plain statement");
  }
  co_return std::nullopt;
}

}  // namespace shardwire::proxy
