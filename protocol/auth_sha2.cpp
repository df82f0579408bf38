#include "protocol/auth_sha2.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstring>

namespace shardwire::protocol {

namespace {

struct md_ctx {
  md_ctx() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~md_ctx() { EVP_MD_CTX_free(ctx); }
  md_ctx(const md_ctx&) = delete;
  md_ctx& operator=(const md_ctx&) = delete;
  void add(const void* p, std::size_t n) { EVP_DigestUpdate(ctx, p, n); }
  void add(std::string_view s) { add(s.data(), s.size()); }
  void add(const sha256_digest& d, std::size_t n = 32) { add(d.data(), n); }
  sha256_digest done() {
    sha256_digest d{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, d.data(), &n);
    return d;
  }
  EVP_MD_CTX* ctx;
};

constexpr char crypt64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void b64_from_24bit(std::string& out, std::uint8_t b2, std::uint8_t b1, std::uint8_t b0, int n) {
  unsigned w = (unsigned{b2} << 16) | (unsigned{b1} << 8) | b0;
  while (n-- > 0) {
    out += crypt64[w & 0x3f];
    w >>= 6;
  }
}

// `src` repeated to `len` bytes (Drepper's P and S sequences).
std::string stretch(const sha256_digest& d, std::size_t len) {
  std::string out;
  out.reserve(len);
  while (out.size() < len) out.append(reinterpret_cast<const char*>(d.data()), std::min<std::size_t>(32, len - out.size()));
  return out;
}

}  // namespace

sha256_digest sha256(byte_view a, byte_view b) {
  md_ctx c;
  c.add(a.data(), a.size());
  if (!b.empty()) c.add(b.data(), b.size());
  return c.done();
}

sha256_digest sha2_double_hash(std::string_view password) {
  sha256_digest h1 = sha256(as_bytes(password));
  return sha256(h1);
}

bytes sha2_password_token(std::string_view password, byte_view scramble) {
  if (password.empty()) return {};
  sha256_digest h1 = sha256(as_bytes(password));
  sha256_digest h2 = sha256(h1);
  sha256_digest mix = sha256(h2, scramble);
  bytes out(32);
  for (std::size_t i = 0; i < 32; ++i) out[i] = h1[i] ^ mix[i];
  return out;
}

bool verify_sha2_token(byte_view token, byte_view scramble, const sha256_digest& double_hash) {
  if (token.size() != 32) return false;
  sha256_digest mix = sha256(double_hash, scramble);
  sha256_digest h1;
  for (std::size_t i = 0; i < 32; ++i) h1[i] = token[i] ^ mix[i];
  sha256_digest check = sha256(h1);
  return CRYPTO_memcmp(check.data(), double_hash.data(), 32) == 0;
}

std::string sha256_crypt_digest(std::string_view pw, std::string_view salt, int rounds) {
  rounds = std::clamp(rounds, 1000, 0xFFF * 1000);
  md_ctx b_ctx;  // B = SHA256(P S P)
  b_ctx.add(pw);
  b_ctx.add(salt);
  b_ctx.add(pw);
  sha256_digest b = b_ctx.done();
  md_ctx a_ctx;  // A = SHA256(P S B-bytes-for-|P| then bits of |P|)
  a_ctx.add(pw);
  a_ctx.add(salt);
  std::size_t n = pw.size();
  for (; n > 32; n -= 32) a_ctx.add(b);
  a_ctx.add(b, n);
  for (n = pw.size(); n > 0; n >>= 1) {
    if (n & 1) {
      a_ctx.add(b);
    } else {
      a_ctx.add(pw);
    }
  }
  sha256_digest a = a_ctx.done();
  md_ctx dp_ctx;
  for (std::size_t i = 0; i < pw.size(); ++i) dp_ctx.add(pw);
  std::string p_seq = stretch(dp_ctx.done(), pw.size());
  md_ctx ds_ctx;
  for (int i = 0; i < 16 + a[0]; ++i) ds_ctx.add(salt);
  std::string s_seq = stretch(ds_ctx.done(), salt.size());
  for (int i = 0; i < rounds; ++i) {
    md_ctx c;
    if (i & 1) {
      c.add(p_seq);
    } else {
      c.add(a);
    }
    if (i % 3) c.add(s_seq);
    if (i % 7) c.add(p_seq);
    if (i & 1) {
      c.add(a);
    } else {
      c.add(p_seq);
    }
    a = c.done();
  }
  std::string out;
  out.reserve(43);
  static constexpr int order[10][3] = {{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
                                       {15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}};
  for (const auto& o : order) b64_from_24bit(out, a[o[0]], a[o[1]], a[o[2]], 4);
  b64_from_24bit(out, 0, a[31], a[30], 3);
  return out;
}

std::optional<sha2_stored> parse_sha2_stored(std::string_view t) {
  // "$A$005$" + 20 salt + 43 digest = 70 characters
  if (t.size() != 70 || t.substr(0, 3) != "$A$" || t[6] != '$') return std::nullopt;
  int rounds = 0;
  for (char c : t.substr(3, 3)) {
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (v < 0) return std::nullopt;
    rounds = rounds * 16 + v;
  }
  if (rounds == 0) return std::nullopt;
  sha2_stored s{std::string(t.substr(7, 20)), rounds * 1000, std::string(t.substr(27))};
  for (char c : s.digest) {
    if (!std::memchr(crypt64, c, 64)) return std::nullopt;
  }
  return s;
}

std::string format_sha2_stored(const sha2_stored& s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  int k = s.rounds / 1000;
  std::string out = "$A$";
  out += hex[(k >> 8) & 15];
  out += hex[(k >> 4) & 15];
  out += hex[k & 15];
  out += '$';
  return out + s.salt + s.digest;
}

sha2_stored make_sha2_stored(std::string_view password) {
  std::uint8_t raw[20];
  RAND_bytes(raw, sizeof raw);
  std::string salt;
  for (auto b : raw) salt += crypt64[b & 63];
  return {salt, 5000, sha256_crypt_digest(password, salt, 5000)};
}

bool verify_sha2_stored(std::string_view password, const sha2_stored& stored) {
  // SHA-256 crypt hashes the password once per byte of it (quadratic): a client's 64 KiB
  // "password" would hold the worker for seconds. MySQL refuses beyond 256 bytes too.
  if (password.size() > max_sha2_password) return false;
  std::string d = sha256_crypt_digest(password, stored.salt, stored.rounds);
  return d.size() == stored.digest.size() && CRYPTO_memcmp(d.data(), stored.digest.data(), d.size()) == 0;
}

std::string sha2_clear_password(byte_view packet) {
  std::string_view s(reinterpret_cast<const char*>(packet.data()), packet.size());
  if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  return std::string(s);
}

bytes sha2_xor_scramble(byte_view data, byte_view scramble) {
  bytes out(data.begin(), data.end());
  if (scramble.empty()) return out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= scramble[i % scramble.size()];
  return out;
}

// --- RSA ---

rsa_key::rsa_key(void* pkey) : pkey_(pkey) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(pkey_));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  public_pem_.assign(data, static_cast<std::size_t>(n));
  BIO_free(bio);
}

