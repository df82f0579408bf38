#include "protocol/auth_ed25519.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>

namespace shardwire::protocol {

namespace {

using sha512_digest = std::array<std::uint8_t, 64>;

sha512_digest sha512(byte_view a, byte_view b = {}, byte_view c = {}) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr);
  for (byte_view part : {a, b, c}) {
    if (!part.empty()) EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  sha512_digest d{};
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, d.data(), &n);
  EVP_MD_CTX_free(ctx);
  return d;
}

// The clamped secret scalar a (reduced mod L) from SHA512(password).
std::array<std::uint8_t, 32> secret_scalar(const sha512_digest& az) {
  static const int sodium_ready = sodium_init();  // once; picks libsodium's implementations
  (void)sodium_ready;
  std::array<std::uint8_t, 64> wide{};
  std::memcpy(wide.data(), az.data(), 32);
  wide[0] &= 248;
  wide[31] &= 63;
  wide[31] |= 64;
  std::array<std::uint8_t, 32> a{};
  crypto_core_ed25519_scalar_reduce(a.data(), wide.data());
  return a;
}

std::array<std::uint8_t, 32> reduce(const sha512_digest& h) {
  std::array<std::uint8_t, 32> out{};
  crypto_core_ed25519_scalar_reduce(out.data(), h.data());
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> ed25519_password_public_key(std::string_view password) {
  sha512_digest az = sha512(as_bytes(password));
  auto a = secret_scalar(az);
  std::array<std::uint8_t, 32> pk{};
  crypto_scalarmult_ed25519_base_noclamp(pk.data(), a.data());
  return pk;
}

std::array<std::uint8_t, 64> ed25519_password_signature(std::string_view password, byte_view message) {
  sha512_digest az = sha512(as_bytes(password));
  auto a = secret_scalar(az);
  std::array<std::uint8_t, 32> pk{};
  crypto_scalarmult_ed25519_base_noclamp(pk.data(), a.data());
  // r = H(az[32..64] || M) mod L; R = rB; k = H(R || A || M) mod L; S = r + k a mod L.
  auto r = reduce(sha512(byte_view(az.data() + 32, 32), message));
  std::array<std::uint8_t, 64> sig{};
  crypto_scalarmult_ed25519_base_noclamp(sig.data(), r.data());
  auto k = reduce(sha512(byte_view(sig.data(), 32), pk, message));
  std::array<std::uint8_t, 32> ka{};
  crypto_core_ed25519_scalar_mul(ka.data(), k.data(), a.data());
  crypto_core_ed25519_scalar_add(sig.data() + 32, r.data(), ka.data());
  return sig;
}

}  // namespace shardwire::protocol
