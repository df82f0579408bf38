#include "proxy/session/client_session.hpp"
#include "router/counts_sql.hpp"

#include <linux/sockios.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>

#include "router/session_sql.hpp"

#include "protocol/handshake.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

namespace {
namespace cap = protocol::cap;
using protocol::command;
using protocol::errc;
using protocol::make_error;
using clock = std::chrono::steady_clock;

}  // namespace

client_session::client_session(tcp::socket socket, worker& w)
    : stream_(std::move(socket)),
      worker_(w),
      base_(*w.state.cfg),
      cfg_(w.state.current()),
      cfg_generation_(w.state.config_generation.load(std::memory_order_acquire)),
      id_(w.state.next_connection_id.fetch_add(1)),
      peer_(peer_ip(stream_.socket())),
      watchdog_timer_(stream_.get_executor()),
      budget_(&w.state.memory, cfg_->limits.session_memory) {
  worker_.state.client_connections.fetch_add(1);
  ++worker_.stats.connections_accepted;
}

client_session::~client_session() {
  if (registered_) worker_.state.sessions.remove(id_);
  worker_.state.admit.leave(peer_, admitted_user_);
  release_all();
  release_migration_holds();
  worker_.state.client_connections.fetch_sub(1);
}

void client_session::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  watchdog_timer_.cancel();
}

void client_session::request_stop() {
  if (waiting_for_client_) close();  // busy sessions notice `stopping` after the statement
}

// Closes the client socket when it has been silent past its deadline (handshake or
// idle timeout). One long-lived timer per session: the hot path only stores a time.
// Wakes at the idle/handshake deadline, and every half client_write_timeout_s to see
// whether a client that is being sent a response has stopped taking it.
asio::awaitable<void> client_session::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    auto tick = std::max<clock::duration>(std::chrono::seconds(1), cfg_->client_write_timeout / 2);
    watchdog_timer_.expires_at(std::min(deadline_, clock::now() + tick));
    co_await watchdog_timer_.async_wait(use_nothrow);
    if (closed_) break;
    auto now = clock::now();
    if (waiting_for_client_ && now >= deadline_) {
      timed_out_ = true;
      worker_.log->info("session {} from {}: closed after {} of client silence", id_, peer_,
                        user_.empty() ? "handshake timeout" : "idle timeout");
      close();
      break;
    }
    if (waiting_for_client_) continue;
    deadline_ = now + idle_timeout();
    if (client_stalled(now)) {
      // Closing ends the pending write; the relay then drops the backend connection
      // mid-response, which ends the statement on the server, and the slot is freed.
      timed_out_ = true;
      worker_.log->info("session {} from {}: closed: the client took no data for {} s (client_write_timeout_s)",
                        id_, peer_, std::chrono::duration_cast<std::chrono::seconds>(cfg_->client_write_timeout).count());
      close();
      break;
    }
  }
}

// Whether bytes have sat unsent in the socket, none taken by the client, for
// client_write_timeout_s (the server's net_write_timeout). Reads the kernel's send
// queue, so no write on the hot path needs a timer of its own.
bool client_session::client_stalled(clock::time_point now) {
  int queued = 0;
  if (::ioctl(stream_.socket().native_handle(), SIOCOUTQ, &queued) != 0) queued = 0;
  if (queued == 0 || queued != unsent_) {
    unsent_ = queued;
    unsent_since_ = now;
    return false;
  }
  return now - unsent_since_ >= cfg_->client_write_timeout;
}

asio::awaitable<void> client_session::run() {
  auto self = shared_from_this();
  set_socket_options(stream_.socket());
  deadline_ = clock::now() + cfg_->handshake_timeout;
  asio::co_spawn(stream_.get_executor(), watchdog(), asio::detached);
  if (co_await handshake()) co_await command_loop();
  close();
}

asio::awaitable<bool> client_session::send_error(const protocol::sql_error& err, std::uint8_t seq) {
  if (stmt_.active && !stmt_.error) stmt_.error = err.code;
  // A refused statement outside a transaction wrote nothing for the next one to wait for.
  if (!double_writes_owed_.empty() && !in_transaction()) double_writes_owed_.clear();
  protocol::bytes payload;
  protocol::encode_err(payload, err);
  co_return !(co_await write_message(stream_, payload, seq));
}

