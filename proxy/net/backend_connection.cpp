#include "proxy/net/backend_connection.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "protocol/auth.hpp"
#include "protocol/auth_ed25519.hpp"
#include "protocol/auth_sha2.hpp"
#include "proxy/net/tls_context.hpp"
#include "protocol/handshake.hpp"
#include "protocol/response_tracker.hpp"
#include "router/session_sql.hpp"

namespace shardwire::proxy {

namespace {
namespace cap = protocol::cap;
using protocol::errc;
using protocol::make_error;

// Never COMPRESS; SSL when the data source's tls.mode asks for it (start_tls).
// LOCAL_FILES: the server may ask for a file only during a LOAD DATA LOCAL the session let
// through (users[].local_infile), and the file then comes from that client; any other
// request is answered "no file" (relay.cpp): the proxy never reads files of its own.
// SESSION_TRACK lets the server report state changes no statement text shows; the
// response tracker strips the reports from what clients see.
constexpr std::uint32_t backend_caps = cap::long_password | cap::long_flag | cap::protocol_41 | cap::transactions |
                                       cap::local_files |
                                       cap::secure_connection | cap::multi_statements | cap::multi_results |
                                       cap::ps_multi_results | cap::plugin_auth | cap::plugin_auth_lenenc_data |
                                       cap::deprecate_eof | cap::connect_attrs | cap::session_track;

}  // namespace

std::string backend_connection::describe() const {
  return (key_.source ? key_.source->name : std::string("?")) + " " + endpoint_.text();
}

protocol::sql_error backend_connection::lost(std::string_view what) {
  broken = true;
  return make_error(errc::backend_lost, describe() + ": " + std::string(what));
}

asio::awaitable<sql_result<void>> backend_connection::open(const connection_key& key, const endpoint& ep,
                                                           std::string_view user, std::string_view password) {
  key_ = key;
  endpoint_ = ep;
  user_ = user.empty() ? key.source->user : std::string(user);
  password_ = user.empty() ? key.source->password : std::string(password);
  auto fail = [&](std::string_view why) {
    broken = true;
    return make_error(errc::backend_connect_failed, describe() + ": " + std::string(why));
  };
  deadline_guard guard(socket(), key.source->pool.connect_timeout);
  tcp::resolver resolver(stream_.get_executor());
  // Failures that say the server is not there (as opposed to an ERR it sent, e.g. Too
  // many connections) mark it unreachable: the pool then marks it down.
  unreachable = true;
  auto [rec, endpoints] = co_await resolver.async_resolve(ep.host, std::to_string(ep.port), use_nothrow);
  if (rec) co_return fail("cannot resolve host: " + rec.message());
  auto [cec, _] = co_await asio::async_connect(socket(), endpoints, use_nothrow);
  if (cec && guard.fired()) co_return fail("connect timed out");
  if (cec) co_return fail(io_error_text(cec));
  set_socket_options(socket());

  auto msg = co_await read_message(stream_, buffer_, 64 * 1024, 0);
  if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
    co_return fail(guard.fired() ? "handshake timed out" : "no handshake from server");
  }
  unreachable = false;
  auto payload = protocol::message_payload_view(buffer_.readable(), msg.frame);
  if (!payload.empty() && payload[0] == protocol::err_header) {
    auto err = protocol::decode_err(payload);
    if (!err) co_return fail("error packet instead of handshake");
    co_return fail(err->message);
  }
  auto hs = protocol::decode_handshake(payload);
  buffer_.consume(msg.frame.wire_size);
  if (!hs) co_return fail("malformed handshake");
  if (!(hs->capabilities & cap::protocol_41)) co_return fail("server does not speak protocol 4.1");
  server_version_ = hs->server_version;
  server_charset_ = hs->charset;
  server_mariadb_caps_ = hs->mariadb_caps;
  thread_id_ = hs->connection_id;
  deprecate_eof = hs->capabilities & cap::deprecate_eof;
  std::uint8_t seq = 1;
  auto tls = co_await start_tls(*hs, seq);
  if (!tls) {
    if (guard.fired()) co_return fail("TLS handshake timed out");
    co_return tls;
  }
  auto auth = co_await authenticate(*hs, seq);
  if (!auth) {
    if (guard.fired()) co_return fail("authentication timed out");
    co_return auth;
  }
  auto defaults = co_await simple_command(protocol::command::query,
                                          protocol::as_bytes(router::session_sql::connection_defaults));
  if (!defaults) co_return fail(guard.fired() ? "connection setup timed out" : defaults.error().message);
  co_return sql_result<void>{};
}