rsa_key::~rsa_key() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_)); }

std::shared_ptr<rsa_key> rsa_key::generate() {
  EVP_PKEY* k = EVP_RSA_gen(2048);
  return k ? std::shared_ptr<rsa_key>(new rsa_key(k)) : nullptr;
}

std::shared_ptr<rsa_key> rsa_key::from_pem(std::string_view pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    EVP_PKEY_free(k);
    error = "not a PEM RSA private key";
    return nullptr;
  }
  return std::shared_ptr<rsa_key>(new rsa_key(k));
}

std::shared_ptr<rsa_key> rsa_key::from_public_pem(std::string_view pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    EVP_PKEY_free(k);
    error = "the server's public key is not a PEM RSA key";
    return nullptr;
  }
  return std::shared_ptr<rsa_key>(new rsa_key(k));
}

std::size_t rsa_key::size() const { return static_cast<std::size_t>(EVP_PKEY_get_size(static_cast<EVP_PKEY*>(pkey_))); }

namespace {
struct pkey_ctx {
  explicit pkey_ctx(void* k) : ctx(EVP_PKEY_CTX_new(static_cast<EVP_PKEY*>(k), nullptr)) {}
  ~pkey_ctx() { EVP_PKEY_CTX_free(ctx); }
  pkey_ctx(const pkey_ctx&) = delete;
  pkey_ctx& operator=(const pkey_ctx&) = delete;
  EVP_PKEY_CTX* ctx;
};
}  // namespace

std::optional<bytes> rsa_key::decrypt(byte_view in) const {
  if (in.size() != size()) return std::nullopt;
  pkey_ctx c(pkey_);
  if (!c.ctx || EVP_PKEY_decrypt_init(c.ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(c.ctx, RSA_PKCS1_OAEP_PADDING) != 1) {
    return std::nullopt;
  }
  std::size_t n = 0;
  if (EVP_PKEY_decrypt(c.ctx, nullptr, &n, in.data(), in.size()) != 1) return std::nullopt;
  bytes out(n);
  if (EVP_PKEY_decrypt(c.ctx, out.data(), &n, in.data(), in.size()) != 1) return std::nullopt;
  out.resize(n);
  return out;
}

bytes rsa_key::encrypt(byte_view in) const {
  pkey_ctx c(pkey_);
  std::size_t n = 0;
  if (!c.ctx || EVP_PKEY_encrypt_init(c.ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(c.ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_encrypt(c.ctx, nullptr, &n, in.data(), in.size()) != 1) {
    return {};
  }
  bytes out(n);
  if (EVP_PKEY_encrypt(c.ctx, out.data(), &n, in.data(), in.size()) != 1) return {};
  out.resize(n);
  return out;
}

}  // namespace shardwire::protocol
