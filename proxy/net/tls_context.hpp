// The TLS contexts and the caching_sha2_password RSA key a config names, loaded from
// their files once per config (load_config) and shared, immutable, by every session.
#pragma once

#include <boost/system/result.hpp>
#include <map>
#include <memory>
#include <string>

#include "protocol/auth_sha2.hpp"
#include "proxy/net/net_stream.hpp"
#include "proxy/server/config.hpp"

namespace shardwire::proxy {

struct security_material {
  std::shared_ptr<ssl::context> server;  // towards clients; nullptr: TLS not offered
  // Towards each data source whose tls.mode is not off.
  std::map<std::string, std::shared_ptr<ssl::context>> backends;
  std::shared_ptr<protocol::rsa_key> rsa;  // never nullptr once loaded
  bool rsa_generated = false;              // made at load (no rsa_private_key_file)
  ssl::context* backend(const std::string& data_source) const {
    auto it = backends.find(data_source);
    return it == backends.end() ? nullptr : it->second.get();
  }
};

using security_result = boost::system::result<std::shared_ptr<const security_material>, std::string>;

// A file the config names, relative to the config file's folder (so a config and its
// certificates move together: conf/demo.json names ../var/cluster/tls/...).
std::string config_relative(const config& c, const std::string& file);

// Reads every file `c` names. A generated RSA key is taken over from `previous` (a
// reload), so clients that cached the public key keep a valid one.
security_result load_security(const config& c, const security_material* previous = nullptr);

}  // namespace shardwire::proxy