// CLIENT_MYSQL (long_password) stays set, except to ask a MariaDB server for extended
// capabilities the client has (which a MariaDB client signals by leaving it unset).
std::uint32_t backend_connection::response_caps(const protocol::handshake_v10& hs) const {
  std::uint32_t caps = (backend_caps | (key_.client_caps & key_caps_mask)) & (hs.capabilities | cap::long_password);
  if (mariadb_caps(hs) != 0) caps &= ~cap::long_password;
  return caps;
}

std::uint32_t backend_connection::mariadb_caps(const protocol::handshake_v10& hs) const {
  if (hs.capabilities & cap::long_password) return 0;  // not a MariaDB server
  return key_.mariadb_caps & key_mariadb_caps_mask & hs.mariadb_caps;
}

// SSL_REQUEST and the TLS handshake, when the data source's tls.mode asks for it. A
// server that does not offer TLS is refused: falling back to plain text would let
// anyone on the path strip the encryption.
asio::awaitable<sql_result<void>> backend_connection::start_tls(const protocol::handshake_v10& hs, std::uint8_t& seq) {
  const auto& t = key_.source->tls;
  if (t.mode == backend_tls_settings::tls_mode::off) co_return sql_result<void>{};
  auto fail = [&](std::string why) {
    broken = true;
    return make_error(errc::backend_connect_failed, describe() + ": " + why);
  };
  ssl::context* ctx = key_.source->security ? key_.source->security->backend(key_.source->name) : nullptr;
  if (ctx == nullptr) co_return fail("TLS is configured but its context was not loaded");
  if (!(hs.capabilities & cap::ssl)) co_return fail("server does not offer TLS (data_sources." + key_.source->name + ".tls.mode requires it)");
  protocol::handshake_response req;
  req.capabilities = response_caps(hs);
  req.mariadb_caps = mariadb_caps(hs);
  req.max_packet = 1u << 30;
  req.charset = key_.charset;
  protocol::bytes out;
  protocol::encode_ssl_request(out, req);
  if (auto ec = co_await write_message(stream_, out, seq); ec) co_return lost(ec.message());
  ++seq;
  bool verify_name = t.mode == backend_tls_settings::tls_mode::verify_identity;
  std::string name = t.server_name.empty() ? endpoint_.host : t.server_name;
  if (auto ec = co_await stream_.connect_tls(*ctx, name, verify_name); ec) {
    co_return fail("TLS handshake failed: " + ec.message());
  }
  co_return sql_result<void>{};
}

// The answer to an auth plugin's challenge `data`; nullopt for a plugin shardwire does not
// speak (its name then goes into the error).
std::optional<protocol::bytes> backend_connection::plugin_response(std::string_view plugin, protocol::byte_view data) {
  if (plugin == "mysql_native_password") return protocol::native_password_token(password_, data.first(std::min<std::size_t>(data.size(), 20)));
  if (plugin == "caching_sha2_password") return protocol::sha2_password_token(password_, data.first(std::min<std::size_t>(data.size(), 20)));
  if (plugin == "client_ed25519") {
    auto sig = protocol::ed25519_password_signature(password_, data.first(std::min<std::size_t>(data.size(), 32)));
    return protocol::bytes(sig.begin(), sig.end());
  }
  return std::nullopt;
}

