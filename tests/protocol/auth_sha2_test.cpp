// protocol/auth_sha2: caching_sha2_password tokens, MySQL's stored hash form (SHA-256
// crypt) and the RSA exchange.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/auth_sha2.hpp"
#include "tests/protocol/hex.hpp"

using namespace shardwire::protocol;
using namespace shardwire::test;

TEST_CASE("SHA-256 crypt matches Drepper's published vectors", "[auth][sha2]") {
  // From the SHA-crypt specification (akkadia.org/drepper/SHA-crypt.txt); glibc's crypt()
  // prints the same for "$5$saltstring" and "$5$rounds=10000$saltstringsaltstring".
  CHECK(sha256_crypt_digest("Hello world!", "saltstring", 5000) == "5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5");
  CHECK(sha256_crypt_digest("Hello world!", "saltstringsaltst", 10000) ==
        "3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA");
  // glibc's crypt("This is just a test", "$5$rounds=5000$toolongsaltstring") (it cuts the
  // salt at 16; MySQL's 20-byte salts go through the same steps uncut).
  CHECK(sha256_crypt_digest("This is just a test", "toolongsaltstrin", 5000) ==
        "Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5");
}

TEST_CASE("MySQL's $A$005$ form: parse, format, verify", "[auth][sha2]") {
  sha2_stored made = make_sha2_stored("sha2");
  CHECK(made.salt.size() == 20);
  CHECK(made.rounds == 5000);
  std::string text = format_sha2_stored(made);
  CHECK(text.size() == 70);
  CHECK(text.rfind("$A$005$", 0) == 0);
  auto parsed = parse_sha2_stored(text);
  if (!parsed) FAIL("formatted hash did not parse");
  CHECK(*parsed == made);
  CHECK(verify_sha2_stored("sha2", *parsed));
  CHECK_FALSE(verify_sha2_stored("sha3", *parsed));
  CHECK_FALSE(verify_sha2_stored("", *parsed));
  // A client's oversized password is refused before the quadratic crypt runs.
  std::string huge(60000, 'p');
  auto long_stored = make_sha2_stored(std::string(max_sha2_password, 'p'));
  CHECK(verify_sha2_stored(std::string(max_sha2_password, 'p'), long_stored));
  CHECK_FALSE(verify_sha2_stored(huge, long_stored));
  // The salt may hold any printable byte but '$' (MySQL's generator); fixed positions.
  auto odd = parse_sha2_stored("$A$005$X]\\Z7R?9CLn8JEQ;:'`~mktLwODVWHPalbDzfD2EJWC3Pw0UuglRtGRkEpt7Bab");
  if (!odd) FAIL("a salt of punctuation did not parse");
  CHECK(odd->salt == "X]\\Z7R?9CLn8JEQ;:'`~");
  CHECK_FALSE(parse_sha2_stored("$A$005$short"));
  CHECK_FALSE(parse_sha2_stored("$A$000$" + std::string(63, 'a')));           // no rounds
  CHECK_FALSE(parse_sha2_stored("$A$0G5$" + std::string(63, 'a')));           // not hex
  CHECK_FALSE(parse_sha2_stored("$B$005$" + std::string(63, 'a')));           // other algorithm
  CHECK_FALSE(parse_sha2_stored("$A$005$" + std::string(20, 'a') + std::string(43, '!')));  // digest alphabet
  CHECK(parse_sha2_stored("$A$00A$" + std::string(63, 'a'))->rounds == 10000);
}

TEST_CASE("caching_sha2_password fast-path tokens", "[auth][sha2]") {
  bytes scramble = from_hex("3a 1f 5c 77 0b 64 41 2e 19 6d 53 28 7a 45 39 0e 60 11 2c 4f");
  auto stored = sha2_double_hash("sha2");
  bytes token = sha2_password_token("sha2", scramble);
  CHECK(token.size() == 32);
  CHECK(verify_sha2_token(token, scramble, stored));
  CHECK_FALSE(verify_sha2_token(sha2_password_token("sha3", scramble), scramble, stored));
  bytes other = scramble;
  other[0] ^= 1;
  CHECK_FALSE(verify_sha2_token(token, other, stored));  // replayed under another scramble
  CHECK_FALSE(verify_sha2_token(bytes(token.begin(), token.end() - 1), scramble, stored));
  CHECK_FALSE(verify_sha2_token({}, scramble, stored));
  CHECK(sha2_password_token("", scramble).empty());
}

TEST_CASE("caching_sha2_password full authentication: clear and RSA", "[auth][sha2]") {
  bytes scramble = from_hex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14");
  std::string clear = "pa\xC3\x9F" "word";
  bytes with_nul(clear.begin(), clear.end());
  with_nul.push_back(0);
  CHECK(sha2_clear_password(with_nul) == clear);
  CHECK(sha2_clear_password(as_bytes(clear)) == clear);  // a client that sent no NUL

  auto key = rsa_key::generate();
  REQUIRE(key != nullptr);
  CHECK(key->size() == 256);
  CHECK(key->public_pem().rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  bytes sealed = key->encrypt(sha2_xor_scramble(with_nul, scramble));
  CHECK(sealed.size() == 256);
  auto opened = key->decrypt(sealed);
  if (!opened) FAIL("decrypt failed");
  CHECK(sha2_clear_password(sha2_xor_scramble(*opened, scramble)) == clear);
  // Garbage, a wrong size, or another key's ciphertext never decrypt.
  CHECK_FALSE(key->decrypt(bytes(256, 0x41)));
  CHECK_FALSE(key->decrypt(bytes(10, 0x41)));
  CHECK_FALSE(key->decrypt({}));
  auto other = rsa_key::generate();
  CHECK_FALSE(key->decrypt(other->encrypt(with_nul)));
  // The public half alone encrypts to the same key (the proxy as a MySQL 8 client).
  std::string error;
  auto pub = rsa_key::from_public_pem(key->public_pem(), error);
  REQUIRE(pub != nullptr);
  CHECK(key->decrypt(pub->encrypt(with_nul)).value() == with_nul);
  CHECK(rsa_key::from_public_pem("not a key", error) == nullptr);
  CHECK(rsa_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error) == nullptr);
}
