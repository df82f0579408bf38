// Transaction modes and XA two-phase commit (docs/transactions.md). A transaction in
// mode xa joins every data source as a branch of one XA transaction (XA START). At
// COMMIT one branch commits in one phase; several are ended and prepared, the commit
// decision is fsynced to the decision log (proxy/xa/decision_log), then each branch is
// committed, retried on a fresh connection if its own fails. A failure before the
// decision rolls every branch back; after it the transaction is committed, and what a
// session could not finish the recovery pass does (proxy/xa/recovery).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "proxy/cluster/topology.hpp"
#include "proxy/session/client_session.hpp"
#include "router/xa_sql.hpp"
#include "router/formatter.hpp"
#include "router/session_sql.hpp"
#include "router/parser.hpp"

namespace shardwire::proxy {

using protocol::errc;
using protocol::make_error;
using router::transaction_mode;

transaction_mode client_session::transaction_mode_now() const {
  if (txn_mode_override_) return *txn_mode_override_;
  if (const auto* s = cfg_->rules->find_schema(schema_); s && s->txn_mode) return *s->txn_mode;
  return cfg_->transactions.mode;
}

// Before a transaction takes a connection to `ds`: whether its mode lets it reach a
// second data source.
std::optional<protocol::sql_error> client_session::transaction_reach(const std::string& ds) const {
  if (!in_transaction()) return std::nullopt;
  std::string on;
  for (const auto& [name, be] : conns_) {
    if (be && name != ds && (be->txn_joined || (be->status & protocol::status::in_trans))) on = name;
  }
  if (on.empty()) return std::nullopt;
  transaction_mode mode = txn_.open() ? txn_.mode() : transaction_mode_now();
  std::string what = "a transaction on " + on + " reaching " + ds;
  if (mode == transaction_mode::local) {
    return make_error(errc::not_supported, what + " under shardwire_transaction_mode 'local' (one data source per "
                                                  "transaction; SET shardwire_transaction_mode = 'xa' or 'best_effort')");
  }
  if (mode == transaction_mode::xa && !txn_.open()) {
    return make_error(errc::not_supported, what + " in an implicit (autocommit=0) transaction under "
                                                  "shardwire_transaction_mode 'xa': begin it with BEGIN or START "
                                                  "TRANSACTION to make it one XA transaction");
  }
  return std::nullopt;
}

// BEGIN in mode xa: the transaction's id, or why XA cannot be used.
std::optional<protocol::sql_error> client_session::begin_xa() {
  if (txn_.mode() != transaction_mode::xa || txn_.read_only()) return std::nullopt;  // READ ONLY commits nothing
  auto& co = *worker_.state.xa;
  if (!co.available()) return make_error(errc::xa_unavailable, co.unavailable_reason());
  txn_.set_xa(co.next_gtrid());
  return std::nullopt;
}

// Test builds' crash points (proxy/xa/fault_hook.hpp): SIGKILL, or hold until the test
// removes the file it was told about.
asio::awaitable<void> client_session::xa_fault(xa::fault_step step) {
  auto act = worker_.state.xa->faults.reached(step);
  if (!act) co_return;
  if (act->kill) {
    worker_.log->flush();
    ::kill(::getpid(), SIGKILL);
  }
  { std::ofstream(act->wait_file) << ::getpid() << "\n"; }
  asio::steady_timer t(co_await asio::this_coro::executor);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::error_code ec;
  while (std::filesystem::exists(act->wait_file, ec) && std::chrono::steady_clock::now() < until) {
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(use_nothrow);
  }
}

// XA COMMIT of a decided branch whose own connection failed: on a fresh connection to
// the data source's primary until it succeeds or transactions.commit_retry_ms passes.
asio::awaitable<bool> client_session::retry_xa_commit(const std::string& ds_name, const xa::xid& x) {
  auto& co = *worker_.state.xa;
  auto src = base_.data_sources.find(ds_name);
  if (src == base_.data_sources.end()) co_return false;
  auto deadline = std::chrono::steady_clock::now() + cfg_->transactions.commit_retry;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  do {
    co.stats.commit_retries++;
    backend_connection c(co_await asio::this_coro::executor);
    backend_node& primary = worker_.state.topo->primary(src->second);
    auto opened = co_await c.open({&src->second, &primary, 0, 45}, primary.ep);
    if (opened) {
      auto r = co_await c.internal_query(xa::commit(x));
      if (r || r.error().code == xa::er_xaer_nota || r.error().code == xa::er_xa_rbrollback) co_return true;
      worker_.log->warn("session {}: XA COMMIT {} on {}: {}", id_, x.sql(), ds_name, r.error().message);
    }
    pause.expires_after(std::chrono::milliseconds(200));
    co_await pause.async_wait(use_nothrow);
  } while (std::chrono::steady_clock::now() < deadline && !worker_.state.stopping);
  co_return false;
}

asio::awaitable<bool> client_session::log_decision(const xa::decision& d) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        worker_.state.xa->log().decide(d, [shared, ex](bool ok) {
          asio::post(ex, [shared, ok]() mutable { (*shared)(ok); });
        });
      },
      asio::use_awaitable);
}