asio::awaitable<sql_result<void>> backend_connection::authenticate(const protocol::handshake_v10& hs,
                                                                   std::uint8_t& seq) {
  protocol::handshake_response resp;
  resp.capabilities = response_caps(hs) | (stream_.secure() ? cap::ssl : 0);
  resp.mariadb_caps = mariadb_caps(hs);
  extended_metadata = resp.mariadb_caps & protocol::mariadb_cap::extended_metadata;
  resp.max_packet = 1u << 30;
  resp.charset = key_.charset;
  resp.user = user_;
  resp.auth_plugin = "mysql_native_password";
  resp.auth_response = protocol::native_password_token(password_, hs.auth_data);
  resp.attributes = {{"_client_name", "shardwire"}, {"program_name", "shardwire"}};
  deprecate_eof = resp.capabilities & cap::deprecate_eof;
  multi_statements = resp.capabilities & cap::multi_statements;

  protocol::bytes out;
  protocol::encode_handshake_response(out, resp);
  protocol::bytes scramble = hs.auth_data;
  std::string plugin = resp.auth_plugin;
  for (int round = 0; round < 5; ++round) {
    if (auto ec = co_await write_message(stream_, out, seq); ec) co_return lost(ec.message());
    auto msg = co_await read_message(stream_, buffer_, 64 * 1024, -1);
    if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
      co_return make_error(errc::backend_connect_failed, describe() + ": connection lost during authentication");
    }
    seq = msg.frame.next_seq;
    auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
    protocol::bytes payload(p.begin(), p.end());
    buffer_.consume(msg.frame.wire_size);
    if (payload.empty()) break;
    if (payload[0] == protocol::ok_header) {
      if (auto ok = protocol::decode_ok(payload)) status = ok->status;
      co_return sql_result<void>{};
    }
    if (payload[0] == protocol::err_header) {
      auto err = protocol::decode_err(payload);
      broken = true;
      std::string why = "authentication failed";
      if (err) why = err->message;
      co_return make_error(errc::backend_connect_failed, describe() + ": " + why);
    }
    if (payload[0] == 0x01 && plugin == "caching_sha2_password") {
      // AuthMoreData: fast authentication succeeded (an OK follows) or the server wants
      // the password: in clear over TLS, else encrypted to its public key.
      auto next = co_await sha2_more(payload, scramble);
      if (!next) co_return next.error();
      if (next->empty()) continue;  // nothing to send: read on
      out = std::move(*next);
      continue;
    }
    if (payload[0] != 0xFE) break;
    auto sw = protocol::decode_auth_switch(payload);
    std::optional<protocol::bytes> answer;
    if (sw) answer = plugin_response(sw->plugin, sw->data);
    if (!answer) {
      broken = true;
      std::string name = "?";
      if (sw) name = sw->plugin;
      co_return make_error(errc::backend_connect_failed,
                           describe() + ": backend wants auth plugin '" + name +
                               "'; shardwire speaks mysql_native_password, caching_sha2_password and client_ed25519");
    }
    plugin = sw->plugin;
    scramble = sw->data;
    out = std::move(*answer);
  }
  broken = true;
  co_return make_error(errc::backend_connect_failed, describe() + ": unexpected authentication exchange");
}

// One caching_sha2_password AuthMoreData packet from the server: what to send next
// (empty: nothing, read the next packet). A full authentication without TLS asks for
// the server's public key first and answers with the password encrypted to it.
asio::awaitable<sql_result<protocol::bytes>> backend_connection::sha2_more(const protocol::bytes& payload,
                                                                           const protocol::bytes& scramble) {
  using out_t = sql_result<protocol::bytes>;
  if (payload.size() == 2 && payload[1] == protocol::sha2_fast_auth_success) co_return out_t{protocol::bytes{}};
  std::string clear = password_;
  clear.push_back('\0');
  if (payload.size() == 2 && payload[1] == protocol::sha2_perform_full_auth) {
    if (stream_.secure()) co_return out_t{protocol::bytes(clear.begin(), clear.end())};
    co_return out_t{protocol::bytes{protocol::sha2_request_public_key}};
  }
  // The public key (PEM) we asked for.
  std::string error;
  auto key = protocol::rsa_key::from_public_pem(protocol::as_chars(protocol::byte_view(payload).subspan(1)), error);
  if (!key) {
    broken = true;
    co_return make_error(errc::backend_connect_failed, describe() + ": caching_sha2_password: " + error);
  }
  auto salted = protocol::sha2_xor_scramble(protocol::as_bytes(clear), protocol::byte_view(scramble).first(std::min<std::size_t>(scramble.size(), 20)));
  co_return out_t{key->encrypt(salted)};
}

