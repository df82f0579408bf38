// mysql_native_password: token = SHA1(pw) XOR SHA1(scramble || SHA1(SHA1(pw))).
// The proxy stores only SHA1(SHA1(pw)) (MySQL's "*HEX" form) to verify clients.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/codec.hpp"

namespace shardwire::protocol {

using sha1_digest = std::array<std::uint8_t, 20>;

sha1_digest sha1(byte_view a, byte_view b = {});

// "*" + 40 upper-case hex digits, as MariaDB's PASSWORD() prints it.
std::string native_password_hash(std::string_view password);
// Parses the "*HEX" form back into SHA1(SHA1(pw)).
std::optional<sha1_digest> parse_native_hash(std::string_view text);

// What a client sends for `password` given the server's 20-byte scramble.
bytes native_password_token(std::string_view password, byte_view scramble);

// Checks a client's token against the stored double hash. An empty password has
// an empty token; `stored` is nullopt for accounts without a password.
bool verify_native_token(byte_view token, byte_view scramble, const std::optional<sha1_digest>& stored);

// A 20-byte scramble of printable-range bytes (never NUL, which would end the
// string on old clients).
bytes make_scramble();

}  // namespace shardwire::protocol
