// caching_sha2_password, the server side (clients authenticate to the proxy with it):
//  - fast path: token = SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || scramble), checked
//    against SHA256(SHA256(pw)), which the proxy knows from a config password or caches
//    after one full authentication (as the server does);
//  - full authentication: the password itself, in clear over TLS or RSA-OAEP-encrypted
//    (XOR the scramble) with the proxy's key, checked against MySQL's stored form
//    "$A$005$" + 20-byte salt + SHA-256 crypt digest (mysql.user.authentication_string).
// Pure crypto over OpenSSL's EVP; no I/O.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/codec.hpp"

namespace shardwire::protocol {

using sha256_digest = std::array<std::uint8_t, 32>;
sha256_digest sha256(byte_view a, byte_view b = {});

// SHA256(SHA256(pw)): what the fast path is checked against.
sha256_digest sha2_double_hash(std::string_view password);
// What a client sends on the fast path (empty for an empty password).
bytes sha2_password_token(std::string_view password, byte_view scramble);
bool verify_sha2_token(byte_view token, byte_view scramble, const sha256_digest& double_hash);

// The second byte of the server's AuthMoreData (0x01) packets.
inline constexpr std::uint8_t sha2_request_public_key = 0x02;  // from the client
inline constexpr std::uint8_t sha2_fast_auth_success = 0x03;
inline constexpr std::uint8_t sha2_perform_full_auth = 0x04;

// MySQL's stored form: "$A$" + 3 hex digits (rounds / 1000) + "$" + 20 salt bytes + 43
// characters of SHA-256 crypt (Drepper's algorithm with a 20-byte salt).
struct sha2_stored {
  std::string salt;
  int rounds = 5000;
  std::string digest;  // the 43 characters
  bool operator==(const sha2_stored&) const = default;
};
std::optional<sha2_stored> parse_sha2_stored(std::string_view text);
std::string format_sha2_stored(const sha2_stored& s);
// The 43-character SHA-256 crypt digest of `password` (rounds bounded to 1000..0xFFF000).
std::string sha256_crypt_digest(std::string_view password, std::string_view salt, int rounds);
// A stored form with a fresh random salt (config passwords given in clear).
sha2_stored make_sha2_stored(std::string_view password);
// Longer passwords never verify (MySQL's CRYPT_MAX_PASSWORD_SIZE): the crypt's cost grows
// with the square of the length, and the length is the client's.
inline constexpr std::size_t max_sha2_password = 256;
bool verify_sha2_stored(std::string_view password, const sha2_stored& stored);

// The password from a full-authentication packet: over TLS the client sends it with a
// trailing NUL; decrypted RSA data is XORed with the scramble first.
std::string sha2_clear_password(byte_view packet);
bytes sha2_xor_scramble(byte_view data, byte_view scramble);

// The RSA key pair clients encrypt their password to (RSA-OAEP with SHA-1, what every
// client library uses for caching_sha2_password).
class rsa_key {
 public:
  // A fresh 2048-bit key (what the server generates when none is configured).
  static std::shared_ptr<rsa_key> generate();
  // From a PEM private key; nullptr (and `error`) when it cannot be read.
  static std::shared_ptr<rsa_key> from_pem(std::string_view private_pem, std::string& error);
  // A server's public key (PEM), to encrypt to (the proxy as a client of MySQL 8).
  static std::shared_ptr<rsa_key> from_public_pem(std::string_view public_pem, std::string& error);
  ~rsa_key();
  rsa_key(const rsa_key&) = delete;
  rsa_key& operator=(const rsa_key&) = delete;

  const std::string& public_pem() const { return public_pem_; }
  std::size_t size() const;  // bytes of ciphertext the key takes
  std::optional<bytes> decrypt(byte_view ciphertext) const;
  bytes encrypt(byte_view plain) const;  // the client's side (tests)

 private:
  explicit rsa_key(void* pkey);
  void* pkey_;  // EVP_PKEY*
  std::string public_pem_;
};

}  // namespace shardwire::protocol