asio::awaitable<error_code> backend_connection::send_command(protocol::command cmd, protocol::byte_view arg) {
  protocol::bytes payload;
  payload.reserve(arg.size() + 1);
  payload.push_back(static_cast<std::uint8_t>(cmd));
  payload.insert(payload.end(), arg.begin(), arg.end());
  co_return co_await write_message(stream_, payload, 0);
}

asio::awaitable<sql_result<void>> backend_connection::simple_command(protocol::command cmd, protocol::byte_view arg,
                                                                    std::chrono::milliseconds timeout) {
  std::optional<deadline_guard> guard;
  if (timeout.count() > 0) guard.emplace(socket(), timeout);
  if (auto ec = co_await send_command(cmd, arg); ec) co_return lost(ec.message());
  auto msg = co_await read_message(stream_, buffer_, 1 << 20, 1);
  if (msg.io && guard && guard->fired()) co_return lost("no reply within " + std::to_string(timeout.count()) + " ms");
  if (msg.io) co_return lost(io_error_text(msg.io));
  if (msg.frame.state != protocol::unframe_result::status::complete) co_return lost("malformed reply");
  auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
  sql_result<void> r;
  if (!p.empty() && p[0] == protocol::err_header) {
    auto err = protocol::decode_err(p);
    if (err) {
      r = *err;
    } else {
      r = lost("malformed error packet");
    }
  } else if (!p.empty() && (p[0] == protocol::ok_header || p[0] == protocol::eof_header)) {
    if (p.size() > 5) {
      if (auto ok = protocol::decode_ok(p)) {
        status = ok->status;
        last_ok = std::move(*ok);
      }
    } else if (auto eof = protocol::decode_eof(p)) {
      status = eof->status;
    }
  } else {
    r = lost("unexpected reply to a simple command");
  }
  buffer_.consume(msg.frame.wire_size);
  co_return r;
}

asio::awaitable<sql_result<void>> backend_connection::internal_command(protocol::command cmd, protocol::byte_view arg) {
  co_return co_await simple_command(cmd, arg, key_.source->pool.command_timeout);
}

asio::awaitable<sql_result<void>> backend_connection::internal_query(std::string_view sql) {
  co_return co_await simple_command(protocol::command::query, protocol::as_bytes(sql), key_.source->pool.command_timeout);
}

// The server's ERR, or a lost connection when it is malformed.
protocol::sql_error backend_connection::error_of(protocol::byte_view err_payload) {
  auto e = protocol::decode_err(err_payload);
  if (e) return *e;
  return lost("malformed error packet");
}

asio::awaitable<sql_result<protocol::ok_packet>> backend_connection::load_local(std::string_view sql,
                                                                              std::string_view file) {
  const auto limit = key_.source->pool.command_timeout;  // per step: the request, each file packet, the answer
  std::optional<deadline_guard> guard;
  if (limit.count() > 0) guard.emplace(socket(), limit);
  if (auto ec = co_await send_command(protocol::command::query, protocol::as_bytes(sql)); ec) co_return lost(ec.message());
  auto msg = co_await read_message(stream_, buffer_, 1 << 20, 1);
  if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) co_return lost("no reply to LOAD DATA");
  auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
  bool request = !p.empty() && p[0] == protocol::local_infile_header;
  std::optional<protocol::sql_error> refused;
  if (!p.empty() && p[0] == protocol::err_header) refused = error_of(p);
  buffer_.consume(msg.frame.wire_size);
  if (refused) co_return *refused;
  if (!request) co_return lost("LOAD DATA LOCAL answered without a file request");
  std::uint8_t seq = msg.frame.next_seq;
  constexpr std::size_t piece = 64 * 1024;
  for (std::size_t at = 0;; at += piece) {
    guard.reset();
    if (limit.count() > 0) guard.emplace(socket(), limit);
    std::string_view part;
    if (at < file.size()) part = file.substr(at, piece);
    if (auto ec = co_await write_message(stream_, protocol::as_bytes(part), seq); ec) co_return lost(ec.message());
    ++seq;
    if (part.empty()) break;  // the empty packet ends the file
  }
  guard.reset();
  if (limit.count() > 0) guard.emplace(socket(), limit);
  auto end = co_await read_message(stream_, buffer_, 1 << 20, seq);
  if (end.io || end.frame.state != protocol::unframe_result::status::complete) co_return lost("no reply after the file");
  auto q = protocol::message_payload_view(buffer_.readable(), end.frame);
  std::optional<protocol::sql_error> failed;
  std::optional<protocol::ok_packet> ok;
  if (!q.empty() && q[0] == protocol::err_header) failed = error_of(q);
  if (!q.empty() && q[0] == protocol::ok_header) {
    if (auto o = protocol::decode_ok(q)) ok = std::move(*o);
  }
  buffer_.consume(end.frame.wire_size);
  if (failed) co_return *failed;
  if (!ok) co_return lost("unexpected reply after LOAD DATA");
  status = ok->status;
  co_return *ok;
}

