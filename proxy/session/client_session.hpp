// One client connection: the handshake and authentication against the proxy's own
// users, then a loop reading commands and running them on backend connections the
// session leases per statement (multiplexing) or holds while its state pins them.
// Runs as one coroutine on its worker's thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "proxy/session/prepared.hpp"
#include "proxy/net/relay.hpp"
#include "proxy/session/connection_set.hpp"
#include "proxy/session/memory_budget.hpp"
#include "proxy/session/plan_executor.hpp"
#include "proxy/session/session_state.hpp"
#include "proxy/session/transaction_state.hpp"
#include "proxy/server/worker.hpp"
#include "router/xa_sql.hpp"
#include "router/kill_statement.hpp"
#include "router/load_data.hpp"
#include "router/planner.hpp"

namespace shardwire::proxy {

// One data source's branch of a session's XA transaction at COMMIT (session_xa.cpp).
struct xa_branch {
  std::string ds;
  backend_connection* be;
  xa::xid x;
  bool ended = false;
};

class client_session final : public std::enable_shared_from_this<client_session>, private execution_host {
 public:
  client_session(tcp::socket socket, worker& w);
  ~client_session();

  asio::awaitable<void> run();
  // Graceful shutdown: an idle session closes now, a busy one after its statement.
  void request_stop();
  std::uint32_t id() const { return id_; }
  // For KILL from other sessions (any thread): immutable once registered / atomic.
  std::string user() const {
    std::lock_guard lock(user_mutex_);
    return user_;
  }
  std::uint32_t backend_thread_id() const { return backend_thread_id_.load(std::memory_order_relaxed); }
  void kill_connection();  // run on this session's own worker

  // For GET /v1/sessions: read on the session's own worker thread.
  // CLIENT_CONNECT_ATTRS as the client sent them (at login or COM_CHANGE_USER).
  using connect_attrs = std::vector<std::pair<std::string, std::string>>;
  struct info {
    std::uint32_t id = 0;
    std::string user, client, schema, state, statement, pinned;
    double state_ms = 0;  // in the current state (idle: since the last statement)
    bool in_transaction = false;
    std::vector<std::string> backends;  // held connections: "ds0 127.0.0.1:3307"
    std::shared_ptr<const connect_attrs> attributes;
  };
  info describe() const;

