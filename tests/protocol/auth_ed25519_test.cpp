// protocol/auth_ed25519: MariaDB's ed25519 client signature.
#include <catch2/catch.hpp>
#include <sodium.h>

#include "protocol/auth_ed25519.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using namespace shardwire::test;

TEST_CASE("ed25519: the public key MariaDB stores for a password", "[auth][ed25519]") {
  // MariaDB 10.11: CREATE USER app_ed IDENTIFIED VIA ed25519 USING PASSWORD('app_ed') stores
  // base64 "WtHOFvCAz5fRu3Igbw3eSXSPjw44PKu16KLgY2rtCu0" in mysql.global_priv.
  auto pk = ed25519_password_public_key("app_ed");
  CHECK(bytes(pk.begin(), pk.end()) == from_hex("5ad1ce16f080cf97d1bb72206f0dde49748f8f0e383cabb5e8a2e0636aed0aed"));
}

TEST_CASE("ed25519: signatures verify as standard Ed25519 under that key", "[auth][ed25519]") {
  REQUIRE(sodium_init() >= 0);
  bytes scramble = from_hex("00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 10 20 30 40 50 60 70 80 90 a0 b0 c0 d0 e0 f0 01");
  for (std::string pw : {"app_ed", "", "a much longer password than thirty-two bytes, with UTF-8: \xC3\xA9"}) {
    INFO(pw);
    auto pk = ed25519_password_public_key(pw);
    auto sig = ed25519_password_signature(pw, scramble);
    CHECK(crypto_sign_verify_detached(sig.data(), scramble.data(), scramble.size(), pk.data()) == 0);
    bytes other = scramble;
    other[5] ^= 0x80;
    CHECK(crypto_sign_verify_detached(sig.data(), other.data(), other.size(), pk.data()) != 0);
    auto wrong = ed25519_password_public_key(pw + "x");
    CHECK(crypto_sign_verify_detached(sig.data(), scramble.data(), scramble.size(), wrong.data()) != 0);
  }
}