// Checks the client's initial database on a connection of the default data source
// (which goes back to the pool right after the handshake).
asio::awaitable<bool> client_session::attach_backend(const std::string& schema, std::uint8_t& seq) {
  schema_ = schema;
  co_return co_await lease(cfg_->default_data_source, seq) != nullptr;
}

// The backend's multi-statement option must be the client's: a batch the client may
// not send must fail on the backend too.
asio::awaitable<bool> client_session::set_multi_statements(backend_connection& be, std::uint8_t seq) {
  if (be.multi_statements == multi_statements_) co_return true;
  const std::uint8_t option[2] = {static_cast<std::uint8_t>(multi_statements_ ? 0 : 1), 0};
  auto r = co_await be.internal_command(command::set_option, option);
  if (!r) {
    co_await send_error(r.error(), seq);
    co_return false;
  }
  be.multi_statements = multi_statements_;
  co_return true;
}

// A reloaded config applies from the session's next statement outside a transaction or
// pin: one statement sees one set of rules, a transaction one routing. A migration's
// switch (the same loaded config, other routes) applies to pinned sessions too: their
// statements on the migrated table must follow it.
void client_session::refresh_config() {
  refresh_triggers();
  auto gen = worker_.state.config_generation.load(std::memory_order_acquire);
  if (gen == cfg_generation_ || txn_.open() || in_transaction()) return;
  auto next = worker_.state.current();
  if (pinned() && !(next->loaded_base && next->loaded_base == cfg_->loaded_base)) return;
  cfg_ = std::move(next);
  cfg_generation_ = gen;
  update_statement_limit();
}

// The proxy's client_idle_timeout_s, or the session's wait_timeout when shorter. Past it
// the client is closed without an error packet, as MariaDB closes it.
clock::duration client_session::idle_timeout() const {
  clock::duration limit = cfg_->client_idle_timeout;
  if (wait_timeout_.count() > 0) limit = std::min<clock::duration>(limit, wait_timeout_);
  return limit;
}

void client_session::reset_server_defaults() {
  wait_timeout_ = (caps_ & cap::interactive) ? worker_.state.server_interactive_timeout : worker_.state.server_wait_timeout;
  reports_verbatim_ = worker_.state.server_tracks_state_change;
}

asio::awaitable<void> client_session::command_loop() {
  for (;;) {
    if (worker_.state.stopping) co_return;
    waiting_for_client_ = true;
    deadline_ = clock::now() + idle_timeout();
    // An idle timeout shorter than the handshake timeout: wake the watchdog to re-arm.
    if (deadline_ < watchdog_timer_.expiry()) watchdog_timer_.cancel();
    auto msg = co_await read_message(stream_, buffer_, cfg_->max_allowed_packet, 0);
    waiting_for_client_ = false;
    if (msg.io) co_return;  // client went away, timed out, or shutdown closed it
    using status = protocol::unframe_result::status;
    if (msg.frame.state == status::too_large) {
      co_await send_error(make_error(errc::packet_too_large), 1);
      co_return;
    }
    if (msg.frame.state == status::out_of_order) {
      co_await send_error(make_error(errc::packets_out_of_order), 1);
      co_return;
    }
    if (worker_.state.stopping) {
      co_await send_error(make_error(errc::server_shutdown), msg.frame.next_seq);
      co_return;
    }
    refresh_config();  // after the wait: a reload while the session was idle applies to this command
    begin_statement(msg.frame);
    bool keep = co_await dispatch(msg.frame);
    end_statement();
    if (!holds_.empty() && !in_transaction()) release_migration_holds();
    intent_ = statement_class::primary;
    analysis_ = {};
    if (!consumed_early_) buffer_.consume(msg.frame.wire_size);
    consumed_early_ = false;
    buffer_.shrink_if_idle(16 * 1024);  // idle sessions stay small (bench/idle_connections.sh)
    release_unpinned();
    if (!keep) co_return;
  }
}