asio::awaitable<sql_result<std::optional<std::string>>> backend_connection::query_value(
    std::string_view sql, std::chrono::milliseconds timeout) {
  auto t = co_await query_rows(sql, timeout);
  if (!t) co_return t.error();
  std::optional<std::string> value;
  if (!t->rows.empty() && !t->rows.front().empty()) value = t->rows.front().front();
  co_return value;
}

const std::optional<std::string>* query_table::get(std::size_t row, std::string_view column) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column && row < rows.size() && i < rows[row].size()) return &rows[row][i];
  }
  return nullptr;
}

asio::awaitable<sql_result<query_table>> backend_connection::query_rows(std::string_view sql,
                                                                        std::chrono::milliseconds timeout) {
  std::optional<deadline_guard> guard;
  if (timeout.count() > 0) guard.emplace(socket(), timeout);
  protocol::bytes payload{static_cast<std::uint8_t>(protocol::command::query)};
  payload.insert(payload.end(), sql.begin(), sql.end());
  if (auto ec = co_await write_message(stream_, payload, 0); ec) co_return lost(ec.message());
  protocol::response_tracker tracker(protocol::response_kind::result_sets, deprecate_eof, true, status);
  query_table out;
  std::uint64_t columns = 0;
  while (!tracker.done()) {
    auto msg = co_await read_message(stream_, buffer_, 1 << 20, -1);
    if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
      co_return lost(guard && guard->fired() ? "no reply within " + std::to_string(timeout.count()) + " ms"
                                             : std::string("reading reply"));
    }
    auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
    bool in_rows = tracker.in_rows();
    auto d = tracker.on_packet(static_cast<std::uint32_t>(p.size()), p);
    if (d.act == protocol::response_tracker::action::error) co_return lost("malformed reply");
    if (p[0] == protocol::err_header && tracker.failed()) {
      auto err = protocol::decode_err(p);
      buffer_.consume(msg.frame.wire_size);
      if (!err) co_return lost("malformed error");
      co_return *err;
    }
    if (columns == 0 && tracker.result_set()) {
      protocol::reader r(p);
      columns = r.lenenc_int();
    } else if (out.columns.size() < columns) {
      auto def = protocol::decode_column_definition(p, extended_metadata);
      out.columns.push_back(def ? def->name : std::string());
      out.definitions.push_back(def ? *def : protocol::column_definition{});
    } else if (in_rows && tracker.in_rows()) {  // a row (the set's terminator ends in_rows)
      auto row = protocol::decode_text_row(p, columns);
      if (!row) co_return lost("malformed row");
      auto& r = out.rows.emplace_back();
      for (const auto& v : *row) r.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    buffer_.consume(msg.frame.wire_size);
  }
  status = tracker.status();
  co_return out;
}

