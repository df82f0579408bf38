#include "proxy/net/tls_context.hpp"

#include <openssl/ssl.h>

#include <fstream>
#include <sstream>

namespace shardwire::proxy {

namespace {

using boost::system::error_code;

std::string describe(const error_code& ec) {
  // OpenSSL's reason ("no such file", "key values mismatch") is what an operator needs.
  return ec.message();
}

security_result fail(std::string message) { return security_result(boost::system::in_place_error, std::move(message)); }

std::string resolve(const config& c, const std::string& file) { return config_relative(c, file); }

int tls_version(const std::string& name) { return name == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION; }

// Only TLS 1.2+ and, for 1.2, forward-secret AEAD suites.
void harden(ssl::context& ctx, int min_version) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, min_version);
  SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM");
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression | ssl::context::single_dh_use);
}

std::string load_server(const config& c, security_material& out) {
  if (!c.tls.enabled()) return "";
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  harden(*ctx, tls_version(c.tls.min_version));
  error_code ec;
  std::string cert = resolve(c, c.tls.cert_file), key = resolve(c, c.tls.key_file);
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) return "tls.cert_file \"" + cert + "\": " + describe(ec);
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return "tls.key_file \"" + key + "\": " + describe(ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return "tls.key_file \"" + key + "\" does not belong to tls.cert_file";
  }
  out.server = std::move(ctx);
  return "";
}

std::string load_backend(const config& c, const data_source& ds, security_material& out) {
  using mode = backend_tls_settings::tls_mode;
  const auto& t = ds.tls;
  std::string ca = resolve(c, t.ca_file), cert = resolve(c, t.cert_file), key = resolve(c, t.key_file);
  if (t.mode == mode::off) return "";
  std::string where = "data_sources." + ds.name + ".tls";
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  harden(*ctx, TLS1_2_VERSION);
  error_code ec;
  if (t.mode == mode::required) {
    ctx->set_verify_mode(ssl::verify_none);  // encrypted, not authenticated (MySQL's REQUIRED)
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (ca.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(ca, ec);
    }
    if (ec) return where + ".ca_file \"" + ca + "\": " + describe(ec);
  }
  if (!cert.empty()) {
    ctx->use_certificate_chain_file(cert, ec);
    if (ec) return where + ".cert_file \"" + cert + "\": " + describe(ec);
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return where + ".key_file \"" + key + "\": " + describe(ec);
  }
  out.backends[ds.name] = std::move(ctx);
  return "";
}

std::string load_rsa(const config& c, const security_material* previous, security_material& out) {
  if (c.rsa_private_key_file.empty()) {
    if (previous && previous->rsa_generated) {
      out.rsa = previous->rsa;
    } else {
      out.rsa = protocol::rsa_key::generate();
    }
    out.rsa_generated = true;
    return out.rsa ? "" : "cannot generate an RSA key for caching_sha2_password";
  }
  std::string file = resolve(c, c.rsa_private_key_file);
  std::ifstream in(file);
  if (!in) return "auth.rsa_private_key_file \"" + file + "\": cannot read";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string error;
  out.rsa = protocol::rsa_key::from_pem(ss.str(), error);
  if (!out.rsa) return "auth.rsa_private_key_file \"" + file + "\": " + error;
  return "";
}

}  // namespace

std::string config_relative(const config& c, const std::string& file) {
  if (file.empty() || file.front() == '/' || c.source_path.empty()) return file;
  auto slash = c.source_path.rfind('/');
  return slash == std::string::npos ? file : c.source_path.substr(0, slash + 1) + file;
}

security_result load_security(const config& c, const security_material* previous) {
  auto out = std::make_shared<security_material>();
  if (auto e = load_server(c, *out); !e.empty()) return fail(e);
  for (const auto& [_, ds] : c.data_sources) {
    if (auto e = load_backend(c, ds, *out); !e.empty()) return fail(e);
  }
  if (auto e = load_rsa(c, previous, *out); !e.empty()) return fail(e);
  return std::shared_ptr<const security_material>(std::move(out));
}

}  // namespace shardwire::proxy