namespace {

// SELECT @@[session.]shardwire_transaction_mode [[AS] alias], nothing else: the
// column's name as the server would give it.
bool single_variable_select(const router::ast::statement& st, std::string& column) {
  const auto* s = std::get_if<router::ast::select_stmt>(&st.node);
  if (!s || !s->terms.empty() || s->items.size() != 1 || !s->from.empty() || s->where || s->having ||
      !s->group_by.empty() || s->limit || !s->ctes.empty() || !s->into.empty() || s->lock != router::ast::lock_mode::none) {
    return false;
  }
  const auto& item = s->items[0];
  if (!item.value || item.value->kind != router::ast::expr_kind::variable || !item.value->system) return false;
  column = item.alias ? item.alias->name : item.source;
  return true;
}

std::string names(const std::vector<xa_branch>& bs) {
  std::string out;
  for (const auto& b : bs) out += (out.empty() ? "" : ", ") + b.ds + " (" + b.be->describe() + ")";
  return out;
}
}  // namespace

// XA END + XA ROLLBACK on every branch (errors ignored: a lost connection's server rolls
// back a branch that was not prepared; a prepared one is left to recovery).
asio::awaitable<void> client_session::rollback_branches(std::vector<xa_branch>& bs) {
  for (auto& b : bs) {
    if (b.be->broken) continue;
    if (!b.ended) co_await b.be->internal_query(xa::end(b.x));
    auto r = co_await b.be->internal_query(xa::rollback(b.x));
    // A branch in a state XA ROLLBACK cannot end (or unknown) must not reach another
    // session: the connection is closed when given back, and the server drops it.
    if (!r && r.error().code != xa::er_xaer_nota) b.be->retire = true;
  }
}

// The transaction ended without committing: the client is told why (seq 0xFF: an
// implicit end, whose caller reports implicit_end_error_).
asio::awaitable<bool> client_session::xa_failed(const protocol::sql_error& e, std::uint8_t seq) {
  last_ok_ = false;
  worker_.log->warn("session {}: {}", id_, e.message);
  implicit_end_error_ = e;
  bool lost = conns_.any_broken();
  if (seq == 0xFF) co_return !lost;
  co_return co_await send_error(e, seq) && !lost;
}

