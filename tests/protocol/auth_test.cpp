// protocol/auth: mysql_native_password hashing, tokens and scrambles.
#include <catch2/catch.hpp>

#include <cctype>
#include <set>

#include "protocol/auth.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using namespace shardwire::test;

namespace {
// Expected hashes computed with /usr/bin/python3:
//   '*' + hashlib.sha1(hashlib.sha1(pw).digest()).hexdigest().upper()
// and "*5BCB..." is also what MariaDB 10.11 returns for SELECT PASSWORD('app').
constexpr const char* app_hash = "*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3";
constexpr const char* secret_hash = "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7";

// Captured: MariaDB 10.11's scramble and the token the `mariadb` client sent for "app".
const bytes scramble = from_hex("22 5e 35 2b 76 36 48 47 69 5c 71 45 43 5e 32 7b 39 48 3f 44");
const bytes client_token = from_hex("a0 1a 2c 1f 1d 5c a9 dd 49 d6 87 0c 83 12 d7 3d 4b 67 a4 b5");
}  // namespace

TEST_CASE("sha1 of one or two parts", "[auth]") {
  auto d = sha1(as_bytes("abc"));
  CHECK(to_hex(d) == "a9 99 3e 36 47 06 81 6a ba 3e 25 71 78 50 c2 6c 9c d0 d8 9d");  // FIPS 180 vector
  CHECK(sha1(as_bytes("a"), as_bytes("bc")) == d);
  CHECK(to_hex(sha1(byte_view{})) == "da 39 a3 ee 5e 6b 4b 0d 32 55 bf ef 95 60 18 90 af d8 07 09");
}

TEST_CASE("native_password_hash matches MariaDB's PASSWORD()", "[auth]") {
  CHECK(native_password_hash("app") == app_hash);
  CHECK(native_password_hash("secret") == secret_hash);
  CHECK(native_password_hash("app").size() == 41);
}

TEST_CASE("parse_native_hash accepts the *HEX form", "[auth]") {
  auto d = parse_native_hash(app_hash);
  REQUIRE(d.has_value());
  CHECK(to_hex(*d) == "5b cb 3e 6a c3 45 b4 35 c7 c2 e6 b7 94 9a 04 ce 6f 65 63 d3");
  CHECK(*d == sha1(sha1(as_bytes("app"))));
  std::string lower = app_hash;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(parse_native_hash(lower) == d);
}

TEST_CASE("parse_native_hash rejects bad forms", "[auth]") {
  const std::string_view good = app_hash;
  const std::string bad[] = {
      "",                                     // MariaDB's PASSWORD('') is '', not a hash
      "*",
      std::string(good.substr(1)),            // no '*'
      "#5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3",  // wrong prefix
      std::string(good.substr(0, 40)),        // 39 digits
      "*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D30",  // 41 digits
      "*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563DG",  // not hex
      "*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D ",
      " *5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D",
      "6f8c114b58f2ce9e",                     // pre-4.1 OLD_PASSWORD() form
      std::string("*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D") + '\0',
  };
  for (const auto& text : bad) {
    INFO('"' << text << '"');
    CHECK_FALSE(parse_native_hash(text).has_value());
  }
}

TEST_CASE("token of a real client verifies against the stored hash", "[auth]") {
  auto stored = parse_native_hash(app_hash);
  CHECK(to_hex(native_password_token("app", scramble)) == to_hex(client_token));
  CHECK(verify_native_token(client_token, scramble, stored));
  // A scramble with the trailing NUL of the handshake still uses only 20 bytes.
  bytes with_nul = scramble;
  with_nul.push_back(0);
  CHECK(native_password_token("app", with_nul) == client_token);
  CHECK(verify_native_token(client_token, with_nul, stored));
}

TEST_CASE("token/verify round trip and failures", "[auth]") {
  auto app = parse_native_hash(native_password_hash("app"));
  bytes s = make_scramble();
  bytes token = native_password_token("app", s);
  REQUIRE(token.size() == 20);
  CHECK(verify_native_token(token, s, app));

  CHECK_FALSE(verify_native_token(native_password_token("App", s), s, app));  // wrong password
  CHECK_FALSE(verify_native_token(native_password_token("app", scramble), s, app));  // other scramble
  CHECK_FALSE(verify_native_token(token, s, parse_native_hash(secret_hash)));  // other account
  bytes flipped = token;
  flipped[19] ^= 1;
  CHECK_FALSE(verify_native_token(flipped, s, app));
  CHECK_FALSE(verify_native_token(byte_view(token).first(19), s, app));        // short token
  CHECK_FALSE(verify_native_token(byte_view(s).first(19), byte_view(s).first(19), app));  // short scramble
  CHECK_FALSE(verify_native_token(byte_view(token), byte_view(s).first(19), app));
}

TEST_CASE("empty password: empty token, account without password", "[auth]") {
  bytes s = make_scramble();
  CHECK(native_password_token("", s).empty());
  CHECK(verify_native_token(byte_view{}, s, std::nullopt));   // no password, none given
  CHECK_FALSE(verify_native_token(native_password_token("app", s), s, std::nullopt));  // one given
  CHECK_FALSE(verify_native_token(byte_view{}, s, parse_native_hash(app_hash)));  // one required
}

TEST_CASE("make_scramble: 20 printable non-NUL bytes, fresh each time", "[auth]") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    bytes s = make_scramble();
    REQUIRE(s.size() == 20);
    for (auto b : s) {
      INFO(to_hex(s));
      REQUIRE(b != 0);
      REQUIRE(b >= 33);
      REQUIRE(b <= 126);
    }
    seen.insert(to_hex(s));
  }
  CHECK(seen.size() == 200);
}