asio::awaitable<bool> client_session::dispatch(const protocol::unframe_result& frame) {
  if (frame.payload_size == 0) {
    co_await send_error(make_error(errc::malformed_packet), frame.next_seq);
    co_return false;
  }
  pins_.keep_for_next(false);  // the previous statement's connection was kept for this one only
  auto cmd = static_cast<command>(buffer_.readable()[protocol::header_size]);
  std::uint8_t seq = frame.next_seq;
  // Every command but COM_QUERY fits one packet the proxy reads (or is refused).
  auto arg = buffer_.readable().subspan(protocol::header_size + 1, frame.payload_size - 1);
  bool whole = frame.packets == 1;
  if (cmd == command::process_kill) {
    // KILL names proxy connection ids: translate it, never forward it as is.
    protocol::reader r(arg);
    router::kill_statement kill{router::kill_statement::target::connection, {}, r.u32()};
    if (!r.ok()) kill.kind = router::kill_statement::target::unsupported;
    co_return co_await handle_kill(kill, seq);
  }
  if (cmd == command::query) {
    // One reading of the text decides everything below (router/statement_analysis).
    auto sql = protocol::as_chars(arg);
    if (!whole) sql = sql.substr(0, protocol::max_packet_payload - 1);
    analysis_ = analyze_query(sql);
    auto noted = note_triggers(analysis_);
    if (noted == trigger_note::refused) co_return co_await send_error(too_many_new_triggers(), seq);
    if (noted == trigger_note::added) analysis_ = analyze_query(sql);
    if (!whole) analysis_.effects |= router::effect::unknown;  // the rest was not read: assume anything
    intent_ = analysis_.intent;
    if (analysis_.kill) {
      if (analysis_.kill_target) co_return co_await handle_kill(*analysis_.kill_target, seq);
      co_return co_await send_error(
          make_error(errc::not_supported, "KILL inside a batch, a prepared statement or a stored program; send KILL "
                                          "[CONNECTION|QUERY] <id> on its own"),
          seq);
    }
    if (analysis_.dynamic_sql) {
      if (auto refused = co_await check_dynamic_sql(sql, seq)) co_return co_await send_error(*refused, seq);
    }
    if (analysis_.processlist || analysis_.connect_attrs) co_return co_await answer_processlist(seq);
    if (analysis_.load_local) {
      // One reading of the statement: whether it loads a logical table, and which.
      auto sharded = whole ? sharded_load(sql) : std::nullopt;
      if (auto refused = local_infile_refusal(sql, sharded.has_value())) co_return co_await send_error(*refused, seq);
      if (sharded) {
        // Into a sharded source that a migration double-writes: its OK (send_ok) waits too.
        note_double_write(analysis_.kind, analysis_.single(), sql);
        co_return co_await load_sharded(std::move(*sharded), sql, frame);
      }
    }
  }
  if (cmd == command::query && whole) {
    using kind = router::statement_kind;
    auto sql = protocol::as_chars(arg);
    bool plain = analysis_.single() && !analysis_.versioned;
    if (plain && analysis_.kind == kind::transaction) {
      auto parsed = router::parse(sql);
      if (parsed) {
        if (const auto* t = std::get_if<router::ast::transaction_stmt>(&parsed->node)) {
          co_return co_await run_transaction_statement(*t, sql, seq);
        }
      }
    }
    if (plain && (analysis_.kind == kind::prepare || analysis_.kind == kind::execute ||
                  analysis_.kind == kind::deallocate)) {
      auto handled = co_await sql_prepare_statement(sql, seq);
      if (handled) co_return !closed_;
    }
    if (analysis_.proxy_variable) co_return co_await proxy_variable(sql, seq);
    if (plain && analysis_.kind == kind::set && txn_.xa()) {
      if (auto refused = co_await commit_before_autocommit(sql); refused) co_return co_await send_error(*refused, seq);
    }
    if (plain && txn_.xa() && (analysis_.kind == kind::ddl || analysis_.kind == kind::lock_tables)) {
      if (auto refused = co_await commit_implicitly(); refused) co_return co_await send_error(*refused, seq);
    }
    if (auto refused = begin_implicit_xa()) co_return co_await send_error(*refused, seq);
    if (routes(analysis_)) co_return co_await route_query(sql, frame);
  }
  if (!whole && cmd != command::query) {
    co_return co_await send_error(make_error(errc::malformed_packet), seq);
  }
  switch (cmd) {
    case command::quit:
      co_return false;
    case command::ping:
      co_return co_await send_ok(seq);
    case command::reset_connection:
      co_return co_await reset_connection(seq);
    case command::change_user:
      co_return co_await change_user(arg, seq);
    case command::set_option: {
      if (arg.size() < 2 || arg[0] > 1) co_return co_await send_error(make_error(errc::malformed_packet), seq);
      multi_statements_ = arg[0] == 0;
      protocol::bytes eof;
      if (caps_ & cap::deprecate_eof) {
        protocol::encode_ok(eof, {protocol::eof_header, 0, 0, session_status(), 0, {}});
      } else {
        protocol::encode_eof(eof, {0, session_status()});
      }
      co_return !(co_await write_message(stream_, eof, seq));
    }
    case command::stmt_prepare:
      co_return co_await stmt_prepare(protocol::as_chars(arg), seq);
    case command::stmt_execute:
      co_return co_await stmt_execute(arg, seq);
    case command::stmt_fetch:
      co_return co_await stmt_fetch(arg, seq);
    case command::stmt_reset:
      co_return co_await stmt_reset(arg, seq);
    case command::stmt_close:
      stmt_close(arg);
      co_return true;
    case command::stmt_send_long_data:
      stmt_long_data(arg);
      co_return true;
    case command::query:
    case command::init_db:
    case command::field_list:
    case command::statistics:
    case command::debug:
      co_return co_await forward(cmd, frame);
    default:
      co_return co_await send_error(make_error(errc::unknown_command), seq);
  }
}