bool backend_connection::looks_dead() {
  if (broken || !socket().is_open()) return true;
  if (!buffer_.readable().empty()) return true;
  std::uint8_t probe;
  ssize_t n = ::recv(socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;  // orderly shutdown (e.g. wait_timeout)
  if (n > 0) return true;   // unsolicited bytes: an ERR before the server closed
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

}  // namespace shardwire::proxy

namespace shardwire::proxy {

asio::awaitable<std::optional<protocol::bytes>> backend_connection::read_payload() {
  auto msg = co_await read_message(stream_, buffer_, 1 << 30, -1);
  if (msg.io || msg.frame.state != protocol::unframe_result::status::complete) {
    broken = true;
    co_return std::nullopt;
  }
  protocol::bytes payload;
  protocol::gather_payload(buffer_.readable(), msg.frame, payload);
  buffer_.consume(msg.frame.wire_size);
  co_return payload;
}

asio::awaitable<sql_result<backend_connection::prepare_result>> backend_connection::prepare(std::string_view sql) {
  if (auto ec = co_await send_command(protocol::command::stmt_prepare, protocol::as_bytes(sql)))
    co_return lost(ec.message());
  prepare_result out;
  auto first = co_await read_payload();
  if (!first || first->empty()) co_return lost("reading the prepare response");
  if ((*first)[0] == protocol::err_header) {
    auto err = protocol::decode_err(*first);
    if (!err) co_return lost("malformed error packet");
    co_return *err;
  }
  protocol::reader r(*first);
  r.u8();
  out.id = r.u32();
  out.columns = r.u16();
  out.params = r.u16();
  if (!r.ok()) co_return lost("malformed prepare response");
  for (auto [count, defs] : {std::pair{out.params, &out.param_defs}, std::pair{out.columns, &out.column_defs}}) {
    for (std::uint16_t i = 0; i < count; ++i) {
      auto def = co_await read_payload();
      if (!def) co_return lost("reading prepared statement metadata");
      defs->push_back(std::move(*def));
    }
    if (count > 0 && !deprecate_eof && !co_await read_payload()) co_return lost("reading prepared statement metadata");
  }
  co_return out;
}

asio::awaitable<sql_result<backend_connection::cached_stmt>> backend_connection::cached_prepare(std::string_view sql,
                                                                                                std::size_t capacity) {
  for (auto it = stmt_cache.begin(); it != stmt_cache.end(); ++it) {
    if (it->sql != sql || it->schema != schema) continue;
    cached_stmt hit = std::move(*it);
    stmt_cache.erase(it);
    stmt_cache.push_back(hit);
    co_return hit;
  }
  auto r = co_await prepare(sql);
  if (!r) co_return r.error();
  cached_stmt fresh{schema, std::string(sql), r->id, r->params};
  if (auto ec = co_await remember(std::move(fresh), capacity)) co_return lost(ec.message());
  co_return stmt_cache.back();
}

asio::awaitable<error_code> backend_connection::close_statement(std::uint32_t id) {
  std::uint8_t arg[4];
  for (int i = 0; i < 4; ++i) arg[i] = static_cast<std::uint8_t>(id >> (8 * i));
  co_return co_await send_command(protocol::command::stmt_close, arg);  // no reply
}

asio::awaitable<error_code> backend_connection::remember(cached_stmt stmt, std::size_t capacity) {
  // The same text cached already: the new statement replaces it. It was prepared with
  // the tables as they are now, as the client's own prepare was (the old one may predate
  // an ALTER, and would answer with SERVER_STATUS_METADATA_CHANGED).
  for (auto it = stmt_cache.begin(); it != stmt_cache.end(); ++it) {
    if (it->sql == stmt.sql && it->schema == stmt.schema) {
      std::uint32_t old = it->id;
      stmt_cache.erase(it);
      stmt_cache.push_back(std::move(stmt));
      co_return co_await close_statement(old);
    }
  }
  while (!stmt_cache.empty() && stmt_cache.size() >= std::max<std::size_t>(capacity, 1)) {
    std::uint32_t oldest = stmt_cache.front().id;
    stmt_cache.erase(stmt_cache.begin());
    if (auto ec = co_await close_statement(oldest)) co_return ec;
  }
  stmt_cache.push_back(std::move(stmt));
  co_return error_code{};
}

}  // namespace shardwire::proxy
