// Connection multiplexing: a session holds a backend connection only while a
// statement runs on it or while something the server keeps per connection pins it
// (docs/sessions.md lists the rules). Whatever connection serves the session next is
// first made to match it: schema, multi-statement option, the session's SET variables
// (only the difference), and the open transaction.
#include <spdlog/spdlog.h>

#include "protocol/auth.hpp"
#include "protocol/handshake.hpp"
#include "proxy/session/client_session.hpp"
#include "router/session_sql.hpp"
#include "router/formatter.hpp"

namespace shardwire::proxy {

namespace cap = protocol::cap;
using protocol::command;
using protocol::errc;
using protocol::make_error;

asio::awaitable<backend_connection*> client_session::lease(const std::string& data_source, std::uint8_t seq,
                                                           bool report) {
  auto src = base_.data_sources.find(data_source);
  if (src == base_.data_sources.end()) {
    if (report) co_await send_error(make_error(errc::internal, "plan names unknown data source " + data_source), seq);
    co_return nullptr;
  }
  const struct data_source& ds = src->second;
  bool read = replica_read() && worker_.state.topo->has_replicas(ds);
  if (intent_ == statement_class::write) {
    if (auto refused = note_write(ds)) {
      if (report) co_await send_error(*refused, seq);
      co_return nullptr;
    }
  }
  if (backend_connection* held = conns_.held(data_source)) {
    // A replica's connection kept for this statement (SHOW WARNINGS, FOUND_ROWS() after
    // a read) serves it; a write goes back to the primary.
    if (read || held->key().node->is_primary.load() || in_transaction() || intent_ != statement_class::write) {
      ++held->key().node->statements;
      // A held connection follows what changed since (COM_SET_OPTION, SETs...) too.
      if (auto a = co_await adapt(*held, data_source == cfg_->default_data_source); !a) {
        if (report) co_await send_error(a.error(), seq);
        co_return nullptr;
      }
      co_return held;
    }
    if (pinned()) {  // its state lives on the old primary: neither lose it nor write there
      std::string why = pins_.any() ? pins_.describe() : std::string("the transaction");
      if (report)
        co_await send_error(make_error(errc::pinned_to_old_primary, ds.name, why, held->key().node->address), seq);
      co_return nullptr;
    }
    worker_.pool.park(conns_.take(data_source));
  }
  if (auto refused = transaction_reach(data_source)) {
    if (report) co_await send_error(*refused, seq);
    co_return nullptr;
  }
  bool is_default = data_source == cfg_->default_data_source;
  auto leased = co_await acquire_for(ds, read, is_default);
  if (!leased) {
    if (report) co_await send_error(leased.error(), seq);
    co_return nullptr;
  }
  if (backend_cap_ > 0) {  // users[].max_backend_connections
    auto& admit = worker_.state.admit;
    if (!admit.take_backend(user_, ds.name, backend_cap_)) {
      worker_.pool.park(std::move(*leased));
      if (report) co_await send_error(make_error(errc::user_limit_reached, user_, backend_cap_), seq);
      co_return nullptr;
    }
    (*leased)->user_lease = std::shared_ptr<void>(nullptr, [&admit, user = user_, name = ds.name](void*) {
      admit.give_back(user, name);
    });
  }
  backend_connection& be = conns_.adopt(data_source, std::move(*leased));
  if (is_default) backend_thread_id_ = be.thread_id();
  co_return &be;
}

asio::awaitable<sql_result<void>> client_session::adapt(backend_connection& be, bool default_source) {
  auto annotate = [&](protocol::sql_error e, std::string_view what) {
    e.message = "making " + be.describe() + " match the session (" + std::string(what) + "): " + e.message;
    return e;
  };
  if (default_source && !schema_.empty() && be.schema != schema_) {
    auto r = co_await be.internal_command(command::init_db, protocol::as_bytes(schema_));
    if (!r) co_return r.error();  // e.g. the database was dropped meanwhile: the server's own error
    be.schema = schema_;
  }
  if (be.multi_statements != multi_statements_) {
    const std::uint8_t option[2] = {static_cast<std::uint8_t>(multi_statements_ ? 0 : 1), 0};
    auto r = co_await be.internal_command(command::set_option, option);
    if (!r) co_return annotate(r.error(), "multi-statement option");
    be.multi_statements = multi_statements_;
  }
  if (be.applied_signature != vars_.signature()) {
    auto stmts = vars_.statements_from(be.applied);
    if (!stmts) {
      // The connection carries settings this session never made: start it clean.
      auto r = co_await be.internal_command(command::reset_connection);
      if (r) r = co_await be.internal_query(router::session_sql::connection_defaults);
      if (!r) co_return annotate(r.error(), "reset");
      be.applied.clear();
      be.last_insert_id = 0;
      stmts = vars_.statements_from({});
    }
    for (const auto& sql : *stmts) {
      auto r = co_await be.internal_query(sql);
      if (!r) co_return annotate(r.error(), sql.substr(0, 80));
    }
    be.applied = vars_.items();
    be.applied_signature = vars_.signature();
  }
  if (txn_.open() && !be.txn_joined) co_return co_await join_transaction(be);
  co_return sql_result<void>{};
}

// LAST_INSERT_ID() is the session's: a statement that reads it gets the session's value
// on whichever connection runs it.
asio::awaitable<sql_result<void>> client_session::carry_last_insert_id(backend_connection& be) {
  if (be.last_insert_id == last_insert_id_) co_return sql_result<void>{};
  auto r = co_await be.internal_query(router::session_sql::set_last_insert_id(last_insert_id_));
  if (r) be.last_insert_id = last_insert_id_;
  co_return r;
}

// A connection first used inside a transaction starts its own local transaction, with
// the savepoints made so far (all of its work comes after them).
asio::awaitable<sql_result<void>> client_session::join_transaction(backend_connection& be) {
  std::string bqual;
  if (txn_.xa()) bqual = xa::branch_qualifier(txn_.next_branch());
  std::vector<std::string> stmts = txn_.join_statements(bqual);
  for (const auto& sql : stmts) {
    auto r = co_await be.internal_query(sql);
    if (!r) co_return r.error();
  }
  be.txn_joined = true;
  be.xa_bqual = std::move(bqual);
  co_return sql_result<void>{};
}

bool client_session::pinned() const { return pins_.any() || txn_.open(); }

asio::awaitable<std::unique_ptr<backend_connection>> client_session::extra_connection(const backend_connection& like) {
  const data_source& source = *like.key().source;
  // From the server `like` came from (a replica for a read); only one free right now.
  auto leased = co_await worker_.pool.acquire(
      connection_key{&source, like.key().node, caps_ & key_caps_mask, charset_, mariadb_caps_ & key_mariadb_caps_mask}, "", false, vars_.signature());
  if (!leased) co_return nullptr;
  if (!co_await adapt(**leased, false)) {
    (*leased)->broken = true;
    worker_.pool.release(std::move(*leased));
    co_return nullptr;
  }
  co_return std::move(*leased);
}

void client_session::return_extra(std::unique_ptr<backend_connection> be) { worker_.pool.park(std::move(be)); }

bool client_session::in_transaction() const {
  return txn_.open() || conns_.server_transaction();
}

std::uint16_t client_session::session_status() const {
  std::uint16_t s = autocommit_ ? protocol::status::autocommit : 0;
  if (in_transaction()) s |= protocol::status::in_trans;
  if (txn_.read_only()) s |= protocol::status::in_trans_readonly;
  return s;
}

void client_session::release_unpinned() {
  if (!pinned()) conns_.park_idle(worker_.pool);
}

// Session end, reset or user change: connections holding anything beyond the
// replayable variables are reset by the pool; clean ones go back as they are.
void client_session::release_all() {
  for (auto& [_, be] : conns_) {
    if (be && !be->xa_bqual.empty()) be->retire = true;  // closed: the server rolls its XA branch back
  }
  conns_.release_all(worker_.pool, pins_.dirty() || txn_.open() || !stmts_.empty());
}

void client_session::after_statement(backend_connection& be, const protocol::response_tracker& t,
                                     const statement_marks& marks) {
  if (t.last_insert_id() != 0) {
    last_insert_id_ = t.last_insert_id();
    be.last_insert_id = last_insert_id_;
  }
  // SHOW WARNINGS / SHOW ERRORS / FOUND_ROWS() next (an error is in the diagnostics area
  // too; a SHOW WARNINGS keeps it all for the statement after, as on the server).
  if (t.warnings() > 0 || t.failed() || marks.found_rows || marks.diagnostics) pins_.keep_for_next(true);
  calc_found_rows_ = marks.found_rows;
  if (!marks.set) txn_.clear_next();  // SET TRANSACTION (no scope) is for the next statement's transaction only
  // As the server counts: -1 after a result set or an error, else the last OK's
  // affected rows (a CALL ends in its last statement's count).
  row_count_ = t.failed() || !t.ended_in_ok() ? -1 : static_cast<std::int64_t>(t.affected_rows());
  if (t.result_set()) found_rows_ = t.rows();
  if (marks.pin_session && pins_.reason().empty()) {
    pins_.pin(marks.why);
    worker_.log->debug("session {}: pinned to its connections: {}", id_, pins_.reason());
  }
  if (!t.failed()) {
    if (marks.lock_tables) pins_.set_table_locks(true);
    if (marks.unlock_tables) pins_.set_table_locks(false);
  }
}

// A SET that succeeded on `ran_on`: remembered for every connection the session uses
// later, and applied now to the others it holds (SET autocommit=1 commits on each).
asio::awaitable<bool> client_session::apply_set(const router::ast::set_stmt& set, backend_connection& ran_on,
                                                std::uint8_t seq) {
  auto fx = analyze_set(set);
  if (fx.pin) pins_.pin(fx.why);
  if (fx.state_change_tracking) reports_verbatim_ = true;
  if (fx.next_transaction) {
    // The server keeps it on this connection for its next transaction (in autocommit,
    // its next statement): another session must never start that transaction.
    pins_.pin("SET TRANSACTION for the next transaction");
    txn_.clear_next();
    for (const auto& it : set.items) {
      if (it.kind == router::ast::set_stmt::item::target::transaction && it.scope.empty()) {
        txn_.set_next(router::session_sql::set({router::format_set_item(it)}));
      }
    }
  }
  if (fx.vars.empty()) co_return true;
  std::size_t added = 0;
  for (const auto& v : fx.vars) added += v.key.size() + v.text.size() + sizeof(session_var);
  if (charge(vars_charged_, added, "SET values")) {
    // Not carried by the proxy: the values stay on the connection they ran on, kept.
    pins_.pin("SET values beyond the session's memory budget");
    co_return true;
  }
  bool ran_on_in_step = ran_on.applied_signature == vars_.signature();
  for (auto& v : fx.vars) vars_.assign(std::move(v));
  budget_.adjust(vars_charged_, vars_.bytes());  // replaced values give their bytes back
  if (fx.autocommit) autocommit_ = *fx.autocommit;
  if (fx.wait_timeout) {
    wait_timeout_ = *fx.wait_timeout ? std::chrono::seconds(*fx.wait_timeout) : worker_.state.server_wait_timeout;
  }
  if (fx.autocommit == true && txn_.open()) {
    // SET autocommit=1 commits the open transaction (each held connection commits as
    // the SET reaches it below).
    txn_.finish();
    for (auto& [_, be] : conns_) {
      if (be) be->txn_joined = false;
    }
  }
  if (ran_on_in_step) {
    ran_on.applied = vars_.items();
    ran_on.applied_signature = vars_.signature();
  }
  for (auto& [name, be] : conns_) {
    if (!be || be.get() == &ran_on) continue;
    auto r = co_await adapt(*be, name == cfg_->default_data_source);
    if (!r) {  // the connection no longer matches the session: do not use it again
      worker_.log->warn("session {}: {}; connection dropped", id_, r.error().message);
      be->broken = true;
    }
  }
  (void)seq;
  co_return true;
}

// Open transactions are rolled back, temporary tables and locks dropped: the pool
// resets every connection that held any of it. What the session kept is gone too.
void client_session::start_over() {
  release_all();
  vars_.clear();
  autocommit_ = true;
  reset_server_defaults();
  txn_ = {};
  txn_mode_override_.reset();  // SET shardwire_transaction_mode is session state too
  pins_.clear();
  last_insert_id_ = 0;
  stmts_.clear();
  budget_.release_all();  // statements and replayed values are gone
  vars_charged_ = 0;
}

asio::awaitable<bool> client_session::reset_connection(std::uint8_t seq) {
  start_over();
  co_return co_await send_ok(seq);
}

// COM_CHANGE_USER: authenticate again (against the same scramble), then start over as
// a fresh session of that user in the requested database.
asio::awaitable<bool> client_session::change_user(protocol::byte_view arg, std::uint8_t seq) {
  protocol::reader r(arg);
  protocol::handshake_response resp;
  resp.capabilities = caps_;
  resp.user = std::string(r.null_str());
  if (caps_ & cap::secure_connection) {
    auto n = r.u8();
    auto token = r.fixed(n);
    resp.auth_response.assign(token.begin(), token.end());
  } else {
    auto token = r.null_str();
    resp.auth_response.assign(token.begin(), token.end());
  }
  resp.database = std::string(r.null_str());
  if (r.ok() && r.remaining() >= 2) resp.charset = static_cast<std::uint8_t>(r.u16());
  if (r.ok() && (caps_ & cap::plugin_auth) && r.remaining() > 0) resp.auth_plugin = std::string(r.null_str());
  if (r.ok() && (caps_ & cap::connect_attrs) && r.remaining() > 0) {
    // Kept for the session's life: no more than a login's (64 KiB) handshake could carry.
    constexpr std::size_t max_connect_attrs = 64 * 1024;
    auto block = protocol::as_bytes(r.lenenc_str());
    auto attrs = protocol::decode_connect_attrs(block);
    if (attrs && block.size() <= max_connect_attrs) resp.attributes = std::move(*attrs);
    if (!attrs) r.fail();
  }
  if (!r.ok()) {
    co_await send_error(make_error(errc::malformed_packet), seq);
    co_return false;
  }
  start_over();
  if (!co_await authenticate(resp, seq)) co_return false;  // ERR sent: the server closes too
  {
    std::lock_guard lock(user_mutex_);
    user_ = resp.user;
  }
  attrs_ = std::make_shared<const connect_attrs>(std::move(resp.attributes));
  update_statement_limit();
  if (resp.charset) charset_ = resp.charset;
  schema_ = resp.database;
  if (!co_await lease(cfg_->default_data_source, seq)) co_return false;
  co_return co_await send_login_ok(seq);
}

}  // namespace shardwire::proxy
