// MariaDB's client_ed25519, the client side (the proxy logs into backend accounts
// created IDENTIFIED VIA ed25519): the response to the server's 32-byte scramble is an
// Ed25519 signature of it with the key MariaDB derives from the password: the
// SHA-512 of the password itself is the expanded secret (not of a 32-byte seed, which is
// why a generic Ed25519 API cannot be used: the curve arithmetic comes from libsodium).
#pragma once

#include <array>
#include <string_view>

#include "protocol/codec.hpp"

namespace shardwire::protocol {

// The 64-byte signature (R || S) of `message`.
std::array<std::uint8_t, 64> ed25519_password_signature(std::string_view password, byte_view message);
// The public key MariaDB stores for `password` (base64 in mysql.global_priv); for tests.
std::array<std::uint8_t, 32> ed25519_password_public_key(std::string_view password);

}  // namespace shardwire::protocol