asio::awaitable<bool> client_session::forward(command cmd, const protocol::unframe_result& frame) {
  statement_marks marks;
  std::string_view sql;
  auto first = buffer_.readable().subspan(protocol::header_size + 1,
                                          std::min<std::size_t>(frame.payload_size, protocol::max_packet_payload) - 1);
  if (cmd == command::query) {
    sql = protocol::as_chars(first);
    marks = marks_of(analysis_);
    note_double_write(analysis_.kind, analysis_.single(), sql);
  }
  backend_connection* be = co_await lease(cfg_->default_data_source, frame.next_seq);
  if (!be) co_return !closed_;
  if (marks.last_insert_id) {
    if (auto r = co_await carry_last_insert_id(*be); !r) co_return co_await send_error(r.error(), frame.next_seq) && !be->broken;
  }
  auto raw = buffer_.readable().first(frame.wire_size);
  std::optional<std::string> counted;  // ROW_COUNT()/FOUND_ROWS() answered from the session
  if (marks.previous_counts && !calc_found_rows_ && frame.packets == 1) {
    counted = router::substitute_counts(sql, {row_count_, found_rows_, id_});
  }
  protocol::bytes rewritten;
  if (counted) {
    rewritten.reserve(counted->size() + 5);
    protocol::bytes payload(counted->size() + 1);
    payload[0] = static_cast<std::uint8_t>(command::query);
    std::copy(counted->begin(), counted->end(), payload.begin() + 1);
    std::uint8_t zero = 0;
    protocol::frame_message(rewritten, payload, zero);
    raw = rewritten;
  }
  auto [ec, n] = co_await asio::async_write(be->stream(), asio::buffer(raw.data(), raw.size()), use_nothrow);
  if (ec) {
    be->broken = true;
    co_await send_error(make_error(errc::backend_lost, be->describe() + ": " + ec.message()), frame.next_seq);
    co_return false;
  }
  auto kind = protocol::response_kind_for(cmd);
  relay_options opts;
  local_infile_source upload{&buffer_, cfg_->max_allowed_packet, cfg_->client_write_timeout};
  if (cmd == command::query && analysis_.load_local) {
    // The file's packets follow the statement into the same buffer: keep the text, let
    // the buffer go.
    held_sql_.assign(sql);
    if (stmt_.active) stmt_.sql = held_sql_;
    buffer_.consume(frame.wire_size);
    consumed_early_ = true;
    opts.local_infile = &upload;
  }
  bool verbatim_before = reports_verbatim_;
  if (marks.set && tracking_set(sql)) reports_verbatim_ = true;
  if (!co_await relay_response(*be, kind, frame.next_seq, marks, opts)) co_return false;
  if (!last_ok_) reports_verbatim_ = verbatim_before;
  if (!last_ok_ || frame.packets != 1) co_return true;
  if (cmd == command::init_db) {
    schema_ = std::string(protocol::as_chars(first));
    be->schema = schema_;
  } else if (marks.set || marks.use) {
    co_return co_await track_set_or_use(sql, marks, *be, frame.next_seq);
  }
  co_return true;
}

