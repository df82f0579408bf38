#include "proxy/client_session.hpp"

#include <spdlog/spdlog.h>

#include "protocol/handshake.hpp"
#include "router/lexer.hpp"

namespace shardwire::proxy {

namespace {
namespace cap = protocol::cap;
using protocol::command;
using protocol::errc;
using protocol::make_error;
using clock = std::chrono::steady_clock;

// What the proxy offers clients. No SSL, COMPRESS or SESSION_TRACK yet, and never
// LOCAL_FILES: LOAD DATA LOCAL would let a backend request files.
constexpr std::uint32_t server_caps = cap::long_password | cap::found_rows | cap::long_flag | cap::connect_with_db |
                                      cap::ignore_space | cap::protocol_41 | cap::interactive | cap::transactions |
                                      cap::secure_connection | cap::multi_statements | cap::multi_results |
                                      cap::ps_multi_results | cap::plugin_auth | cap::connect_attrs |
                                      cap::plugin_auth_lenenc_data | cap::deprecate_eof;

constexpr std::size_t max_handshake_packet = 64 * 1024;

std::string peer_address(const tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}
}  // namespace

client_session::client_session(tcp::socket socket, worker& w)
    : socket_(std::move(socket)),
      worker_(w),
      cfg_(*w.state.cfg),
      id_(w.state.next_connection_id.fetch_add(1)),
      peer_(peer_address(socket_)),
      watchdog_timer_(socket_.get_executor()) {
  worker_.state.client_connections.fetch_add(1);
}

client_session::~client_session() {
  if (registered_) worker_.state.sessions.remove(id_);
  worker_.pool.release(std::move(backend_));
  for (auto& [_, be] : others_) worker_.pool.release(std::move(be));
  worker_.state.client_connections.fetch_sub(1);
}

void client_session::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  watchdog_timer_.cancel();
}

void client_session::request_stop() {
  if (waiting_for_client_) close();  // busy sessions notice `stopping` after the statement
}

// Closes the client socket when it has been silent past its deadline (handshake or
// idle timeout). One long-lived timer per session: the hot path only stores a time.
asio::awaitable<void> client_session::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    watchdog_timer_.expires_at(deadline_);
    co_await watchdog_timer_.async_wait(use_nothrow);
    if (closed_) break;
    if (waiting_for_client_ && clock::now() >= deadline_) {
      timed_out_ = true;
      worker_.log->info("session {} from {}: closed after {} of client silence", id_, peer_,
                        user_.empty() ? "handshake timeout" : "idle timeout");
      close();
      break;
    }
    if (!waiting_for_client_) deadline_ = clock::now() + cfg_.client_idle_timeout;
  }
}

asio::awaitable<void> client_session::run() {
  auto self = shared_from_this();
  set_socket_options(socket_);
  deadline_ = clock::now() + cfg_.handshake_timeout;
  asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);
  if (co_await handshake()) co_await command_loop();
  close();
}

asio::awaitable<bool> client_session::send_error(const protocol::sql_error& err, std::uint8_t seq) {
  protocol::bytes payload;
  protocol::encode_err(payload, err);
  co_return !(co_await write_message(socket_, payload, seq));
}

asio::awaitable<bool> client_session::handshake() {
  scramble_ = protocol::make_scramble();
  protocol::handshake_v10 hs;
  hs.server_version = worker_.state.server_version;
  hs.connection_id = id_;
  hs.auth_data = scramble_;
  hs.capabilities = server_caps;
  hs.charset = worker_.state.server_charset;
  if (co_await write_message(socket_, [&] { protocol::bytes b; protocol::encode_handshake(b, hs); return b; }(), 0)) {
    co_return false;
  }
  auto msg = co_await read_message(socket_, buffer_, max_handshake_packet, 1);
  if (msg.io) {
    worker_.log->debug("session {} from {}: gone during handshake: {}", id_, peer_, msg.io.message());
    co_return false;
  }
  std::uint8_t seq = 2;
  if (msg.frame.state != protocol::unframe_result::status::complete) {
    co_await send_error(make_error(msg.frame.state == protocol::unframe_result::status::too_large
                                       ? errc::packet_too_large : errc::bad_handshake), seq);
    co_return false;
  }
  auto payload = protocol::message_payload_view(buffer_.readable(), msg.frame);
  auto resp = protocol::decode_handshake_response(payload);
  buffer_.consume(msg.frame.wire_size);
  if (!resp) {
    auto code = resp.error();
    worker_.log->info("session {} from {}: rejected handshake: {}", id_, peer_, protocol::describe(code).name);
    // No ?: choosing between temporaries in a coroutine: GCC 12 destroys both arms
    // (free() of an unallocated std::string, found by the integration tests).
    protocol::sql_error err = make_error(code == errc::malformed_packet ? errc::bad_handshake : code);
    if (code == errc::auth_mode_unsupported) err = make_error(code, "it must speak protocol 4.1");
    co_await send_error(err, seq);
    co_return false;
  }
  caps_ = resp->capabilities & server_caps;
  charset_ = resp->charset ? resp->charset : worker_.state.server_charset;
  user_ = resp->user;
  if (!co_await authenticate(*resp, seq)) co_return false;
  if (!co_await attach_backend(resp->database, seq)) co_return false;
  backend_thread_id_ = backend_->thread_id();
  worker_.state.sessions.add(id_, {weak_from_this(), &worker_.ioc});
  registered_ = true;
  protocol::bytes ok;
  protocol::encode_ok(ok, {protocol::ok_header, 0, 0, backend_->status, 0, {}});
  co_return !(co_await write_message(socket_, ok, seq));
}

