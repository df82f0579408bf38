// The connection phase towards the client: the greeting, the upgrade to TLS when the
// client sends SSL_REQUEST, and authentication against the proxy's users with
// mysql_native_password or caching_sha2_password (fast path, or the password in clear
// over TLS / RSA-encrypted without it), as MariaDB and MySQL answer each case.
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "protocol/auth_sha2.hpp"
#include "protocol/handshake.hpp"
#include "protocol/session_track.hpp"
#include "proxy/net/tls_context.hpp"
#include "proxy/session/client_session.hpp"

namespace shardwire::proxy {

namespace {
namespace cap = protocol::cap;
using protocol::errc;
using protocol::make_error;

// What the proxy offers clients (and SSL when TLS is configured). Never COMPRESS.
// SESSION_TRACK: the server's session state reports, as response_tracker passes them on.
// LOCAL_FILES as the server offers it: whether a LOAD DATA LOCAL runs is decided per
// statement (the client's own option and users[].local_infile).
constexpr std::uint32_t server_caps = cap::long_password | cap::found_rows | cap::long_flag | cap::connect_with_db |
                                      cap::local_files |
                                      cap::ignore_space | cap::protocol_41 | cap::interactive | cap::transactions |
                                      cap::secure_connection | cap::multi_statements | cap::multi_results |
                                      cap::ps_multi_results | cap::plugin_auth | cap::connect_attrs |
                                      cap::plugin_auth_lenenc_data | cap::deprecate_eof | cap::session_track;

constexpr std::uint32_t offered_mariadb_caps = protocol::mariadb_cap::extended_metadata;

constexpr std::size_t max_handshake_packet = 64 * 1024;

const char* plugin_name(auth_plugin p) {
  return p == auth_plugin::caching_sha2_password ? "caching_sha2_password" : "mysql_native_password";
}

}  // namespace

asio::awaitable<bool> client_session::handshake() {
  scramble_ = protocol::make_scramble();
  tls_context_ = cfg_->security ? cfg_->security->server : nullptr;
  protocol::handshake_v10 hs;
  hs.server_version = worker_.state.server_version;
  hs.connection_id = id_;
  hs.auth_data = scramble_;
  hs.capabilities = server_caps | (tls_context_ ? cap::ssl : 0);
  // As a MariaDB server: CLIENT_MYSQL unset, extended capabilities offered (only
  // extended metadata, and only in front of a server that has it).
  hs.mariadb_caps = worker_.state.server_mariadb_caps & offered_mariadb_caps;
  if (hs.mariadb_caps != 0) hs.capabilities &= ~cap::long_password;
  hs.charset = worker_.state.server_charset;
  protocol::bytes greeting;  // named, not a temporary inside co_await (GCC 12)
  protocol::encode_handshake(greeting, hs);
  if (co_await write_message(stream_, greeting, 0)) {
    co_return false;
  }
  std::uint8_t seq = 1;
  auto resp = co_await read_handshake_response(seq);
  if (!resp) co_return false;
  caps_ = resp->capabilities & server_caps;
  mariadb_caps_ = resp->mariadb_caps & hs.mariadb_caps;
  charset_ = resp->charset ? resp->charset : worker_.state.server_charset;
  user_ = resp->user;
  if (!co_await authenticate(*resp, seq)) co_return false;
  attrs_ = std::make_shared<const connect_attrs>(std::move(resp->attributes));
  multi_statements_ = caps_ & cap::multi_statements;
  reset_server_defaults();
  update_statement_limit();
  if (!co_await attach_backend(resp->database, seq)) co_return false;
  worker_.state.sessions.add(id_, {weak_from_this(), &worker_.ioc});
  registered_ = true;
  bool sent = co_await send_login_ok(seq);
  release_unpinned();
  co_return sent;
}

// The OK that ends the connection phase or a COM_CHANGE_USER: a client that asked for
// session state reports gets the database it connected to, as from the server.
asio::awaitable<bool> client_session::send_login_ok(std::uint8_t seq) {
  protocol::ok_packet ok{protocol::ok_header, 0, 0, session_status(), 0, {}};
  if ((caps_ & cap::session_track) && !schema_.empty()) protocol::session_track::append_schema(ok.session_state, schema_);
  protocol::bytes out;
  protocol::encode_ok(out, ok);
  co_return !(co_await write_message(stream_, out, seq));
}

// The client's HandshakeResponse (read at `seq`; `seq` becomes the sequence id of the
// answer), after upgrading to TLS if the client asked for it; nullopt once an ERR was
// sent or the client is gone.
asio::awaitable<std::optional<protocol::handshake_response>> client_session::read_handshake_response(std::uint8_t& seq) {
  using none = std::optional<protocol::handshake_response>;
  for (;;) {
    auto msg = co_await read_message(stream_, buffer_, max_handshake_packet, seq);
    if (msg.io) {
      worker_.log->debug("session {} from {}: gone during handshake: {}", id_, peer_, msg.io.message());
      co_return none{};
    }
    if (msg.frame.state != protocol::unframe_result::status::complete) {
      seq = static_cast<std::uint8_t>(seq + 1);
      co_await send_error(
          make_error(msg.frame.state == protocol::unframe_result::status::too_large ? errc::packet_too_large
                                                                                    : errc::bad_handshake),
          seq);
      co_return none{};
    }
    seq = msg.frame.next_seq;
    auto payload = protocol::message_payload_view(buffer_.readable(), msg.frame);
    if (protocol::is_ssl_request(payload) && !stream_.secure()) {
      buffer_.consume(msg.frame.wire_size);
      if (!co_await start_tls(seq)) co_return none{};
      continue;  // the whole response follows over TLS
    }
    auto resp = protocol::decode_handshake_response(payload);
    buffer_.consume(msg.frame.wire_size);
    // CLIENT_SSL without the upgrade is a client out of step; after it, some clients
    // (Connector/J 2) clear the flag again, which the server accepts too.
    if (resp && (resp->capabilities & cap::ssl) && !stream_.secure()) resp = errc::bad_handshake;
    if (!resp) {
      worker_.state.admit.failed(peer_, cfg_->limits.connections);
      auto code = resp.error();
      worker_.log->info("session {} from {}: rejected handshake: {}", id_, peer_, protocol::describe(code).name);
      // No ?: choosing between temporaries in a coroutine: GCC 12 destroys both arms
      // (free() of an unallocated std::string, found by the integration tests).
      protocol::sql_error err = make_error(code == errc::malformed_packet ? errc::bad_handshake : code);
      if (code == errc::auth_mode_unsupported) err = make_error(code, "it must speak protocol 4.1");
      co_await send_error(err, seq);
      co_return none{};
    }
    co_return std::move(*resp);
  }
}

// SSL_REQUEST: the TLS handshake (bounded by the handshake deadline, like the rest of the
// connection phase). Bytes already read behind the request are the client's first TLS
// records: they go to TLS, never to the protocol (no plain text is taken as if it had
// come encrypted).
asio::awaitable<bool> client_session::start_tls(std::uint8_t seq) {
  if (!tls_context_) {
    worker_.state.admit.failed(peer_, cfg_->limits.connections);
    worker_.log->info("session {} from {}: SSL_REQUEST, but TLS is not configured", id_, peer_);
    co_await send_error(make_error(errc::bad_handshake), seq);
    co_return false;
  }
  auto early = buffer_.readable();
  std::vector<std::uint8_t> received(early.begin(), early.end());
  buffer_.consume(early.size());
  if (auto ec = co_await stream_.accept_tls(*tls_context_, std::move(received)); ec) {
    worker_.state.admit.failed(peer_, cfg_->limits.connections);
    worker_.log->info("session {} from {}: TLS handshake failed: {}", id_, peer_, ec.message());
    co_return false;  // no protocol to report it in: the client sees its TLS error
  }
  co_return true;
}

asio::awaitable<bool> client_session::authenticate(const protocol::handshake_response& resp, std::uint8_t& seq) {
  const client_user* user = cfg_->find_user(resp.user);
  auth_plugin plugin = auth_plugin::mysql_native_password;
  if (user) {
    plugin = user->plugin;
  } else if (resp.auth_plugin == "caching_sha2_password") {
    plugin = auth_plugin::caching_sha2_password;  // an unknown user fails the same way either plugin
  }
  protocol::bytes token = resp.auth_response;
  // What the client hashed for (none named: native). Not a `?:` into a string_view: its
  // std::string result would be a temporary.
  std::string sent = resp.auth_plugin;
  if (sent.empty()) sent = "mysql_native_password";
  if (sent != plugin_name(plugin)) {
    // The client hashed for another plugin (caching_sha2, ed25519...): ask for the user's.
    protocol::bytes sw;
    protocol::encode_auth_switch(sw, {plugin_name(plugin), scramble_});
    auto reply = co_await exchange_auth(sw, seq);
    if (!reply) co_return false;
    token = std::move(*reply);
  }
  auth_outcome outcome = auth_outcome::denied;
  if (plugin == auth_plugin::mysql_native_password) {
    if (user && protocol::verify_native_token(token, scramble_, user->password_hash)) outcome = auth_outcome::ok;
  } else {
    outcome = co_await sha2_authenticate(user, token, seq);
  }
  if (outcome == auth_outcome::gone) co_return false;
  // require_secure_transport (global or the user's REQUIRE SSL): MariaDB answers 1045.
  bool needs_tls = cfg_->tls.require_secure_transport || (user && user->require_secure_transport);
  if (outcome == auth_outcome::ok && needs_tls && !stream_.secure()) {
    worker_.log->info("session {} from {}: user '{}' needs a secure transport", id_, peer_, resp.user);
    outcome = auth_outcome::denied;
  }
  if (outcome != auth_outcome::ok) {
    worker_.log->info("session {} from {}: access denied for user '{}'", id_, peer_, resp.user);
    ++worker_.stats.logins_failed;
    worker_.state.admit.failed(peer_, cfg_->limits.connections);
    co_await send_error(make_error(errc::access_denied, resp.user, peer_, token.empty() ? "NO" : "YES"), seq);
    co_return false;
  }
  // Counted per user from here (users[].max_connections); COM_CHANGE_USER moves the count.
  auto& admit = worker_.state.admit;
  bool admitted = admitted_user_.empty() ? admit.authenticated(peer_, resp.user, user->max_connections)
                                         : admit.switch_user(admitted_user_, resp.user, user->max_connections);
  if (!admitted) {
    worker_.log->info("session {} from {}: user '{}' at max_connections", id_, peer_, resp.user);
    co_await send_error(make_error(errc::too_many_user_connections, resp.user), seq);
    co_return false;
  }
  admitted_user_ = resp.user;
  co_return true;
}

// Sends `packet` at `seq` and reads the client's answer; `seq` then numbers the next
// server packet. nullopt: the client is gone, or an ERR was sent for a bad packet.
asio::awaitable<std::optional<protocol::bytes>> client_session::exchange_auth(const protocol::bytes& packet,
                                                                              std::uint8_t& seq) {
  using none = std::optional<protocol::bytes>;
  if (co_await write_message(stream_, packet, seq)) co_return none{};
  auto msg = co_await read_message(stream_, buffer_, max_handshake_packet, static_cast<std::uint8_t>(seq + 1));
  if (msg.io) co_return none{};
  seq = msg.frame.next_seq;
  if (msg.frame.state != protocol::unframe_result::status::complete) {
    co_await send_error(make_error(errc::bad_handshake), seq);
    co_return none{};
  }
  auto p = protocol::message_payload_view(buffer_.readable(), msg.frame);
  protocol::bytes out(p.begin(), p.end());
  buffer_.consume(msg.frame.wire_size);
  co_return out;
}

// caching_sha2_password after the client's scramble `token`: the fast path when the
// proxy knows SHA256(SHA256(pw)) (from the config, or cached by an earlier full
// authentication of this stored hash), else full authentication.
asio::awaitable<client_session::auth_outcome> client_session::sha2_authenticate(const client_user* user,
                                                                                 const protocol::bytes& token,
                                                                                 std::uint8_t& seq) {
  if (user == nullptr) co_return auth_outcome::denied;
  bool has_password = user->sha2_fast || user->sha2_stored;
  if (!has_password) co_return token.empty() ? auth_outcome::ok : auth_outcome::denied;
  if (token.empty()) co_return auth_outcome::denied;
  std::optional<protocol::sha256_digest> fast = user->sha2_fast;
  std::string cache_key;
  if (!fast) {
    cache_key = user->name + '\0' + protocol::format_sha2_stored(*user->sha2_stored);
    fast = worker_.state.sha2_hashes.find(cache_key);
  }
  // Some clients hash the scramble with the NUL that ends it in the auth switch
  // (PyMySQL 1.0): the same secret, bound to the same nonce.
  protocol::bytes with_nul = scramble_;
  with_nul.push_back(0);
  if (fast && (protocol::verify_sha2_token(token, scramble_, *fast) || protocol::verify_sha2_token(token, with_nul, *fast))) {
    protocol::bytes more{0x01, protocol::sha2_fast_auth_success};
    if (co_await write_message(stream_, more, seq)) co_return auth_outcome::gone;
    seq = static_cast<std::uint8_t>(seq + 1);
    co_return auth_outcome::ok;
  }
  // Nothing cached, or a token that does not match: full authentication decides (as the
  // server does; a client that hashed differently still gets in with the right password).
  auto password = co_await sha2_full_password(seq);
  if (!password) co_return auth_outcome::gone;
  bool right = false;
  if (user->sha2_stored) {
    right = !password->empty() && protocol::verify_sha2_stored(*password, *user->sha2_stored);
  } else {
    auto h = protocol::sha2_double_hash(*password);
    right = !password->empty() && CRYPTO_memcmp(h.data(), user->sha2_fast->data(), h.size()) == 0;
  }
  if (!right) co_return auth_outcome::denied;
  if (user->sha2_stored) worker_.state.sha2_hashes.put(cache_key, protocol::sha2_double_hash(*password));
  co_return auth_outcome::ok;
}

// Full authentication: asks for the password; over TLS it comes in clear, otherwise
// encrypted to the proxy's RSA key (sent first when the client asks for it). nullopt:
// the client is gone or an ERR was sent; a password that cannot be decrypted is "".
asio::awaitable<std::optional<std::string>> client_session::sha2_full_password(std::uint8_t& seq) {
  using none = std::optional<std::string>;
  protocol::bytes ask{0x01, protocol::sha2_perform_full_auth};
  auto reply = co_await exchange_auth(ask, seq);
  if (!reply) co_return none{};
  if (stream_.secure()) co_return protocol::sha2_clear_password(*reply);
  const protocol::rsa_key* key = cfg_->security ? cfg_->security->rsa.get() : nullptr;
  if (key == nullptr) co_return std::string();
  if (reply->size() == 1 && (*reply)[0] == protocol::sha2_request_public_key) {
    protocol::bytes pem{0x01};
    pem.insert(pem.end(), key->public_pem().begin(), key->public_pem().end());
    reply = co_await exchange_auth(pem, seq);
    if (!reply) co_return none{};
  }
  auto plain = key->decrypt(*reply);
  if (!plain) co_return std::string();
  co_return protocol::sha2_clear_password(protocol::sha2_xor_scramble(*plain, scramble_));
}

}  // namespace shardwire::proxy