asio::awaitable<bool> client_session::end_xa(bool commit, std::uint8_t seq) {
  auto& co = *worker_.state.xa;
  std::string gtrid = txn_.gtrid();
  std::vector<xa_branch> bs;
  auto parts = conns_.participants();  // (named: no temporaries in a coroutine's range-for, GCC 12)
  for (auto& [ds, be] : parts) {
    if (!be->xa_bqual.empty()) bs.push_back({ds, be, {gtrid, be->xa_bqual}});
    be->txn_joined = false;
    be->xa_bqual.clear();
  }
  txn_.finish();
  txn_.clear_next();
  implicit_end_error_.reset();
  last_ok_ = true;
  if (!commit || bs.empty()) {
    co_await rollback_branches(bs);
    if (!bs.empty()) co.stats.rolled_back++;
    if (seq == 0xFF) co_return true;  // (no ?: around co_await: GCC 12)
    co_return co_await send_ok(seq);
  }
  if (bs.size() == 1) {  // one data source: no prepare, no decision
    auto r = co_await bs[0].be->internal_query(xa::end(bs[0].x));
    bs[0].ended = static_cast<bool>(r);
    bool sent_commit = static_cast<bool>(r);
    if (r) r = co_await bs[0].be->internal_query(xa::commit(bs[0].x, true));
    if (!r) {
      auto e = r.error();
      if (sent_commit && bs[0].be->broken) {  // the answer was lost, not the question
        e.message += " [shardwire: the connection to " + bs[0].ds +
                     " was lost during XA COMMIT ONE PHASE: whether the transaction committed is unknown]";
      } else {
        e.message += " [shardwire: COMMIT failed; rolled back on: " + names(bs) + "]";
      }
      co_await rollback_branches(bs);
      co.stats.rolled_back++;
      co_return co_await xa_failed(e, seq);
    }
    co.stats.one_phase++;
    if (seq == 0xFF) co_return true;  // (no ?: around co_await: GCC 12)
    co_return co_await send_ok(seq);
  }
  // Phase one: every branch ended and prepared.
  co.activate(gtrid);
  std::optional<protocol::sql_error> failure;
  for (std::size_t i = 0; i < bs.size() && !failure; ++i) {
    auto r = co_await bs[i].be->internal_query(xa::end(bs[i].x));
    bs[i].ended = static_cast<bool>(r);
    if (r) r = co_await bs[i].be->internal_query(xa::prepare(bs[i].x));
    if (!r) {
      failure = r.error();
      failure->message += " [shardwire: XA PREPARE failed on " + bs[i].ds + "; the transaction was rolled back on: " +
                          names(bs) + "]";
      co.stats.prepare_failures++;
    } else if (i == 0) {
      co_await xa_fault(xa::fault_step::after_first_prepare);
    }
  }
  if (!failure) co_await xa_fault(xa::fault_step::after_prepares);
  // The decision, on disk before any branch commits.
  if (!failure) {
    xa::decision d{gtrid, {}};
    for (const auto& b : bs) d.branches.push_back({b.ds, b.x.bqual});
    if (!co_await log_decision(d)) {
      failure = make_error(errc::xa_unavailable, "the commit decision could not be written to " + co.log().path() +
                                                     "; the transaction was rolled back on: " + names(bs));
      co.stats.decision_failures++;
    }
  }
  if (failure) {
    co_await rollback_branches(bs);
    co.deactivate(gtrid);
    co.stats.rolled_back++;
    co_return co_await xa_failed(*failure, seq);
  }
  co_await xa_fault(xa::fault_step::after_decision);
  // Phase two: committed, whatever it takes.
  bool all = true;
  for (std::size_t i = 0; i < bs.size(); ++i) {
    sql_result<void> r = make_error(errc::backend_lost, bs[i].be->describe());  // (no ?: around co_await, GCC 12)
    if (!bs[i].be->broken) r = co_await bs[i].be->internal_query(xa::commit(bs[i].x));
    bool done = r || r.error().code == xa::er_xaer_nota || r.error().code == xa::er_xa_rbrollback;
    if (!done) {
      worker_.log->warn("session {}: XA COMMIT on {} failed ({}); retrying", id_, bs[i].ds, r.error().message);
      bs[i].be->broken = true;  // its state is unknown: never reused
      done = co_await retry_xa_commit(bs[i].ds, bs[i].x);
    }
    all = all && done;
    if (i == 0) co_await xa_fault(xa::fault_step::after_first_commit);
  }
  if (all) {
    co.log().complete(gtrid);
    co.stats.committed++;
  } else {
    co.stats.handed_to_recovery++;
    worker_.log->warn("session {}: XA transaction {} is committed; branches left prepared are committed by recovery",
                      id_, gtrid);
  }
  co.deactivate(gtrid);
  if (seq == 0xFF) co_return true;  // (no ?: around co_await: GCC 12)
  co_return co_await send_ok(seq);
}