asio::awaitable<bool> client_session::authenticate(const protocol::handshake_response& resp, std::uint8_t& seq) {
  protocol::bytes token = resp.auth_response;
  bool native = resp.auth_plugin.empty() || resp.auth_plugin == "mysql_native_password";
  if (!native) {
    // The client hashed for another plugin (caching_sha2, ed25519...): ask for ours.
    protocol::bytes sw;
    protocol::encode_auth_switch(sw, {"mysql_native_password", scramble_});
    if (co_await write_message(socket_, sw, seq)) co_return false;
    auto msg = co_await read_message(socket_, buffer_, max_handshake_packet, seq + 1);
    if (msg.io) co_return false;
    seq = msg.frame.next_seq;
    if (msg.frame.state != protocol::unframe_result::status::complete) {
      co_await send_error(make_error(errc::bad_handshake), seq);
      co_return false;
    }
    auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
    token.assign(p.begin(), p.end());
    buffer_.consume(msg.frame.wire_size);
  }
  const client_user* user = cfg_.find_user(resp.user);
  if (user == nullptr || !protocol::verify_native_token(token, scramble_, user->password_hash)) {
    worker_.log->info("session {} from {}: access denied for user '{}'", id_, peer_, resp.user);
    co_await send_error(make_error(errc::access_denied, resp.user, peer_, token.empty() ? "NO" : "YES"), seq);
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> client_session::attach_backend(const std::string& schema, std::uint8_t& seq) {
  connection_key key{&cfg_.default_source(), caps_ & key_caps_mask, charset_};
  auto leased = co_await worker_.pool.acquire(key, schema);
  if (!leased) {
    co_await send_error(leased.error(), seq);
    co_return false;
  }
  backend_ = std::move(*leased);
  if (!schema.empty() && backend_->schema != schema) {
    auto r = co_await backend_->simple_command(command::init_db, protocol::as_bytes(schema));
    if (!r) {
      co_await send_error(r.error(), seq);
      co_return false;
    }
    backend_->schema = schema;
  }
  schema_ = schema;
  co_return co_await set_multi_statements(*backend_, seq);
}

// The backend's multi-statement option must be the client's: a batch the client may
// not send must fail on the backend too.
asio::awaitable<bool> client_session::set_multi_statements(backend_connection& be, std::uint8_t seq) {
  bool want_multi = caps_ & cap::multi_statements;
  if (be.multi_statements == want_multi) co_return true;
  const std::uint8_t option[2] = {static_cast<std::uint8_t>(want_multi ? 0 : 1), 0};
  auto r = co_await be.simple_command(command::set_option, option);
  if (!r) {
    co_await send_error(r.error(), seq);
    co_return false;
  }
  be.multi_statements = want_multi;
  co_return true;
}

asio::awaitable<void> client_session::command_loop() {
  for (;;) {
    if (worker_.state.stopping) co_return;
    waiting_for_client_ = true;
    deadline_ = clock::now() + cfg_.client_idle_timeout;
    // An idle timeout shorter than the handshake timeout: wake the watchdog to re-arm.
    if (deadline_ < watchdog_timer_.expiry()) watchdog_timer_.cancel();
    auto msg = co_await read_message(socket_, buffer_, cfg_.max_allowed_packet, 0);
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
    bool keep = co_await dispatch(msg.frame);
    buffer_.consume(msg.frame.wire_size);
    buffer_.shrink_if_idle();
    if (!keep) co_return;
  }
}

asio::awaitable<bool> client_session::dispatch(const protocol::unframe_result& frame) {
  if (frame.payload_size == 0) {
    co_await send_error(make_error(errc::malformed_packet), frame.next_seq);
    co_return false;
  }
  auto cmd = static_cast<command>(buffer_.readable()[protocol::header_size]);
  // KILL names proxy connection ids: translate it, never forward it as is. The
  // recognizer gives up after the first word for anything else, so this is cheap.
  if (cmd == command::query || cmd == command::process_kill) {
    auto arg = buffer_.readable().subspan(protocol::header_size + 1, frame.payload_size - 1);
    std::optional<router::kill_statement> kill;
    if (cmd == command::query && frame.packets == 1) {
      kill = router::parse_kill(protocol::as_chars(arg));
    } else if (cmd == command::process_kill) {
      protocol::reader r(arg);
      kill = router::kill_statement{router::kill_statement::target::connection, {}, r.u32()};
      if (!r.ok()) kill->kind = router::kill_statement::target::unsupported;
    }
    if (kill) co_return co_await handle_kill(*kill, frame.next_seq);
    if (cmd == command::query && frame.packets == 1 && needs_routing(protocol::as_chars(arg))) {
      co_return co_await route_query(protocol::as_chars(arg), frame);
    }
  }
  switch (cmd) {
    case command::quit: co_return false;
    case command::query:
    case command::init_db:
    case command::field_list:
    case command::ping:
    case command::statistics:
    case command::reset_connection:
    case command::set_option:
    case command::debug:
    case command::stmt_prepare:
    case command::stmt_execute:
    case command::stmt_send_long_data:
    case command::stmt_close:
    case command::stmt_reset:
    case command::stmt_fetch:
      co_return co_await forward(cmd, frame);
    default:
      co_return co_await send_error(make_error(errc::unknown_command), frame.next_seq);
  }
}

asio::awaitable<bool> client_session::forward(command cmd, const protocol::unframe_result& frame) {
  auto raw = buffer_.readable().first(frame.wire_size);
  auto [ec, n] = co_await asio::async_write(backend_->socket(), asio::buffer(raw.data(), raw.size()), use_nothrow);
  if (ec) {
    backend_->broken = true;
    co_await send_error(make_error(errc::backend_lost, backend_->describe() + ": " + ec.message()), frame.next_seq);
    co_return false;
  }
  auto kind = protocol::response_kind_for(cmd);
  if (kind == protocol::response_kind::none) co_return true;
  protocol::response_tracker tracker(kind, backend_->deprecate_eof, caps_ & cap::deprecate_eof, backend_->status);
  auto out = co_await relay_.run(*backend_, socket_, tracker, frame.next_seq);
  bool ok = out.state == relay_outcome::status::complete && !out.response_was_error && frame.packets == 1;
  bool keep = co_await finish_relay(out, *backend_);
  if (keep && ok) {
    auto arg = protocol::message_payload_view(buffer_.readable(), frame).subspan(1);
    track_session_state(cmd, arg);
    co_await after_session_change(cmd, arg);
  }
  co_return keep;
}

// Keeps connections to other data sources in step with the client's session: a SET
// that succeeded on the default data source is applied to them (and logged for ones
// leased later); a reset returns them to the pool, whose reset clears them.
asio::awaitable<void> client_session::after_session_change(command cmd, protocol::byte_view arg) {
  if (cmd == command::reset_connection) {
    session_sets_.clear();
    for (auto& [_, be] : others_) worker_.pool.release(std::move(be));
    others_.clear();
    co_return;
  }
  if (cmd != command::query || !router::starts_with_keyword(protocol::as_chars(arg), "SET")) co_return;
  // Transaction state stays on the default data source: other connections remain in
  // autocommit so they never hold an implicit transaction nobody commits.
  std::string upper(protocol::as_chars(arg));
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.find("AUTOCOMMIT") != std::string::npos || upper.find("TRANSACTION") != std::string::npos) co_return;
  session_sets_.emplace_back(protocol::as_chars(arg));
  for (auto& [name, be] : others_) {
    if (!be) continue;
    auto r = co_await be->simple_command(command::query, arg);
    if (!r) {  // the connection no longer matches the session: do not use it again
      worker_.log->warn("session {}: SET failed on {}: {}; connection dropped", id_, be->describe(), r.error().message);
      be->broken = true;
      worker_.pool.release(std::move(be));
    }
  }
}

asio::awaitable<bool> client_session::replay_session(backend_connection& be, std::uint8_t seq) {
  for (const auto& sql : session_sets_) {
    auto r = co_await be.simple_command(command::query, protocol::as_bytes(sql));
    if (!r) {
      protocol::sql_error e = r.error();
      e.message = "replaying the session's \"" + sql.substr(0, 60) + "\" on " + be.describe() + ": " + e.message;
      co_await send_error(e, seq);
      co_return false;
    }
  }
  co_return true;
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

void client_session::track_session_state(command cmd, protocol::byte_view arg) {
  if (cmd == command::init_db) {
    backend_->schema = std::string(protocol::as_chars(arg));
    schema_ = backend_->schema;
  }
  if (cmd == command::set_option && arg.size() >= 2) backend_->multi_statements = arg[0] == 0;
}

}  // namespace shardwire::proxy