// LOAD DATA LOCAL INFILE runs when the client enabled it (CLIENT_LOCAL_FILES) and its user
// may (users[].local_infile), as one statement: relayed into an unsharded table, split
// by the proxy into a sharded one (session_load.cpp); otherwise the server's own refusal
// (4166) or the proxy's.
std::optional<protocol::sql_error> client_session::local_infile_refusal(std::string_view sql, bool sharded) const {
  const client_user* u = cfg_->find_user(user());
  if (!(caps_ & cap::local_files) || u == nullptr || !u->local_infile) return make_error(errc::local_infile_disabled);
  if (!analysis_.single()) return make_error(errc::not_supported, "LOAD DATA LOCAL INFILE inside a batch");
  if (!sharded && needs_routing(sql)) {
    auto parsed = router::parse_load_data(sql, analysis_opts().lex);  // (its own error first)
    if (!parsed) return parsed.error();
    return make_error(errc::not_supported, "LOAD DATA LOCAL INFILE naming a logical table that is not sharded");
  }
  return std::nullopt;
}

// A SET of session_track_state_change from a client that asked for reports: the server's
// report on the SET's own OK already follows the new setting.
bool client_session::tracking_set(std::string_view sql) const {
  if (!(caps_ & cap::session_track)) return false;
  // Most SETs never name it: no second parse for them (the SET is parsed once more after).
  if (router::ascii_lower(sql).find("session_track_state_change") == std::string::npos) return false;
  auto parsed = router::parse(sql);
  const auto* set = parsed ? std::get_if<router::ast::set_stmt>(&parsed->node) : nullptr;
  return set && analyze_set(*set).state_change_tracking;
}

// After a SET or USE ran on `be` (as text or as a prepared statement): the session
// takes the change, so every connection it uses later is made to match; one the parser
// cannot read stays on this connection, which the session then keeps.
asio::awaitable<bool> client_session::track_set_or_use(std::string_view sql, const statement_marks& marks,
                                                       backend_connection& be, std::uint8_t seq) {
  auto parsed = router::parse(sql);
  const router::ast::set_stmt* set = parsed ? std::get_if<router::ast::set_stmt>(&parsed->node) : nullptr;
  const router::ast::use_stmt* use = parsed ? std::get_if<router::ast::use_stmt>(&parsed->node) : nullptr;
  if (set) co_return co_await apply_set(*set, be, seq);
  if (use) {
    schema_ = use->database.name;
    be.schema = schema_;
  } else {
    pins_.pin(marks.set ? "a SET statement the proxy cannot replay" : "USE the proxy cannot parse");
  }
  co_return true;
}

