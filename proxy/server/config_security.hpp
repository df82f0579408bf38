// The security parts of the config file (README "TLS and authentication"): TLS towards
// clients and data sources, client users' authentication. Used by config.cpp only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "proxy/server/config.hpp"

namespace shardwire::proxy::config_security {

// "tls" and "auth" at the top level.
void parse_client_tls(const nlohmann::json& root, config& c);
// A user's password/password_hash/auth_plugin/require_secure_transport.
void parse_user_auth(const nlohmann::json& user, const std::string& path, client_user& u);
// "tls" of a data source or backend_defaults, over `base`.
backend_tls_settings parse_backend_tls(const nlohmann::json& obj, const std::string& path, backend_tls_settings base);

}  // namespace shardwire::proxy::config_security
