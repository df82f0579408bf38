#include "protocol/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/evp.h>

#include <memory>
#include <random>

namespace shardwire::protocol {

sha1_digest sha1(byte_view a, byte_view b) {
  // EVP is OpenSSL 3's only non-deprecated path; one digest context per thread,
  // freed when the thread ends (LeakSanitizer reports it otherwise).
  struct ctx_free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ctx_free> ctx(EVP_MD_CTX_new());
  sha1_digest d{};
  unsigned int n = 0;
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx.get(), a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  EVP_DigestFinal_ex(ctx.get(), d.data(), &n);
  return d;
}

std::string native_password_hash(std::string_view password) {
  sha1_digest h1 = sha1(as_bytes(password));
  sha1_digest h2 = sha1(h1);
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "*";
  for (auto b : h2) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

std::optional<sha1_digest> parse_native_hash(std::string_view text) {
  if (text.size() != 41 || text[0] != '*') return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  sha1_digest d;
  for (std::size_t i = 0; i < 20; ++i) {
    int hi = nibble(text[1 + 2 * i]), lo = nibble(text[2 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return d;
}

bytes native_password_token(std::string_view password, byte_view scramble) {
  if (password.empty()) return {};
  sha1_digest h1 = sha1(as_bytes(password));
  sha1_digest h2 = sha1(h1);
  sha1_digest x = sha1(scramble.first(std::min<std::size_t>(20, scramble.size())), h2);
  bytes token(20);
  for (std::size_t i = 0; i < 20; ++i) token[i] = h1[i] ^ x[i];
  return token;
}

bool verify_native_token(byte_view token, byte_view scramble, const std::optional<sha1_digest>& stored) {
  if (!stored) return token.empty();
  if (token.size() != 20 || scramble.size() < 20) return false;
  sha1_digest x = sha1(scramble.first(20), *stored);
  sha1_digest h1;
  for (std::size_t i = 0; i < 20; ++i) h1[i] = token[i] ^ x[i];
  sha1_digest candidate = sha1(h1);
  return CRYPTO_memcmp(candidate.data(), stored->data(), 20) == 0;
}

bytes make_scramble() {
  bytes s(20);
  if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) {
    thread_local std::mt19937 fallback{std::random_device{}()};
    for (auto& b : s) b = static_cast<std::uint8_t>(fallback());
  }
  for (auto& b : s) b = static_cast<std::uint8_t>((b % 94) + 33);  // printable ASCII 33..126
  return s;
}

}  // namespace shardwire::protocol