// Relays one response of `be` to the client and records what it did to the session.
asio::awaitable<bool> client_session::relay_response(backend_connection& be, protocol::response_kind kind,
                                                     std::uint8_t seq, const statement_marks& marks, relay_options opts,
                                                     std::uint8_t* next_seq) {
  if (kind == protocol::response_kind::none) co_return true;
  protocol::response_tracker tracker(kind, be.deprecate_eof, caps_ & cap::deprecate_eof, be.status);
  tracker.reuse_buffers(std::move(tracker_buffers_));
  if (caps_ & cap::session_track) tracker.forward_reports(reports_verbatim_);
  if (extended_metadata() && !be.extended_metadata) tracker.add_extended_metadata();
  std::shared_ptr<statement_clock> clock;
  if (kind == protocol::response_kind::result_sets) clock = time_statement(be);
  if (clock) opts.timed_out = &clock->fired;
  if (!double_writes_owed_.empty()) opts.before_done = &double_write_wait_;
  auto out = co_await relay_.run(be, stream_, tracker, seq, opts);
  tracker_buffers_ = tracker.release_buffers();
  if (tracker_buffers_.replacement.capacity() > 64 * 1024) tracker_buffers_ = {};  // a rewritten definition was large
  if (clock) clock->stop();
  if (clock && clock->fired && out.state == relay_outcome::status::backend_lost) {
    out.detail = "the statement ran over max_statement_time and the server did not end it: connection closed";
  }
  if (next_seq) *next_seq = out.next_client_seq;
  if (stmt_.active) {
    if (tracker.result_set()) stmt_.rows_sent += tracker.rows();
    stmt_.rows_affected += tracker.affected_rows();
    if (tracker.failed() && !stmt_.error) stmt_.error = tracker.error_code();
  }
  bool keep = co_await finish_relay(out, be);
  if (keep) after_statement(be, tracker, marks);
  // A state change the statement's text does not explain (a trigger, a stored program)
  // stays on this connection: keep it and have the pool reset it afterwards.
  if (keep && tracker.state_changed() && kind == protocol::response_kind::result_sets && !marks.set && !marks.use) {
    pin_reported_change();
  }
  co_return keep;
}

std::optional<protocol::sql_error> client_session::charge(std::size_t& charged, std::size_t more,
                                                          std::string_view what) {
  switch (budget_.take(more)) {
    case session_budget::refusal::none:
      charged += more;
      return std::nullopt;
    case session_budget::refusal::session:
      return make_error(errc::session_memory_exceeded, what, budget_.limit() >> 20);
    case session_budget::refusal::proxy:
      break;
  }
  return make_error(errc::proxy_memory_exceeded, what, worker_.state.memory.limit() >> 20);
}

void client_session::settle(prepared_statement& ps) { budget_.adjust(ps.charged, ps.footprint()); }

void client_session::pin_reported_change() {
  if (!pins_.reason().empty()) return;
  pins_.pin("the server reported a session state change the statement does not show (a trigger?)");
  worker_.log->debug("session {}: pinned to its connections: {}", id_, pins_.reason());
}

asio::awaitable<bool> client_session::finish_relay(const relay_outcome& out, backend_connection& be) {
  last_ok_ = out.state == relay_outcome::status::complete && !out.response_was_error;
  switch (out.state) {
    case relay_outcome::status::complete:
      co_return true;
    case relay_outcome::status::client_lost:
      co_return false;
    case relay_outcome::status::backend_lost:
      worker_.log->warn("session {}: backend {} lost mid-response: {}", id_, be.describe(), out.detail);
      // The backend's session state is gone with it: report, then end this session.
      if (out.client_framing_intact) {
        co_await send_error(make_error(errc::backend_lost, be.describe() + ": " + out.detail), out.next_client_seq);
      }
      co_return false;
  }
  co_return false;
}

asio::awaitable<bool> client_session::write_to_client(const protocol::bytes& framed) {
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(framed), use_nothrow);
  co_return !ec;
}

bool client_session::deprecate_eof() const { return (caps_ & cap::deprecate_eof) != 0; }

asio::awaitable<bool> client_session::send_ok(std::uint8_t seq, std::uint64_t affected, std::uint64_t insert_id,
                                              std::uint16_t warnings) {
  if (!double_writes_owed_.empty()) co_await settle_double_writes(session_status(), false);
  protocol::bytes ok;
  protocol::encode_ok(ok, {protocol::ok_header, affected, insert_id, session_status(), warnings, {}});
  co_return !(co_await write_message(stream_, ok, seq));
}

}  // namespace shardwire::proxy
