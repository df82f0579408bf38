// Values as SQL literals that are safe by construction: whatever the bytes and whatever
// the connection's character set or sql_mode, the text can only ever be read back as
// the one value it encodes. Strings never appear as quoted text: they are hex digits
// with a character set introducer (`_gbk X'BF5C'`), so no byte of the value can end a
// string, start a comment or combine with a quote into a multi-byte character. Numbers
// are printed by the proxy or checked against the SQL number grammar. Pure code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shardwire::router {

// `_<charset> X'<hex>'`: a string literal of the bytes in that character set (coercible,
// like a quoted literal). `charset` must be a name from character_set_name(); "binary"
// gives a binary string.
std::string hex_string_literal(std::string_view bytes, std::string_view charset);

// `text` when it is a decimal or approximate number as SQL writes one
// ([+-]digits[.digits][e[+-]digits], at most 80 characters), else nullopt.
std::optional<std::string> numeric_literal(std::string_view text);

// The character set of a MariaDB collation id (the handshake's or SET NAMES'), or
// nullopt for an id the proxy does not know.
std::optional<std::string_view> charset_of_collation(std::uint16_t id);
// Whether `name` is a character set a client may use (introducers accept exactly these).
bool client_charset(std::string_view name);

}  // namespace shardwire::router
