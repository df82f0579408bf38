// protocol/handshake and protocol/auth: the connection-phase decoders on the same bytes
// (the server greeting the proxy reads from a backend, the client's HandshakeResponse41,
// the auth-switch request) with encode/decode round trips, and the mysql_native_password
// and caching_sha2_password helpers on the tokens, packets and stored hashes a client and
// the config provide.
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "protocol/auth.hpp"
#include "protocol/auth_sha2.hpp"
#include "protocol/capabilities.hpp"
#include "protocol/handshake.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace shardwire::protocol;

namespace {
void greeting(byte_view p) {
  auto hs = decode_handshake(p);
  if (!hs) return;
  // encode_handshake always writes the second scramble part and its length in one byte,
  // as the proxy's own greeting has them (SECURE_CONNECTION, 20 bytes): only greetings
  // of that form can round-trip.
  if (!(hs->capabilities & cap::secure_connection) || hs->auth_data.size() >= 255) return;
  bytes out;
  encode_handshake(out, *hs);
  auto again = decode_handshake(out);
  FUZZ_CHECK(again.has_value(), "an encoded greeting decodes");
  FUZZ_CHECK(again->server_version == hs->server_version && again->connection_id == hs->connection_id &&
                 again->capabilities == hs->capabilities && again->charset == hs->charset &&
                 again->status == hs->status && again->auth_plugin == hs->auth_plugin,
             "greeting round trip");
  FUZZ_CHECK(again->auth_data == hs->auth_data, "greeting scramble round trip");
}

void client_response(byte_view p) {
  auto hr = decode_handshake_response(p);
  if (!hr) return;
  FUZZ_CHECK(hr->capabilities & cap::protocol_41, "only 4.1 clients are accepted");
  FUZZ_CHECK(!is_ssl_request(p), "a bare SSL_REQUEST is never taken for a whole response");
  FUZZ_CHECK(hr->user.find('\0') == std::string::npos, "user name ends at its NUL");
  // The encoder writes the auth response with a length (the proxy's own responses to
  // backends always have SECURE_CONNECTION): round trip only in those forms.
  bool lenenc = hr->capabilities & cap::plugin_auth_lenenc_data;
  bool secure = hr->capabilities & cap::secure_connection;
  if (!lenenc && !(secure && hr->auth_response.size() < 256)) return;
  bytes out;
  encode_handshake_response(out, *hr);
  auto again = decode_handshake_response(out);
  FUZZ_CHECK(again.has_value(), "an encoded response decodes");
  FUZZ_CHECK(again->capabilities == hr->capabilities && again->max_packet == hr->max_packet &&
                 again->charset == hr->charset && again->user == hr->user &&
                 again->auth_response == hr->auth_response && again->attributes == hr->attributes,
             "response round trip");
  if (hr->capabilities & cap::connect_with_db) FUZZ_CHECK(again->database == hr->database, "database round trip");
  if (hr->capabilities & cap::plugin_auth) FUZZ_CHECK(again->auth_plugin == hr->auth_plugin, "plugin round trip");
}

void auth_switch(byte_view p) {
  auto a = decode_auth_switch(p);
  if (!a) return;
  bytes out;
  encode_auth_switch(out, *a);
  auto again = decode_auth_switch(out);
  FUZZ_CHECK(again && again->plugin == a->plugin && again->data == a->data, "auth switch round trip");
}

// The input as password | scramble | token: a right token verifies, a token from the
// input verifies only when it is the right one.
void native_password(byte_view p) {
  std::size_t cut = p.empty() ? 0 : p[0] % (p.size() + 1);
  std::string_view password = as_chars(p.first(cut));
  byte_view tail = p.subspan(cut);
  byte_view scramble = tail.first(std::min<std::size_t>(20, tail.size()));
  byte_view token = tail.subspan(scramble.size());

  auto stored = parse_native_hash(native_password_hash(password));
  FUZZ_CHECK(stored.has_value(), "native_password_hash parses back");
  bytes right = native_password_token(password, scramble);
  if (!password.empty() && scramble.size() == 20) {
    FUZZ_CHECK(verify_native_token(right, scramble, stored), "the right token verifies");
    bool equal = token.size() == right.size() && std::equal(token.begin(), token.end(), right.begin());
    if (!equal) FUZZ_CHECK(!verify_native_token(token, scramble, stored), "a wrong token is refused");
  } else {
    (void)verify_native_token(token, scramble, stored);
  }
  FUZZ_CHECK(verify_native_token(token, scramble, std::nullopt) == token.empty(),
             "an account without password takes only the empty token");

  // The config's "*HEX" form: what parses prints back the same (in upper case).
  auto parsed = parse_native_hash(as_chars(p));
  if (parsed) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string printed = "*";
    for (auto b : *parsed) {
      printed += hex[b >> 4];
      printed += hex[b & 15];
    }
    std::string upper(as_chars(p));
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    FUZZ_CHECK(printed == upper, "stored hash round trip");
  }
}
// caching_sha2_password on what a client sends: the fast-path token, the full
// authentication packet (clear, or RSA-encrypted: decrypting any bytes fails cleanly),
// and MySQL's stored form the config provides.
void sha2_password(byte_view p) {
  std::size_t cut = p.empty() ? 0 : p[0] % (p.size() + 1);
  std::string_view password = as_chars(p.first(cut));
  byte_view tail = p.subspan(cut);
  byte_view scramble = tail.first(std::min<std::size_t>(20, tail.size()));
  byte_view token = tail.subspan(scramble.size());
  auto stored = sha2_double_hash(password);
  if (!password.empty()) {
    FUZZ_CHECK(verify_sha2_token(sha2_password_token(password, scramble), scramble, stored), "the right token verifies");
  }
  bytes right = sha2_password_token(password, scramble);
  bool equal = token.size() == right.size() && std::equal(token.begin(), token.end(), right.begin());
  if (!equal) FUZZ_CHECK(!verify_sha2_token(token, scramble, stored), "a wrong sha2 token is refused");
  std::string clear = sha2_clear_password(p);
  FUZZ_CHECK(clear.find('\0') == std::string::npos && clear.size() <= p.size(), "clear password ends at its NUL");
  FUZZ_CHECK(sha2_xor_scramble(sha2_xor_scramble(p, scramble), scramble) == bytes(p.begin(), p.end()),
             "xor with the scramble undoes itself");
  static const auto key = rsa_key::generate();
  if (p.size() == key->size()) (void)key->decrypt(p);
  auto s = parse_sha2_stored(as_chars(p));
  if (s) FUZZ_CHECK(format_sha2_stored(*s) == std::string(as_chars(p)), "stored form round trip");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_view p(data, size);
  greeting(p);
  client_response(p);
  auth_switch(p);
  native_password(p);
  sha2_password(p);
  return 0;
}