 private:
  // The connection phase (session_auth.cpp).
  asio::awaitable<bool> handshake();
  asio::awaitable<std::optional<protocol::handshake_response>> read_handshake_response(std::uint8_t& seq);
  asio::awaitable<bool> start_tls(std::uint8_t seq);
  asio::awaitable<bool> authenticate(const protocol::handshake_response& resp, std::uint8_t& seq);
  enum class auth_outcome { ok, denied, gone };
  asio::awaitable<std::optional<protocol::bytes>> exchange_auth(const protocol::bytes& packet, std::uint8_t& seq);
  asio::awaitable<auth_outcome> sha2_authenticate(const client_user* user, const protocol::bytes& token,
                                                  std::uint8_t& seq);
  asio::awaitable<std::optional<std::string>> sha2_full_password(std::uint8_t& seq);
  asio::awaitable<bool> attach_backend(const std::string& schema, std::uint8_t& seq);
  asio::awaitable<void> command_loop();
  // Statement statistics (session_stats.cpp): what the current command did, recorded in
  // the worker's stats, digests and the slow query log when it ends.
  void begin_statement(const protocol::unframe_result& frame);
  void end_statement();
  void refresh_config();
  asio::awaitable<bool> dispatch(const protocol::unframe_result& frame);
  asio::awaitable<bool> forward(protocol::command cmd, const protocol::unframe_result& frame);
  std::optional<protocol::sql_error> local_infile_refusal(std::string_view sql, bool sharded) const;
  asio::awaitable<bool> track_set_or_use(std::string_view sql, const statement_marks& marks, backend_connection& be,
                                         std::uint8_t seq);
  asio::awaitable<bool> handle_kill(const router::kill_statement& kill, std::uint8_t seq);
  // PREPARE name FROM @var / EXECUTE IMMEDIATE @var: the variable's text is read and
  // analyzed before the server runs it (session_kill.cpp); an error refuses it.
  asio::awaitable<std::optional<protocol::sql_error>> check_dynamic_sql(std::string_view sql, std::uint8_t seq);
  // SHOW [FULL] PROCESSLIST and information_schema.PROCESSLIST (session_processlist.cpp).
  asio::awaitable<bool> answer_processlist(std::uint8_t seq);
  asio::awaitable<bool> change_user(protocol::byte_view arg, std::uint8_t seq);
  // The server flagged a session state change that no tracked statement explains.
  void pin_reported_change() override;
  // Memory budget: `more` bytes for `what`, or the error (1041) to answer instead.
  std::optional<protocol::sql_error> charge(std::size_t& charged, std::size_t more, std::string_view what) override;
  void settle(prepared_statement& ps) override;  // its charge follows its footprint (after it shrank)
  void forget(prepared_statement& ps) { budget_.give(ps.charged), ps.charged = 0; }
  asio::awaitable<bool> reset_connection(std::uint8_t seq);
  void start_over();  // COM_RESET_CONNECTION, COM_CHANGE_USER: a fresh server session
  // Connections (session_conns.cpp): the session's connection to a data source, made
  // to match the session's schema, variables and transaction; released after each
  // command unless something pins it.
  asio::awaitable<backend_connection*> lease(const std::string& data_source, std::uint8_t seq,
                                             bool report = true) override;
  asio::awaitable<sql_result<void>> adapt(backend_connection& be, bool default_source);
  asio::awaitable<sql_result<void>> carry_last_insert_id(backend_connection& be);
  // max_statement_time (session_timeout.cpp).
  void update_statement_limit();
  std::shared_ptr<statement_clock> time_statement(backend_connection& be) override;
  asio::awaitable<void> watch_statement(std::shared_ptr<statement_clock> clock, backend_connection& be,
                                        std::chrono::milliseconds limit);
  asio::awaitable<bool> kill_running(backend_connection& killer, std::uint32_t thread, const statement_clock& clock);
  // Read/write splitting (session_replica.cpp): the server of `ds` a new connection
  // comes from, and read-your-writes before a replica serves the session.
  bool replica_read() const;
  backend_node* read_node(const data_source& ds) const;
  std::optional<protocol::sql_error> note_write(const data_source& ds);
  asio::awaitable<bool> causal_ready(const data_source& ds, backend_connection& replica);
  asio::awaitable<sql_result<std::unique_ptr<backend_connection>>> acquire_for(const data_source& ds, bool read,
                                                                               bool is_default);
  asio::awaitable<sql_result<void>> join_transaction(backend_connection& be);
  void release_unpinned();
  void release_all();
  // Migrated tables (session_migration.cpp).
  const std::shared_ptr<const router::sharding_rules>& statement_rules(router::statement_kind kind, bool prepared = false);
  asio::awaitable<std::optional<protocol::sql_error>> migration_gate(router::statement_kind kind, std::string_view sql);
  void release_migration_holds();
  router::statement_kind migration_kind(std::string_view sql) const;
  // Writes to a table a migration double-writes: the OK of the statement that commits
  // them (the write in autocommit, or COMMIT) waits until the target holds them.
  void note_double_write(router::statement_kind kind, bool single, std::string_view sql) {
    if (!cfg_->double_writes.empty()) owe_double_write(kind, single, sql);  // (most configs have none)
  }
  void owe_double_write(router::statement_kind kind, bool single, std::string_view sql);
  asio::awaitable<void> settle_double_writes(std::uint16_t status, bool failed);
  struct double_write_wait final : relay_completion {
    client_session& s;
    explicit double_write_wait(client_session& owner) : s(owner) {}
    asio::awaitable<void> before_last_flush(std::uint16_t status, bool failed) override {
      co_await s.settle_double_writes(status, failed);
    }
  };
  bool pinned() const;
  bool in_transaction() const;
  std::uint16_t session_status() const override;
  void after_statement(backend_connection& be, const protocol::response_tracker& t, const statement_marks& marks);
  asio::awaitable<bool> apply_set(const router::ast::set_stmt& set, backend_connection& ran_on, std::uint8_t seq);
  asio::awaitable<bool> send_login_ok(std::uint8_t seq);
  // LOAD DATA LOCAL into a sharded table (session_load.cpp).
  struct sharded_load_target {
    router::load_data_stmt stmt;
    const router::table_rule* rule = nullptr;  // a sharded or broadcast table
  };
  std::optional<sharded_load_target> sharded_load(std::string_view sql) const;
  asio::awaitable<bool> load_sharded(sharded_load_target target, std::string_view sql,
                                     const protocol::unframe_result& frame);
  bool tracking_set(std::string_view sql) const;
  asio::awaitable<bool> send_ok(std::uint8_t seq, std::uint64_t affected = 0, std::uint64_t insert_id = 0,
                                std::uint16_t warnings = 0) override;
  // Transactions (session_txn.cpp)
  asio::awaitable<bool> run_transaction_statement(const router::ast::transaction_stmt& t, std::string_view sql,
                                                  std::uint8_t seq);
  asio::awaitable<bool> end_transaction(bool commit, std::string_view sql, std::uint8_t seq);
  std::optional<protocol::sql_error> implicit_end_error_;  // of the last end_transaction that failed
  // Transaction modes and XA (session_xa.cpp).
  router::transaction_mode transaction_mode_now() const;
  std::optional<protocol::sql_error> transaction_reach(const std::string& data_source) const;
  std::optional<protocol::sql_error> begin_xa();
  asio::awaitable<bool> end_xa(bool commit, std::uint8_t seq);
  asio::awaitable<bool> xa_failed(const protocol::sql_error& e, std::uint8_t seq);
  asio::awaitable<void> rollback_branches(std::vector<xa_branch>& bs);
  asio::awaitable<bool> log_decision(const xa::decision& d);
  asio::awaitable<bool> retry_xa_commit(const std::string& ds_name, const xa::xid& x);
  asio::awaitable<void> xa_fault(xa::fault_step step);
  asio::awaitable<bool> proxy_variable(std::string_view sql, std::uint8_t seq);
  asio::awaitable<std::optional<protocol::sql_error>> commit_before_autocommit(std::string_view sql);
  asio::awaitable<std::optional<protocol::sql_error>> commit_implicitly();
  std::optional<protocol::sql_error> begin_implicit_xa();
  std::optional<router::transaction_mode> txn_mode_override_;  // SET shardwire_transaction_mode
  // Rows moved by an UPDATE of a sharding column (session_move.cpp).
  bool moves_allowed() const;
  asio::awaitable<bool> run_move(const router::plan& p, std::uint8_t seq);
  asio::awaitable<std::optional<protocol::sql_error>> move_rows(const router::plan::row_move& m, backend_connection& src,
                                                                std::uint8_t seq);
  // Routing (session_route.cpp)
  // Whether a statement goes through the router (names a logical table, USE, SHOW
  // TABLES..., SHARDWIRE): from the analysis of the command, or of another text.
  bool routes(const router::statement_analysis& a) const;
  bool needs_routing(std::string_view sql) const;
  router::analysis_options analysis_opts() const;
  // Tables with triggers (server_state.triggers): the session's snapshot, and CREATE
  // TRIGGER in `a` made known to every session (added: read the text again, a write
  // after the CREATE TRIGGER in the same text pins).
  void refresh_triggers();
  enum class trigger_note { none, added, refused };  // refused: trigger_tables::max_pending
  trigger_note note_triggers(const router::statement_analysis& a);
  static protocol::sql_error too_many_new_triggers();
  asio::awaitable<bool> route_query(std::string_view sql, const protocol::unframe_result& frame);
  // The worker's plan cache (router/plan_cache, session_plan_cache.cpp): a statement's
  // plan from its template into routed_plan_, or why not.
  enum class cache_lookup { off, miss, planned, failed };
  cache_lookup plan_from_cache(std::string_view sql, const router::route_context& ctx, protocol::sql_error& error);
  void remember_plan(router::ast::statement parsed, std::string_view sql, const router::plan_result& planned,
                     const router::route_context& ctx);
  bool cacheable(const router::statement_analysis& a) const;
  bool plan_cache_on();
  router::statement_analysis analyze_query(std::string_view sql);
  std::uint64_t shape_stamp_ = 0;  // worker_.shape is this session's statement while equal to worker_.shape_stamp
  void release_routed_plan();
  // Plan execution (plan_executor.hpp), for this session through execution_host.
  plan_executor executor() { return plan_executor(*this, *cfg_, stmt_, *worker_.log, id_); }
  asio::awaitable<bool> run_plan(const router::plan& p, std::uint8_t seq,
                                 merger::row_format out_format = merger::row_format::text);
  // execution_host (session_conns.cpp, client_session.cpp)
  asio::awaitable<std::unique_ptr<backend_connection>> extra_connection(const backend_connection& like) override;
  void return_extra(std::unique_ptr<backend_connection> be) override;
  bool connections_lost() const override { return conns_.any_broken(); }
  asio::awaitable<bool> write_to_client(const protocol::bytes& framed) override;
  bool client_gone() const override { return closed_; }
  bool deprecate_eof() const override;
  bool extended_metadata() const override { return (mariadb_caps_ & protocol::mariadb_cap::extended_metadata) != 0; }
  bool transaction_scope() const override { return in_transaction() || !autocommit_; }
  statement_marks statement_effects() const override { return marks_of(analysis_); }
  void set_last_ok(bool ok) override { last_ok_ = ok; }
  bool last_ok() const override { return last_ok_; }
  void set_last_insert_id(std::uint64_t id) override { last_insert_id_ = id; }
  asio::awaitable<bool> relay_response(backend_connection& be, protocol::response_kind kind, std::uint8_t seq,
                                       const statement_marks& marks, relay_options opts = {},
                                       std::uint8_t* next_seq = nullptr) override;
  asio::awaitable<bool> finish_relay(const relay_outcome& out, backend_connection& be);
  asio::awaitable<bool> set_multi_statements(backend_connection& be, std::uint8_t seq);
  asio::awaitable<bool> send_error(const protocol::sql_error& err, std::uint8_t seq) override;
  // Prepared statements (session_stmt.cpp, session_stmt_exec.cpp)
  asio::awaitable<bool> stmt_prepare(std::string_view sql, std::uint8_t seq);
  asio::awaitable<bool> stmt_execute(protocol::byte_view arg, std::uint8_t seq);
  asio::awaitable<bool> stmt_fetch(protocol::byte_view arg, std::uint8_t seq);
  asio::awaitable<bool> stmt_reset(protocol::byte_view arg, std::uint8_t seq);
  void stmt_close(protocol::byte_view arg);
  void stmt_long_data(protocol::byte_view arg);
  asio::awaitable<bool> execute_routed(prepared_statement& ps, const bound_params& params, std::uint8_t seq);
  void template_for(prepared_statement& ps, const router::plan_result& planned, const router::route_context& ctx);
  asio::awaitable<bool> execute_on_backend(prepared_statement& ps, const bound_params& params, std::uint8_t flags,
                                           std::uint8_t seq);
  asio::awaitable<bool> collect_cursor(backend_connection& be, prepared_statement& ps, std::uint8_t seq);
  asio::awaitable<bool> sql_prepare_statement(std::string_view sql, std::uint8_t seq);
  std::string client_charset_name() const;
  asio::awaitable<void> watchdog();
  void close();