// autocommit=0 in mode xa: the statement that would open the server's implicit
// transaction opens an XA one instead (its connections join as branches), so the
// transaction may span data sources like one begun with BEGIN. Statements that open no
// transaction on the server (SET, SHOW, DDL, ...) do not.
std::optional<protocol::sql_error> client_session::begin_implicit_xa() {
  if (autocommit_ || txn_.open() || conns_.server_transaction()) return std::nullopt;
  using kind = router::statement_kind;
  switch (analysis_.kind) {
    case kind::empty: case kind::set: case kind::use: case kind::show: case kind::ddl: case kind::lock_tables:
    case kind::unlock_tables: case kind::transaction: case kind::xa: case kind::kill: case kind::prepare:
    case kind::deallocate: case kind::shardwire:
      return std::nullopt;
    default:
      break;
  }
  if (transaction_mode_now() != transaction_mode::xa) return std::nullopt;
  txn_.start("BEGIN", transaction_mode::xa);
  if (auto refused = begin_xa()) {
    txn_.finish();
    return refused;
  }
  return std::nullopt;
}

// DDL and LOCK TABLES commit the open transaction on the server; an XA branch refuses
// them instead (XAER_RMFAIL), so the proxy commits the XA transaction first.
asio::awaitable<std::optional<protocol::sql_error>> client_session::commit_implicitly() {
  co_await end_transaction(true, router::session_sql::commit, 0xFF);
  if (!last_ok_ && implicit_end_error_) co_return implicit_end_error_;
  co_return std::nullopt;
}

// SET autocommit = 1 commits the open transaction. An XA branch ignores it (the server
// keeps the branch active), so the proxy commits the XA transaction first; its error, if
// any, is the statement's.
asio::awaitable<std::optional<protocol::sql_error>> client_session::commit_before_autocommit(std::string_view sql) {
  auto parsed = router::parse(sql);
  const auto* set = parsed ? std::get_if<router::ast::set_stmt>(&parsed->node) : nullptr;
  if (!set || analyze_set(*set).autocommit != true) co_return std::nullopt;
  co_await end_transaction(true, router::session_sql::commit, 0xFF);
  if (!last_ok_ && implicit_end_error_) co_return implicit_end_error_;
  co_return std::nullopt;
}

// SET shardwire_transaction_mode = ... / SELECT @@shardwire_transaction_mode: the
// proxy's own session variable, answered here (the server does not know it).
asio::awaitable<bool> client_session::proxy_variable(std::string_view sql, std::uint8_t seq) {
  auto parsed = router::parse(sql);
  auto refusal = make_error(errc::not_supported, "shardwire_transaction_mode in this statement (SET "
                                                 "shardwire_transaction_mode = 'local' | 'best_effort' | 'xa' | "
                                                 "DEFAULT, or SELECT @@shardwire_transaction_mode, each on its own)");
  if (!parsed) co_return co_await send_error(refusal, seq);
  if (const auto* set = std::get_if<router::ast::set_stmt>(&parsed->node)) {
    if (set->items.size() != 1 || !set->items[0].value) co_return co_await send_error(refusal, seq);
    const auto& it = set->items[0];
    std::string scope = router::ascii_upper(it.scope);
    if (!scope.empty() && scope != "SESSION" && scope != "LOCAL") {
      co_return co_await send_error(make_error(errc::not_supported, "SET " + it.scope + " shardwire_transaction_mode "
                                                                    "(a session variable; the default is the config's)"),
                                    seq);
    }
    std::string value = router::format(*it.value);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"')) value = value.substr(1, value.size() - 2);
    std::optional<transaction_mode> mode;
    bool reset = router::ascii_upper(value) == "DEFAULT";
    if (!reset) mode = router::parse_transaction_mode(value);
    if (!reset && !mode) {
      co_return co_await send_error(make_error(errc::wrong_value_for_var, "shardwire_transaction_mode", value), seq);
    }
    if (txn_.open()) co_return co_await send_error(make_error(errc::txn_in_progress), seq);
    if (mode == transaction_mode::xa && !worker_.state.xa->available()) {
      co_return co_await send_error(make_error(errc::xa_unavailable, worker_.state.xa->unavailable_reason()), seq);
    }
    txn_mode_override_ = mode;
    co_return co_await send_ok(seq);
  }
  // SELECT @@[session.]shardwire_transaction_mode [[AS] alias]
  std::string column;
  if (!single_variable_select(*parsed, column)) co_return co_await send_error(refusal, seq);
  plan_executor ex = executor();
  std::vector<std::vector<std::string>> rows{{router::transaction_mode_name(transaction_mode_now())}};
  std::vector<std::string> columns{column};
  co_return co_await ex.send_table(columns, rows, seq);
}

}  // namespace shardwire::proxy
