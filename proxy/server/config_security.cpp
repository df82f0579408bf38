#include "proxy/server/config_security.hpp"

#include "router/config_json.hpp"

namespace shardwire::proxy::config_security {

namespace {
using namespace router::config_json;

std::string text(const json& obj, const std::string& path, const std::string& key, std::string def = "") {
  if (!obj.contains(key)) return def;
  if (!obj[key].is_string()) fail(join(path, key), "expected a string, got " + obj[key].dump());
  return obj[key].get<std::string>();
}

bool flag(const json& obj, const std::string& path, const std::string& key, bool def) {
  if (!obj.contains(key)) return def;
  if (!obj[key].is_boolean()) fail(join(path, key), "expected true or false");
  return obj[key].get<bool>();
}
}  // namespace

void parse_client_tls(const json& root, config& c) {
  if (root.contains("tls")) {
    const json& j = root["tls"];
    only_keys(j, "tls", {"cert_file", "key_file", "min_version", "require_secure_transport"});
    auto& t = c.tls;
    t.cert_file = text(j, "tls", "cert_file");
    t.key_file = text(j, "tls", "key_file");
    if (t.cert_file.empty() != t.key_file.empty()) fail("tls", "give both cert_file and key_file");
    t.min_version = text(j, "tls", "min_version", "TLSv1.2");
    if (t.min_version != "TLSv1.2" && t.min_version != "TLSv1.3") {
      fail("tls.min_version", "expected \"TLSv1.2\" or \"TLSv1.3\"");
    }
    t.require_secure_transport = flag(j, "tls", "require_secure_transport", false);
    if (t.require_secure_transport && !t.enabled()) {
      fail("tls.require_secure_transport", "needs tls.cert_file and tls.key_file (no secure transport configured)");
    }
  }
  if (root.contains("auth")) {
    only_keys(root["auth"], "auth", {"rsa_private_key_file"});
    c.rsa_private_key_file = text(root["auth"], "auth", "rsa_private_key_file");
  }
}

void parse_user_auth(const json& user, const std::string& path, client_user& u) {
  if (user.contains("password") && user.contains("password_hash")) {
    fail(path, "give either password or password_hash, not both");
  }
  std::string plugin = text(user, path, "auth_plugin", "");
  std::string hash = text(user, path, "password_hash");
  bool sha2_hash = hash.rfind("$A$", 0) == 0;
  if (plugin.empty()) plugin = sha2_hash ? "caching_sha2_password" : "mysql_native_password";
  if (plugin == "caching_sha2_password") {
    u.plugin = auth_plugin::caching_sha2_password;
  } else if (plugin != "mysql_native_password") {
    fail(join(path, "auth_plugin"), "expected \"mysql_native_password\" or \"caching_sha2_password\"");
  }
  bool sha2 = u.plugin == auth_plugin::caching_sha2_password;
  if (!hash.empty()) {
    if (sha2) {
      u.sha2_stored = protocol::parse_sha2_stored(hash);
      if (!u.sha2_stored) {
        fail(join(path, "password_hash"),
             "expected MySQL's caching_sha2_password form \"$A$005$\" + 20 salt bytes + 43 characters");
      }
    } else {
      u.password_hash = protocol::parse_native_hash(hash);
      if (!u.password_hash) fail(join(path, "password_hash"), "expected \"*\" + 40 hex digits (MariaDB PASSWORD() form)");
    }
  } else {
    std::string pw = text(user, path, "password");
    if (!pw.empty() && sha2) u.sha2_fast = protocol::sha2_double_hash(pw);
    if (!pw.empty() && !sha2) u.password_hash = protocol::parse_native_hash(protocol::native_password_hash(pw));
  }
  u.require_secure_transport = flag(user, path, "require_secure_transport", false);
  u.local_infile = flag(user, path, "local_infile", false);
}

backend_tls_settings parse_backend_tls(const json& obj, const std::string& path, backend_tls_settings base) {
  if (!obj.contains("tls")) return base;
  std::string p = join(path, "tls");
  const json& j = obj["tls"];
  only_keys(j, p, {"mode", "ca_file", "cert_file", "key_file", "server_name"});
  using mode = backend_tls_settings::tls_mode;
  if (j.contains("mode")) {
    std::string m = text(j, p, "mode");
    if (m == "off") {
      base.mode = mode::off;
    } else if (m == "required") {
      base.mode = mode::required;
    } else if (m == "verify_ca") {
      base.mode = mode::verify_ca;
    } else if (m == "verify_identity") {
      base.mode = mode::verify_identity;
    } else {
      fail(join(p, "mode"), "expected \"off\", \"required\", \"verify_ca\" or \"verify_identity\"");
    }
  }
  base.ca_file = text(j, p, "ca_file", base.ca_file);
  base.cert_file = text(j, p, "cert_file", base.cert_file);
  base.key_file = text(j, p, "key_file", base.key_file);
  base.server_name = text(j, p, "server_name", base.server_name);
  if (base.cert_file.empty() != base.key_file.empty()) fail(p, "give both cert_file and key_file");
  return base;
}

}  // namespace shardwire::proxy::config_security
