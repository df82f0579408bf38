// Connection phase messages: the server's Handshake v10, the client's
// HandshakeResponse41, and the auth-switch request.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "protocol/messages.hpp"

namespace shardwire::protocol {

struct handshake_v10 {
  std::string server_version;
  std::uint32_t connection_id = 0;
  bytes auth_data;  // scramble; 20 bytes for mysql_native_password
  std::uint32_t capabilities = 0;
  std::uint8_t charset = 45;  // utf8mb4_general_ci
  std::uint16_t status = 0x0002;
  std::string auth_plugin = "mysql_native_password";
  std::uint32_t mariadb_caps = 0;  // only without cap::long_password (a MariaDB server)
};

struct handshake_response {
  std::uint32_t capabilities = 0;
  std::uint32_t max_packet = 0;
  std::uint8_t charset = 0;
  std::string user;
  bytes auth_response;
  std::string database;  // when capabilities has connect_with_db
  std::string auth_plugin;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::uint32_t mariadb_caps = 0;  // only without cap::long_password (a MariaDB client)
};

struct auth_switch_request {
  std::string plugin;
  bytes data;
};

void encode_handshake(bytes& out, const handshake_v10& hs);
result<handshake_v10> decode_handshake(byte_view payload);

void encode_handshake_response(bytes& out, const handshake_response& r);
result<handshake_response> decode_handshake_response(byte_view payload);

// A client that asked for TLS sends this 32-byte prefix first (SSL_REQUEST), then the
// whole response (CLIENT_SSL still set) over TLS.
inline constexpr std::size_t ssl_request_size = 32;
bool is_ssl_request(byte_view payload);
void encode_ssl_request(bytes& out, const handshake_response& r);  // capabilities, max packet, charset

// The key/value pairs of a CLIENT_CONNECT_ATTRS block (the bytes inside its length).
result<std::vector<std::pair<std::string, std::string>>> decode_connect_attrs(byte_view block);

void encode_auth_switch(bytes& out, const auth_switch_request& a);
result<auth_switch_request> decode_auth_switch(byte_view payload);

}  // namespace shardwire::protocol