  net_stream stream_;  // the client: plain TCP, or TLS after SSL_REQUEST
  worker& worker_;
  const config& base_;                 // the process's first config: data sources by name
  std::shared_ptr<const config> cfg_;  // the snapshot this session routes by now
  std::uint64_t cfg_generation_;
  std::uint32_t id_;
  std::string peer_;
  std::string user_;
  mutable std::mutex user_mutex_;
  std::shared_ptr<const connect_attrs> attrs_ = std::make_shared<const connect_attrs>();  // COM_CHANGE_USER vs KILL from other threads
  std::uint32_t caps_ = 0;
  std::uint32_t mariadb_caps_ = 0;  // MariaDB extended capabilities negotiated (extended_metadata only)
  std::uint8_t charset_ = 45;
  protocol::bytes scramble_;
  std::shared_ptr<ssl::context> tls_context_;  // of the config the greeting offered TLS under
  read_buffer buffer_{4096};  // grows for a large statement, back to 16 KB after it (command_loop)
  // Held connections by data source name: only while a statement runs or something pins them.
  connection_set conns_;
  std::string schema_;  // the client's current database
  // Routes this session holds (a statement or transaction on a migrated table's name),
  // whether it wrote there, and the change log tickets after its writes.
  std::vector<std::shared_ptr<migration::route_state>> holds_;
  bool holds_wrote_ = false;
  std::vector<std::pair<std::shared_ptr<migration::route_state>, std::uint64_t>> source_writes_;
  std::vector<std::shared_ptr<migration::route_state>> double_writes_owed_;  // since the last commit
  double_write_wait double_write_wait_{*this};
  session_vars vars_;   // SETs replayed on every connection the session uses
  bool autocommit_ = true;
  // The session's wait_timeout (interactive_timeout for interactive clients at login, as
  // the server sets it; SET wait_timeout changes it): idle longer, the client is closed.
  std::chrono::seconds wait_timeout_{0};
  // LOAD DATA LOCAL: the command was consumed before its file arrived (the text is kept).
  bool consumed_early_ = false;
  std::string held_sql_;
  void reset_server_defaults();
  // CLIENT_SESSION_TRACK: the server's reports go to the client whole (its session reports
  // state changes by the server's default, or it set session_track_state_change on its
  // pinned connection), or without the state-change entries only the proxy asks for.
  bool reports_verbatim_ = false;
  std::chrono::steady_clock::duration idle_timeout() const;
  bool multi_statements_ = true;  // COM_SET_OPTION state
  // Transaction: opened by BEGIN/START TRANSACTION (each connection joins with
  // `txn_begin_` when first used), ended by COMMIT/ROLLBACK on every participant.
  transaction_state txn_;
  // Pins: state living on a connection that cannot be replayed elsewhere.
  pin_state pins_;
  bool next_transaction_set_ = false;  // SET TRANSACTION for the next transaction
  std::uint64_t last_insert_id_ = 0;
  std::int64_t row_count_ = -1;  // ROW_COUNT() / FOUND_ROWS() of the previous statement
  std::uint64_t found_rows_ = 0;
  bool calc_found_rows_ = false;  // ... unless SQL_CALC_FOUND_ROWS: the server answers
  bool last_ok_ = false;          // the last relayed response was not an ERR
  // Read/write splitting: what the current command's statement is, and per group what
  // the session wrote last (read-your-writes, session_replica.cpp).
  statement_class intent_ = statement_class::primary;
  router::statement_analysis analysis_;  // of the current COM_QUERY (dispatch)
  std::shared_ptr<const trigger_tables::names> triggers_;
  std::uint64_t triggers_generation_ = 0;
  struct causal_state {
    bool pending = false;  // wrote since `wanted` was read from the primary
    std::string wanted;    // the primary's GTID position after the session's last write
    std::chrono::steady_clock::time_point written_at{};
  };
  std::map<const data_source*, causal_state> causal_;
  prepared_registry stmts_;
  prepared_statement* cursor_target_ = nullptr;  // a merged read keeps rows for this cursor (plan_executor)
  // The plan of the routed statement running now, reused command after command so a
  // single-node statement planned from a template allocates nothing once it has grown.
  router::plan routed_plan_;
  relay relay_;
  protocol::response_tracker::buffers tracker_buffers_;  // lent to each response's tracker
  asio::steady_timer watchdog_timer_;
  // What this session holds for its client, charged to limits.session_memory_mb and the
  // process-wide limits.max_memory_mb (memory_budget.hpp).
  session_budget budget_;
  std::size_t vars_charged_ = 0;
  std::string admitted_user_;
  std::chrono::milliseconds statement_limit_{0};  // max_statement_time for this user (0: none)
  std::chrono::milliseconds rule_limit_{0};       // the running plan's tables' own (router::plan)
  int backend_cap_ = 0;                           // users[].max_backend_connections (0: none)
  int unsent_ = 0;  // the client socket's send queue at the watchdog's last look
  std::chrono::steady_clock::time_point unsent_since_{};
  bool client_stalled(std::chrono::steady_clock::time_point now);  // counted for users[].max_connections (admission.hpp); "" before login
  std::chrono::steady_clock::time_point deadline_;
  bool waiting_for_client_ = true;
  statement_record stmt_;
  std::chrono::steady_clock::time_point state_since_ = std::chrono::steady_clock::now();
  bool timed_out_ = false;
  bool closed_ = false;
  bool registered_ = false;
  std::atomic<std::uint32_t> backend_thread_id_{0};
};

}  // namespace shardwire::proxy
